import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariadb, type RunningMariadb } from '../src/mariadb.js';
import { diskTmpTables, failedLogins, globalStatus, slowQueries } from '../src/mariadb-counters.js';

describe('status counters of a private MariaDB', () => {
  let db: RunningMariadb;
  beforeAll(async () => {
    db = await startMariadb({ serverOptions: { slow_query_log: true } });
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  it('failedLogins: each refused login adds to Aborted_connects', async () => {
    const change = await failedLogins(db, 12);
    expect(change.name).toBe('Aborted_connects');
    expect(change.after - change.before).toBe(12);
  });

  it('slowQueries: counted in Slow_queries and written to the slow query log', async () => {
    const change = await slowQueries(db, 3);
    expect(change.after - change.before).toBe(3);
    const [[file]] = (await db.rows('SELECT @@slow_query_log_file')) as [[string]];
    const path = file.startsWith('/') ? file : `${db.dataDir}/${file}`;
    expect((await readFile(path, 'utf8')).match(/SELECT SLEEP\(0\.05\)/g)).toHaveLength(3);
  });

  it('diskTmpTables: each query adds a temporary table on disk', async () => {
    const before = await globalStatus(db, 'Created_tmp_tables');
    const change = await diskTmpTables(db, 4);
    // The status queries themselves may add in-memory temporary tables, never disk ones.
    expect(change.after - change.before).toBe(4);
    expect((await globalStatus(db, 'Created_tmp_tables')) - before).toBeGreaterThanOrEqual(4);
  });

  it('globalStatus refuses an unknown counter', async () => {
    await expect(globalStatus(db, 'No_such_counter')).rejects.toThrow(/no global status No_such_counter/);
  });
});
