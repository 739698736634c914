/**
 * Status counters of a private server (see `startMariadb`) moved for real, for
 * the checks that read them: `Aborted_connects`, `Slow_queries`,
 * `Created_tmp_disk_tables`. Each returns the counter before and after.
 */
import { execFile } from 'node:child_process';
import { quote, type RunningMariadb } from './mariadb.js';

export interface CounterChange {
  /** The `SHOW GLOBAL STATUS` name: `Aborted_connects`. */
  name: string;
  before: number;
  after: number;
}

/** One global status counter, as a number. */
export async function globalStatus(server: RunningMariadb, name: string): Promise<number> {
  const rows = await server.rows(`SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = ${quote(name.toUpperCase())}`);
  if (rows.length === 0) throw new Error(`no global status ${name}`);
  return Number(rows[0]![0]);
}

async function measured(server: RunningMariadb, name: string, act: () => Promise<void>): Promise<CounterChange> {
  const before = await globalStatus(server, name);
  await act();
  return { name, before, after: await globalStatus(server, name) };
}

/**
 * `count` logins as root with a wrong password over TCP, as a client with a
 * stale password or a scanner makes them: each adds one to `Aborted_connects`.
 */
export function failedLogins(server: RunningMariadb, count: number): Promise<CounterChange> {
  return measured(server, 'Aborted_connects', async () => {
    const env = { ...process.env, MYSQL_PWD: `not-${server.password}` };
    const attempt = (): Promise<void> =>
      new Promise((resolve, reject) => {
        execFile('mariadb', ['--no-defaults', '--protocol=TCP', '--host=127.0.0.1', `--port=${server.port}`, '--user=root', '-e', 'SELECT 1'], { env }, (err, _out, stderr) => {
          if (err === null) reject(new Error('a login with a wrong password was accepted'));
          else if (/Access denied/.test(stderr)) resolve();
          else reject(new Error(`unexpected login failure: ${stderr.trim()}`));
        });
      });
    for (let i = 0; i < count; i += 8) await Promise.all(Array.from({ length: Math.min(8, count - i) }, attempt));
  });
}

/**
 * `count` queries of `seconds` each (`SELECT SLEEP`), in a session whose
 * `long_query_time` is half that: each adds one to `Slow_queries`, and is
 * written to the slow query log when the server has it on, whatever the
 * server's own `long_query_time`. Default 0.05 s each.
 */
export function slowQueries(server: RunningMariadb, count: number, seconds = 0.05): Promise<CounterChange> {
  return measured(server, 'Slow_queries', async () => {
    const statements = [`SET SESSION long_query_time = ${seconds / 2}`, ...Array.from({ length: count }, () => `SELECT SLEEP(${seconds})`)];
    await server.sql(statements.join('; '));
  });
}

/**
 * `count` queries whose temporary table goes to disk: a GROUP BY on a BLOB
 * column, which the in-memory engine cannot hold. Each adds one to
 * `Created_tmp_disk_tables` (and to `Created_tmp_tables`).
 */
export function diskTmpTables(server: RunningMariadb, count: number): Promise<CounterChange> {
  return measured(server, 'Created_tmp_disk_tables', async () => {
    const query = "SELECT b, COUNT(*) FROM (SELECT CAST(REPEAT('x', seq % 7) AS BINARY) AS b FROM mysql.seq_1_to_100) AS t GROUP BY b";
    await server.sql(Array.from({ length: count }, () => query).join('; '));
  });
}
