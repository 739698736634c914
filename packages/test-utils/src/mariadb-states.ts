/**
 * Broken states of a private server (see `startMariadb`), each made for real
 * so that a check finds it the way it finds it on a production server: a
 * crashed MyISAM or Aria table, a fragmented table, a long query, a server
 * near its connection limit, an anonymous account, an account without a
 * password, root reachable from any host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { quote, type RunningMariadb } from './mariadb.js';

/** Storage engines whose tables {@link crashTable} can crash. */
export type CrashableEngine = 'MyISAM' | 'Aria';

export interface CrashedTable {
  database: string;
  table: string;
  engine: CrashableEngine;
  /** The data file that was cut to half its size (`.MYD` / `.MAD`). */
  dataFile: string;
  /** The index file whose header now says "crashed" (`.MYI` / `.MAI`). */
  indexFile: string;
}

/**
 * Crash a MyISAM or Aria table the way a killed server or a full disk does:
 * its data file loses its second half and its index header is flagged
 * crashed. `CHECK TABLE` then reports `Table is marked as crashed` and
 * `Corrupt`, a `SELECT` fails with error 1194 (`... is marked as crashed and
 * should be repaired`), and `REPAIR TABLE` brings it back (without the lost
 * rows). The table is created with 2,000 rows when it does not exist; an
 * existing one must use `engine`. Needs the test defaults of `startMariadb`
 * (no automatic repair on open). Names: letters, digits and `_` only.
 */
export async function crashTable(server: RunningMariadb, database: string, table: string, engine: CrashableEngine = 'MyISAM'): Promise<CrashedTable> {
  assertName(database);
  assertName(table);
  const found = await server.rows(`SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${quote(database)} AND TABLE_NAME = ${quote(table)}`);
  if (found.length === 0) {
    await server.sql(
      `CREATE DATABASE IF NOT EXISTS \`${database}\`; ` +
        `CREATE TABLE \`${database}\`.\`${table}\` (id INT PRIMARY KEY, label VARCHAR(100) NOT NULL) ENGINE=${engine}; ` +
        `INSERT INTO \`${database}\`.\`${table}\` SELECT seq, CONCAT('row ', seq) FROM \`${database}\`.seq_1_to_2000`,
    );
  } else if (found[0]![0] !== engine) {
    throw new Error(`${database}.${table} uses ${found[0]![0]}, not ${engine}`);
  }
  // Close the table, so the server reads the damaged files at its next open and has nothing cached to write back.
  await server.sql(`FLUSH TABLES \`${database}\`.\`${table}\``);
  const [dataExt, indexExt] = engine === 'MyISAM' ? ['MYD', 'MYI'] : ['MAD', 'MAI'];
  const dataFile = join(server.dataDir, database, `${table}.${dataExt}`);
  const indexFile = join(server.dataDir, database, `${table}.${indexExt}`);

  const { size } = await fsp.stat(dataFile);
  // Aria reads its data file in pages of 8 KiB: keep whole pages, or it reports a short read instead of a crash.
  const unit = engine === 'Aria' ? 8192 : 1;
  await fsp.truncate(dataFile, Math.floor(size / 2 / unit) * unit);
  await flagCrashed(indexFile, engine);
  return { database, table, engine, dataFile, indexFile };
}

/**
 * Set the "crashed" bit (2) of the table state in an index file's header.
 * Both headers start with 24 bytes of fixed fields and a 2-byte open count;
 * then MyISAM keeps the state in one byte (offset 26), Aria in two big-endian
 * bytes (offsets 26-27).
 */
async function flagCrashed(indexFile: string, engine: CrashableEngine): Promise<void> {
  const handle = await fsp.open(indexFile, 'r+');
  try {
    const header = Buffer.alloc(28);
    await handle.read(header, 0, header.length, 0);
    if (header[0] !== 0xfe || header[1] !== 0xfe) throw new Error(`${indexFile} does not start like a ${engine} index file`);
    const offset = engine === 'MyISAM' ? 26 : 27;
    header[offset] = header[offset]! | 2;
    await handle.write(header, offset, 1, offset);
  } finally {
    await handle.close();
  }
}

export interface FragmentOptions {
  /** Payload of the rows that stay after the delete, in MiB (the table itself is a little bigger). Default 110: above the usual 100 MB threshold. */
  megabytes?: number;
  /** Share of the rows deleted, and so about the share of the table left free. Default 0.25. */
  freeFraction?: number;
  /** Default InnoDB (one file per table, the default). Not Aria: it does not report its free space in `DATA_FREE`. */
  engine?: 'InnoDB' | 'MyISAM';
}

export interface FragmentedTable {
  database: string;
  table: string;
  engine: string;
  /** `information_schema.TABLES` after `ANALYZE TABLE`, in bytes. */
  dataLength: number;
  indexLength: number;
  dataFree: number;
}

/**
 * A table with free space inside it, as deletes leave it: rows of about
 * 1 KiB are inserted, the first `freeFraction` of them deleted (a contiguous
 * range, so InnoDB frees whole extents), InnoDB's purge is waited for and the
 * statistics are refreshed. With the defaults (InnoDB) MariaDB 10.11 reports
 * about 127 MiB of data and 48 MiB free (InnoDB counts free space in whole
 * extents) after about 2 s; MyISAM: 145 MiB and 36 MiB free after 1 s.
 * Smaller sizes (`megabytes: 4`) suit a check whose threshold a test sets.
 * `OPTIMIZE TABLE` brings `DATA_FREE` back near zero. The table must not exist.
 */
export async function fragmentTable(server: RunningMariadb, database: string, table: string, options: FragmentOptions = {}): Promise<FragmentedTable> {
  assertName(database);
  assertName(table);
  const megabytes = options.megabytes ?? 110;
  const freeFraction = options.freeFraction ?? 0.25;
  const engine = options.engine ?? 'InnoDB';
  if (!(freeFraction > 0 && freeFraction < 1)) throw new Error(`freeFraction must be between 0 and 1, not ${freeFraction}`);
  const ROW_BYTES = 1024;
  const kept = Math.ceil((megabytes * 1024 * 1024) / ROW_BYTES);
  const total = Math.ceil(kept / (1 - freeFraction));
  const deleted = total - kept;
  const name = `\`${database}\`.\`${table}\``;
  await server.sql(
    `CREATE DATABASE IF NOT EXISTS \`${database}\`; ` +
      `CREATE TABLE ${name} (id INT PRIMARY KEY, pad VARCHAR(1000) NOT NULL) ENGINE=${engine}; ` +
      // About 1 KiB a row, whatever the row format: 1,000 bytes of payload plus the row's own overhead.
      `INSERT INTO ${name} SELECT seq, REPEAT('h', 1000) FROM \`${database}\`.seq_1_to_${total}; ` +
      `DELETE FROM ${name} WHERE id <= ${deleted}`,
  );
  if (engine === 'InnoDB') {
    // Blocks until InnoDB's purge has removed the deleted rows and so freed their pages.
    await server.sql('SET GLOBAL innodb_max_purge_lag_wait = 0');
  }
  await server.sql(`ANALYZE TABLE ${name}`);
  const [row] = await server.rows(
    `SELECT ENGINE, DATA_LENGTH, INDEX_LENGTH, DATA_FREE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${quote(database)} AND TABLE_NAME = ${quote(table)}`,
  );
  return { database, table, engine: row![0]!, dataLength: Number(row![1]), indexLength: Number(row![2]), dataFree: Number(row![3]) };
}

/** A client connection kept open by {@link sleepingQuery} or {@link exhaustConnections}. */
interface OpenClient {
  child: ChildProcess;
  /** The server's connection id (`CONNECTION_ID()`, the `Id` of `SHOW PROCESSLIST`). */
  id: number;
  /** Resolves with the client's exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Every line the client printed after the connection id. */
  output: string[];
  /** The end of what the client printed on stderr (its error messages). */
  errors(): string;
}

/**
 * Start the `mariadb` client reading statements from a pipe, as `user` over the socket, and
 * return once it is connected and has told its connection id.
 */
async function openClient(server: RunningMariadb, user: { name: string; password?: string }): Promise<OpenClient> {
  const env = { ...process.env };
  delete env['MYSQL_PWD'];
  if (user.password !== undefined) env['MYSQL_PWD'] = user.password;
  const child = spawn(
    'mariadb',
    ['--no-defaults', '--protocol=SOCKET', `--socket=${server.socket}`, `--user=${user.name}`, '--batch', '--unbuffered', '--skip-column-names'],
    { stdio: ['pipe', 'pipe', 'pipe'], env },
  );
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4096);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! });
  const output: string[] = [];
  const id = await new Promise<number>((resolve, reject) => {
    let first = true;
    lines.on('line', (line) => {
      if (!first) {
        output.push(line);
        return;
      }
      first = false;
      resolve(Number(line.trim()));
    });
    void exited.then((code) => reject(new Error(`mariadb client exited (code ${code}) before connecting: ${stderr.trim()}`)));
    child.stdin!.write('SELECT CONNECTION_ID();\n');
  });
  return { child, id, exited, output, errors: () => stderr.trim() };
}

/** Close a client: end its input (it quits after its current statement) or kill it. */
async function closeClient(client: OpenClient, how: 'end' | 'kill'): Promise<void> {
  if (client.child.exitCode === null && client.child.signalCode === null) {
    if (how === 'kill') client.child.kill('SIGKILL');
    else client.child.stdin!.end();
  }
  await client.exited;
}

export interface SleepingQuery {
  /** The connection id running the query: what `KILL QUERY <id>` takes. */
  id: number;
  /** The statement as the process list shows it. */
  statement: string;
  /**
   * Resolves when the client ends, with its exit code, the lines it printed
   * (`0` when the sleep ran out) and its error message (`Query execution was
   * interrupted` after `KILL QUERY`).
   */
  finished: Promise<{ exitCode: number | null; output: string[]; error: string }>;
  /** Kill the client and its query on the server (when still running). */
  stop(): Promise<void>;
}

/**
 * A long query: `SELECT SLEEP(seconds)` running as root in a background
 * client. Returns once the server lists it as running.
 */
export async function sleepingQuery(server: RunningMariadb, seconds: number): Promise<SleepingQuery> {
  const client = await openClient(server, { name: 'root' });
  const statement = `SELECT SLEEP(${Number(seconds)})`;
  client.child.stdin!.end(`${statement};\n`);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const running = await server.rows(`SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ${client.id} AND INFO = ${quote(statement)}`);
    if (running[0]?.[0] === '1') break;
    if (Date.now() > deadline) {
      await closeClient(client, 'kill');
      throw new Error(`the sleeping query did not show in the process list within 10 s`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    id: client.id,
    statement,
    finished: client.exited.then((exitCode) => ({ exitCode, output: client.output, error: client.errors() })),
    async stop() {
      await closeClient(client, 'kill');
      // The server notices a dead client only when the query ends: end it now.
      await server.sql(`KILL ${client.id}`).catch(() => undefined);
    },
  };
}

export interface OpenConnections {
  /** How many connections were opened. */
  opened: number;
  /** Their connection ids. */
  ids: number[];
  /** The account they use (no privileges): `healer_load@localhost`. */
  user: string;
  /** Close them all and drop the account. */
  close(): Promise<void>;
}

/**
 * Open idle connections until `fraction` of `max_connections` are in use
 * (counting those already open, not the one that asks). They log in as an
 * account without privileges, so root keeps its extra connection.
 */
export async function exhaustConnections(server: RunningMariadb, fraction: number): Promise<OpenConnections> {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`fraction must be in (0, 1], not ${fraction}`);
  const [[max, connected]] = (await server.rows("SELECT @@max_connections, (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'THREADS_CONNECTED')")) as [[string, string]];
  const wanted = Math.ceil(Number(max) * fraction) - (Number(connected) - 1);
  const password = randomBytes(12).toString('hex');
  const name = 'healer_load';
  await server.sql(`CREATE OR REPLACE USER ${name}@localhost IDENTIFIED BY ${quote(password)}`);
  const clients: OpenClient[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(clients.map((c) => closeClient(c, 'end')));
    await server.sql(`DROP USER IF EXISTS ${name}@localhost`);
  };
  try {
    // A few at a time: a burst of logins can overflow the server's listen queue on a small machine.
    for (let i = 0; i < wanted; i += 16) {
      const batch = Array.from({ length: Math.min(16, wanted - i) }, () => openClient(server, { name, password }));
      const settled = await Promise.allSettled(batch);
      for (const s of settled) if (s.status === 'fulfilled') clients.push(s.value);
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  return { opened: clients.length, ids: clients.map((c) => c.id), user: `${name}@localhost`, close: closeAll };
}

/** An account made by one of the functions below; `drop()` removes it. */
export interface TestAccount {
  /** As `user@host` for SQL: `''@'localhost'`. */
  account: string;
  drop(): Promise<void>;
}

async function createAccount(server: RunningMariadb, user: string, host: string, rest: string): Promise<TestAccount> {
  const account = `${quote(user)}@${quote(host)}`;
  await server.sql(`CREATE USER ${account} ${rest}`.trim());
  return { account, drop: () => server.sql(`DROP USER IF EXISTS ${account}`).then(() => undefined) };
}

/** An anonymous account (`''@host`, no password), as old installs created. Default host `localhost`. */
export function anonymousUser(server: RunningMariadb, host = 'localhost'): Promise<TestAccount> {
  return createAccount(server, '', host, '');
}

/** A named account that logs in without a password (`mysql_native_password`, empty). */
export function emptyPasswordUser(server: RunningMariadb, user = 'healer_nopass', host = 'localhost'): Promise<TestAccount> {
  return createAccount(server, user, host, "IDENTIFIED BY ''");
}

/** `root@'%'` with all privileges: root reachable from any host (with a password, so it is only that finding). */
export async function rootFromAnywhere(server: RunningMariadb, password = 'healer-root-anywhere'): Promise<TestAccount> {
  const created = await createAccount(server, 'root', '%', `IDENTIFIED BY ${quote(password)}`);
  await server.sql(`GRANT ALL PRIVILEGES ON *.* TO ${created.account} WITH GRANT OPTION`);
  return created;
}

function assertName(name: string): void {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`use letters, digits and _ only in database and table names: ${JSON.stringify(name)}`);
}
