import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariadb, type RunningMariadb } from '../src/mariadb.js';
import { anonymousUser, crashTable, emptyPasswordUser, exhaustConnections, fragmentTable, rootFromAnywhere, sleepingQuery } from '../src/mariadb-states.js';

const MiB = 1024 * 1024;

describe('broken states of a private MariaDB', () => {
  let db: RunningMariadb;
  beforeAll(async () => {
    db = await startMariadb({ serverOptions: { max_connections: 30 } });
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  for (const engine of ['MyISAM', 'Aria'] as const) {
    it(`crashTable: CHECK TABLE reports a crashed ${engine} table, SELECT fails, REPAIR TABLE fixes it`, async () => {
      const crashed = await crashTable(db, 'shop', `orders_${engine.toLowerCase()}`, engine);
      const name = `shop.${crashed.table}`;
      const check = await db.rows(`CHECK TABLE ${name}`);
      const messages = check.map((r) => `${r[2]}: ${r[3]}`);
      expect(messages).toContain('warning: Table is marked as crashed');
      expect(messages).toContain('error: Corrupt');
      await expect(db.sql(`SELECT * FROM ${name} WHERE id = 1999`)).rejects.toThrow(/marked as crashed and should be repaired/);

      const repair = await db.rows(`REPAIR TABLE ${name}`);
      expect(repair.at(-1)).toEqual([name, 'repair', 'status', 'OK']);
      expect(await db.rows(`CHECK TABLE ${name}`)).toEqual([[name, 'check', 'status', 'OK']]);
      const [[rows]] = (await db.rows(`SELECT COUNT(*) FROM ${name}`)) as [[string]];
      expect(Number(rows)).toBeGreaterThan(0);
      expect(Number(rows)).toBeLessThan(2000);
    });
  }

  it('crashTable refuses a table of another engine', async () => {
    await db.sql('CREATE DATABASE IF NOT EXISTS shop; CREATE TABLE shop.innodb_one (id INT) ENGINE=InnoDB');
    await expect(crashTable(db, 'shop', 'innodb_one', 'MyISAM')).rejects.toThrow(/uses InnoDB, not MyISAM/);
  });

  it('fragmentTable: a table over 100 MiB with more than 10% free, which OPTIMIZE TABLE compacts', async () => {
    const started = Date.now();
    const t = await fragmentTable(db, 'frag', 'events');
    expect(t.engine).toBe('InnoDB');
    expect(t.dataLength + t.indexLength).toBeGreaterThan(100 * MiB);
    expect(t.dataFree / (t.dataLength + t.indexLength)).toBeGreaterThan(0.1);
    expect(Date.now() - started).toBeLessThan(60_000);

    await db.sql('OPTIMIZE TABLE frag.events');
    const [[free]] = (await db.rows("SELECT DATA_FREE FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'frag' AND TABLE_NAME = 'events'")) as [[string]];
    expect(Number(free)).toBeLessThan(t.dataFree);
    await db.sql('DROP DATABASE frag');
  }, 120_000);

  it('fragmentTable with a smaller size, for thresholds a test configures (MyISAM: free space is exactly the deleted rows)', async () => {
    const t = await fragmentTable(db, 'frag_small', 'log', { megabytes: 4, freeFraction: 0.5, engine: 'MyISAM' });
    expect(t.dataLength).toBeGreaterThan(4 * MiB);
    expect(t.dataFree / t.dataLength).toBeGreaterThan(0.45);
    await db.sql('DROP DATABASE frag_small');
  });

  it('sleepingQuery: a long SELECT SLEEP in the process list, ended by KILL QUERY or stop()', async () => {
    const q = await sleepingQuery(db, 600);
    const [[command, time, info]] = (await db.rows(`SELECT COMMAND, TIME, INFO FROM information_schema.PROCESSLIST WHERE ID = ${q.id}`)) as [[string, string, string]];
    expect(command).toBe('Query');
    expect(Number(time)).toBeGreaterThanOrEqual(0);
    expect(info).toBe('SELECT SLEEP(600)');
    await db.sql(`KILL QUERY ${q.id}`);
    // The client reports the interruption and quits.
    const end = await q.finished;
    expect(end.exitCode).toBe(1);
    expect(end.error).toMatch(/Query execution was interrupted/);
    expect(end.output).toEqual([]);
    expect(await db.rows(`SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ${q.id}`)).toEqual([['0']]);

    // A short one runs to its end.
    const short = await sleepingQuery(db, 1);
    expect(await short.finished).toEqual({ exitCode: 0, output: ['0'], error: '' });

    const other = await sleepingQuery(db, 600);
    await other.stop();
    expect(await db.rows(`SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ${other.id}`)).toEqual([['0']]);
  });

  it('exhaustConnections: connections in use reach the fraction of max_connections, and close() frees them', async () => {
    const status = async (name: string): Promise<number> =>
      Number((await db.rows(`SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = '${name}'`))[0]![0]);
    const load = await exhaustConnections(db, 0.9);
    expect(load.opened).toBeGreaterThanOrEqual(26);
    // Threads_connected counts the asking connection too.
    expect((await status('THREADS_CONNECTED')) - 1).toBeGreaterThanOrEqual(27);
    expect(await status('MAX_USED_CONNECTIONS')).toBeGreaterThanOrEqual(27);
    expect(new Set(load.ids).size).toBe(load.opened);
    // The account has no privileges; root still gets in.
    expect(await db.rows(`SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'healer_load'`)).toEqual([[String(load.opened)]]);

    await load.close();
    expect(await db.rows(`SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'healer_load'`)).toEqual([['0']]);
    expect(await db.rows("SELECT COUNT(*) FROM mysql.user WHERE User = 'healer_load'")).toEqual([['0']]);
  });

  it('exhaustConnections up to the limit: one more login is refused with "Too many connections"', async () => {
    const load = await exhaustConnections(db, 1);
    try {
      const probe = await emptyPasswordUser(db, 'healer_probe');
      try {
        // Root keeps its reserved connection, an ordinary account does not.
        await expect(sqlAs(db, 'healer_probe')).rejects.toThrow(/Too many connections/);
      } finally {
        await probe.drop();
      }
    } finally {
      await load.close();
    }
  });

  it('anonymousUser, emptyPasswordUser, rootFromAnywhere: the accounts exist until dropped', async () => {
    const anon = await anonymousUser(db);
    const nopass = await emptyPasswordUser(db);
    const root = await rootFromAnywhere(db);
    const accounts = async (): Promise<string[][]> =>
      db.rows("SELECT User, Host, authentication_string = '' FROM mysql.user WHERE User IN ('', 'healer_nopass') OR (User = 'root' AND Host = '%') ORDER BY User, Host");
    expect(await accounts()).toEqual([
      ['', 'localhost', '1'],
      ['healer_nopass', 'localhost', '1'],
      ['root', '%', '0'],
    ]);
    // The anonymous account really lets anybody in.
    expect((await sqlAs(db, 'nobody_in_particular')).trim()).toBe('@localhost');
    await Promise.all([anon.drop(), nopass.drop(), root.drop()]);
    expect(await accounts()).toEqual([]);
  });
});

/** `SELECT CURRENT_USER()` as `user` without a password, over the socket. */
async function sqlAs(server: RunningMariadb, user: string): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env['MYSQL_PWD'];
    execFile('mariadb', ['--no-defaults', `--socket=${server.socket}`, `--user=${user}`, '--batch', '--skip-column-names', '-e', 'SELECT CURRENT_USER()'], { env }, (err, stdout, stderr) =>
      err ? reject(new Error(stderr || err.message)) : resolve(stdout),
    );
  });
}
