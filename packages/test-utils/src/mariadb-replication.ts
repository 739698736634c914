/**
 * Replication between two private servers (see `startMariadb`), for the
 * checks that read `SHOW SLAVE STATUS`: a running replica, a replica whose
 * SQL thread stopped on an error, a replica that lags.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { quote, startMariadb, type MariadbOptions, type RunningMariadb } from './mariadb.js';

export interface RunningReplica {
  /** The replica, a private server of its own (clean it up with `server.cleanup()`). */
  server: RunningMariadb;
  /** `SHOW SLAVE STATUS` as a record (`Slave_IO_Running`, `Seconds_Behind_Master`, `Last_SQL_Errno`...); empty when none. */
  status(): Promise<Record<string, string>>;
  /** Wait until the replica has applied everything the primary has written so far. */
  caughtUp(timeoutMs?: number): Promise<void>;
}

/**
 * Start a second private server replicating from `primary` (GTID, over TCP
 * as a replication-only account `healer_repl@localhost`) and wait until both
 * replication threads run and it has caught up. A primary without a binary
 * log is restarted with `log_bin` and `server_id=1`. The replica starts as a
 * copy of the primary's databases (`mariadb-dump`, not the `mysql` system
 * database) taken at the primary's current GTID position: call it while the
 * primary is quiet.
 */
export async function startReplica(primary: RunningMariadb, options: MariadbOptions = {}): Promise<RunningReplica> {
  const [[logBin, serverId]] = (await primary.rows('SELECT @@log_bin, @@server_id')) as [[string, string]];
  if (logBin !== '1' || serverId === '0' || serverId === '2') await primary.restart({ log_bin: true, server_id: 1 });
  const password = randomBytes(12).toString('hex');
  await primary.sql(`CREATE OR REPLACE USER healer_repl@localhost IDENTIFIED BY ${quote(password)}; GRANT REPLICATION SLAVE ON *.* TO healer_repl@localhost`);
  const [[position]] = (await primary.rows('SELECT @@gtid_binlog_pos')) as [[string]];

  const server = await startMariadb({ ...options, serverOptions: { server_id: 2, ...options.serverOptions } });
  const status = async (): Promise<Record<string, string>> => {
    const out = await server.sql('SHOW SLAVE STATUS', { headers: true });
    const [names, values] = out.split('\n');
    if (names === undefined || values === undefined || values === '') return {};
    const fields = values.split('\t');
    return Object.fromEntries(names.split('\t').map((n, i) => [n, fields[i] ?? '']));
  };
  const replica: RunningReplica = {
    server,
    status,
    async caughtUp(timeoutMs = 15_000) {
      const [[position]] = (await primary.rows('SELECT @@gtid_binlog_pos')) as [[string]];
      const [[result]] = (await server.rows(`SELECT MASTER_GTID_WAIT(${quote(position)}, ${timeoutMs / 1000})`)) as [[string]];
      if (result !== '0') throw new Error(`the replica did not reach ${position} within ${timeoutMs} ms: ${JSON.stringify(await status())}`);
    },
  };
  try {
    await copyDatabases(primary, server);
    await server.sql(`SET GLOBAL gtid_slave_pos = ${quote(position)}`);
    await server.sql(
      `CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${primary.port}, MASTER_USER = 'healer_repl', ` +
        `MASTER_PASSWORD = ${quote(password)}, MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1; START SLAVE`,
    );
    const deadline = Date.now() + 15_000;
    for (;;) {
      const s = await status();
      if (s['Slave_IO_Running'] === 'Yes' && s['Slave_SQL_Running'] === 'Yes') break;
      if (Date.now() > deadline) throw new Error(`replication did not start within 15 s: ${s['Last_IO_Error'] || s['Last_SQL_Error'] || JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await replica.caughtUp();
  } catch (e) {
    await server.cleanup();
    throw e;
  }
  return replica;
}

/** Every database of `from` but the system ones, dumped into `to`. */
async function copyDatabases(from: RunningMariadb, to: RunningMariadb): Promise<void> {
  const databases = (await from.rows('SHOW DATABASES')).map((r) => r[0]!).filter((d) => !SYSTEM_DATABASES.has(d));
  if (databases.length === 0) return;
  const dump = spawn('mariadb-dump', ['--no-defaults', `--socket=${from.socket}`, '--user=root', '--single-transaction', '--routines', '--triggers', '--events', '--databases', ...databases], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const load = spawn('mariadb', ['--no-defaults', `--socket=${to.socket}`, '--user=root', '--batch'], { stdio: ['pipe', 'ignore', 'pipe'] });
  dump.stdout!.pipe(load.stdin!);
  const ended = (child: ChildProcess, name: string): Promise<void> => {
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    return new Promise((resolve, reject) =>
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} failed (code ${code}): ${stderr.trim()}`)))),
    );
  };
  await Promise.all([ended(dump, 'mariadb-dump'), ended(load, 'loading the dump')]);
}

const SYSTEM_DATABASES = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

/**
 * Stop the replica's SQL thread on a duplicate-key error (1062), as a write
 * made on a replica by mistake does: a row is written on the replica only,
 * then the same key on the primary. `Slave_SQL_Running` becomes `No`. Uses the
 * table `healer_replication.conflict`, made here.
 */
export async function breakReplication(primary: RunningMariadb, replica: RunningReplica): Promise<Record<string, string>> {
  await primary.sql('CREATE DATABASE IF NOT EXISTS healer_replication; CREATE TABLE IF NOT EXISTS healer_replication.conflict (id INT PRIMARY KEY) ENGINE=InnoDB');
  await replica.caughtUp();
  const [[next]] = (await primary.rows('SELECT COALESCE(MAX(id), 0) + 1 FROM healer_replication.conflict')) as [[string]];
  await replica.server.sql(`SET SESSION sql_log_bin = 0; INSERT INTO healer_replication.conflict VALUES (${next})`);
  await primary.sql(`INSERT INTO healer_replication.conflict VALUES (${next})`);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const s = await replica.status();
    if (s['Slave_SQL_Running'] === 'No' && s['Last_SQL_Errno'] !== '0') return s;
    if (Date.now() > deadline) throw new Error(`the replica's SQL thread did not stop within 15 s: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ReplicationLag {
  /** `Seconds_Behind_Master` as the replica reports it now. */
  secondsBehind: number;
  /** Let the replica apply the held event and catch up. */
  release(): Promise<void>;
}

/**
 * A replica at least `seconds` behind its primary while both threads run:
 * the replica's SQL thread is held on an event of the primary by a table
 * lock on the replica, and `Seconds_Behind_Master` grows with real time
 * (MariaDB counts from when the event reached the replica, so this takes
 * `seconds`: give the check under test a low threshold). Uses the table
 * `healer_replication.lag`, made here.
 */
export async function delayReplication(primary: RunningMariadb, replica: RunningReplica, seconds: number): Promise<ReplicationLag> {
  await primary.sql('CREATE DATABASE IF NOT EXISTS healer_replication; CREATE TABLE IF NOT EXISTS healer_replication.lag (id INT AUTO_INCREMENT PRIMARY KEY, at DATETIME) ENGINE=InnoDB');
  await replica.caughtUp();
  // The lock lives as long as this session: a client kept open for it.
  const holder = spawn('mariadb', ['--no-defaults', `--socket=${replica.server.socket}`, '--user=root', '--batch', '--unbuffered', '--skip-column-names'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
  const locked = new Promise<void>((resolve, reject) => {
    holder.stdout!.once('data', () => resolve());
    void exited.then(() => reject(new Error('the lock-holding client ended early')));
  });
  holder.stdin!.write("LOCK TABLES healer_replication.lag WRITE; SELECT 'locked';\n");
  await locked;
  await primary.sql('INSERT INTO healer_replication.lag (at) VALUES (NOW())');
  const deadline = Date.now() + seconds * 1000 + 15_000;
  for (;;) {
    const s = await replica.status();
    const behind = Number(s['Seconds_Behind_Master']);
    if (s['Seconds_Behind_Master'] !== 'NULL' && behind >= seconds) {
      return {
        secondsBehind: behind,
        async release() {
          holder.stdin!.end('UNLOCK TABLES;\n');
          await exited;
          await replica.caughtUp();
        },
      };
    }
    if (Date.now() > deadline) {
      holder.kill('SIGKILL');
      throw new Error(`the replica did not report ${seconds} s of lag in time: ${JSON.stringify(s)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
