import { describe, expect, it } from 'vitest';
import { buildSnapshot, parseSections, snapshotSections, snapshotSql, unescapeField } from './snapshot.js';

const M = 'healer_section_7f3a';
const ORDER = snapshotSections('mariadb').map(([n]) => n);

/** What `mariadb --batch --force` prints for the batch: a marker result, then the section's result (none when empty). */
const OUTPUT = [
  M, 'status', 'Variable_name\tValue', 'Uptime\t42', 'Questions\t0',
  M, 'variables', 'Variable_name\tValue', 'version\t10.11.19-MariaDB', 'max_connections\t151',
  M, 'processes', 'ID\tUSER\tHOST\tDB\tCOMMAND\tTIME\tSTATE\tINFO', '7\tapp\tlocalhost\tshop\tQuery\t400\tSending data\tSELECT *\\n FROM\\tt', '8\tsystem user\t\tNULL\tDaemon\t0\tNULL\tNULL',
  M, 'replication',
  M, 'accounts', 'User\tHost\tplugin\thas_password\tlocked',
  M, 'tables', 'TABLE_SCHEMA\tTABLE_NAME\tENGINE\tIFNULL(DATA_LENGTH, 0)\tIFNULL(INDEX_LENGTH, 0)\tIFNULL(DATA_FREE, 0)', 'shop\torders\tInnoDB\t16384\t0\t0',
  '',
].join('\n');

describe('the one-batch snapshot', () => {
  it('puts each section on its own line, so an error line names its section', () => {
    const lines = snapshotSql('mariadb').split('\n');
    expect(lines).toHaveLength(ORDER.length);
    expect(lines[0]).toBe(`SELECT 'status' AS ${M}; SHOW GLOBAL STATUS;`);
    expect(snapshotSql('mysql')).toContain('FROM mysql.user');
    expect(snapshotSql('mariadb')).toContain('SHOW ALL SLAVES STATUS');
  });

  it('reads escaped fields and NULL', () => {
    expect(unescapeField('a\\tb\\nc\\\\d')).toBe('a\tb\nc\\d');
    expect(unescapeField('NULL')).toBeNull();
  });

  it('splits the marked result sets; an empty result is empty, a refused one null with its error', () => {
    expect([...parseSections(OUTPUT).keys()]).toEqual(ORDER);
    const snap = buildSnapshot(OUTPUT, "ERROR 1142 (42000) at line 5: SELECT command denied to user 'x'@'localhost' for table `mysql`.`global_priv`\n", ORDER);
    expect(snap.status).toEqual({ Uptime: '42', Questions: '0' });
    expect(snap.variables['max_connections']).toBe('151');
    expect(snap.processes).toEqual([
      { id: 7, user: 'app', host: 'localhost', db: 'shop', command: 'Query', time: 400, state: 'Sending data', info: 'SELECT *\n FROM\tt' },
      { id: 8, user: 'system user', host: '', db: null, command: 'Daemon', time: 0, state: null, info: null },
    ]);
    expect(snap.replication).toEqual([]);
    expect(snap.accounts).toBeNull();
    expect(snap.errors).toEqual(["accounts: error 1142: SELECT command denied to user 'x'@'localhost' for table `mysql`.`global_priv`"]);
    expect(snap.tables).toEqual([{ schema: 'shop', name: 'orders', engine: 'InnoDB', dataBytes: 16384, indexBytes: 0, freeBytes: 0 }]);
  });
});
