/**
 * A throwaway MariaDB server for the destructive tests (crashed tables,
 * restarts, kills, SET GLOBAL): `mariadb-install-db` into a temp folder,
 * `mariadbd --defaults-file=<its my.cnf>` as the `mysql` user on a free
 * loopback port, stopped and deleted by `stop()`. Never the machine's own
 * server. Kept small on purpose: the shared `startMariadb()` of
 * `@healer/test-utils` replaces it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@healer/test-utils';

const run = promisify(execFile);

export interface PrivateServer {
  /** The temp folder: `my.cnf`, `data/`, the socket, `error.log`. */
  dir: string;
  dataDir: string;
  optionFile: string;
  socket: string;
  port: number;
  errorLog: string;
  /** Run SQL as root through the socket; rows as tab-separated lines. */
  sql(statement: string): Promise<string>;
  /** The running server's pid, or null. */
  pid(): number | null;
  /** Start it (again), waiting until it answers. */
  start(): Promise<void>;
  /** Stop it cleanly, waiting until it has exited. */
  shutdown(): Promise<void>;
  /** SIGKILL: a crashed server. */
  kill(): Promise<void>;
  /** Stop it and delete everything. */
  stop(): Promise<void>;
}

/** Start a fresh MariaDB with default settings (`extra` lines are added to its `[mysqld]` section). */
export async function startPrivateServer(extra: string[] = []): Promise<PrivateServer> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'healer-mysql-')));
  await chmod(dir, 0o755);
  const dataDir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const errorLog = join(dir, 'error.log');
  const optionFile = join(dir, 'my.cnf');
  const port = await freePort();
  await writeFile(
    optionFile,
    ['[mysqld]', `datadir=${dataDir}`, `socket=${socket}`, `port=${port}`, 'bind-address=127.0.0.1', `log-error=${errorLog}`, `pid-file=${join(dir, 'mysqld.pid')}`, 'user=mysql', 'skip-name-resolve', ...extra, ''].join('\n'),
  );
  const { uid, gid } = await mysqlIds();
  await chown(dir, uid, gid);
  await run('mariadb-install-db', ['--no-defaults', `--datadir=${dataDir}`, '--user=mysql', '--skip-test-db'], { timeout: 60_000 });

  let child: ChildProcess | null = null;
  const sql = async (statement: string): Promise<string> =>
    (await run('mariadb', ['--no-defaults', '-uroot', `--socket=${socket}`, '--batch', '--skip-column-names', '-e', statement], { timeout: 60_000 })).stdout;
  const server: PrivateServer = {
    dir,
    dataDir,
    optionFile,
    socket,
    port,
    errorLog,
    sql,
    pid: () => (child && child.exitCode === null && child.signalCode === null ? (child.pid ?? null) : null),
    async start() {
      child = spawn('/usr/sbin/mariadbd', [`--defaults-file=${optionFile}`], { stdio: 'ignore' });
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          await sql('SELECT 1');
          return;
        } catch (e) {
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(`The test server did not start: ${String(e)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async shutdown() {
      await exited(child, 'SIGTERM');
    },
    async kill() {
      await exited(child, 'SIGKILL');
    },
    async stop() {
      await exited(child, 'SIGTERM').catch(() => exited(child, 'SIGKILL'));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

/** Signal the process and wait for it to exit (at most 30 s). */
async function exited(child: ChildProcess | null, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error('the test server did not exit')), 30_000))]);
}

async function mysqlIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'mysql']), run('id', ['-g', 'mysql'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
