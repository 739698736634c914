/**
 * A throwaway MariaDB server for the destructive tests (crashed tables,
 * restarts, kills, SET GLOBAL): `mariadb-install-db` into a temp folder,
 * `mariadbd --defaults-file=<its my.cnf>` as the `mysql` user on a free
 * loopback port, stopped and deleted by `stop()`. Never the machine's own
 * server. Kept small on purpose: the shared `startMariadb()` of
 * `@healer/test-utils` replaces it.
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
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
  /** The running server's pid (from its pid file, whoever started it), or null. */
  pid(): Promise<number | null>;
  /** A script that stops the server if it runs and starts it again, detached: what `restartCommand` runs. */
  restartScript: string;
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
  // Its own tmp folder: in the shared one another process may remove the server's temporary tables.
  const tmpDir = join(dir, 'tmp');
  let port = await freePort();
  const writeOptions = (): Promise<void> =>
    writeFile(
      optionFile,
      ['[mysqld]', `datadir=${dataDir}`, `socket=${socket}`, `port=${port}`, 'bind-address=127.0.0.1', `log-error=${errorLog}`, `pid-file=${join(dir, 'mysqld.pid')}`, `tmpdir=${tmpDir}`, 'user=mysql', 'skip-name-resolve', ...extra, ''].join('\n'),
    );
  await writeOptions();
  try {
    const { uid, gid } = await mysqlIds();
    await mkdir(tmpDir);
    await Promise.all([dir, tmpDir].map((d) => chown(d, uid, gid)));
    await installDb(dataDir, tmpDir);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }

  const pidFile = join(dir, 'mysqld.pid');
  const restartScript = join(dir, 'restart.sh');
  await writeFile(
    restartScript,
    [
      `pid=$(cat '${pidFile}' 2>/dev/null)`,
      'if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; fi',
      `setsid /usr/sbin/mariadbd '--defaults-file=${optionFile}' </dev/null >/dev/null 2>&1 &`,
      '',
    ].join('\n'),
  );
  const pid = async (): Promise<number | null> => {
    const n = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(n) || n <= 0) return null;
    try {
      process.kill(n, 0);
      return n;
    } catch {
      return null;
    }
  };
  /** Signal the server (by its pid file) and wait until it is gone. */
  const signalServer = async (signal: NodeJS.Signals): Promise<void> => {
    const n = await pid();
    if (n === null) return;
    process.kill(n, signal);
    const deadline = Date.now() + 30_000;
    while ((await pid()) === n) {
      if (Date.now() > deadline) throw new Error('the test server did not exit');
      await new Promise((r) => setTimeout(r, 100));
    }
    // A killed server leaves its pid file.
    if (signal === 'SIGKILL') await rm(pidFile, { force: true });
  };
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
    restartScript,
    pid,
    async start() {
      const started = spawn('/usr/sbin/mariadbd', [`--defaults-file=${optionFile}`], { stdio: 'ignore', detached: true });
      started.unref();
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          await sql('SELECT 1');
          return;
        } catch (e) {
          if (Date.now() > deadline || started.exitCode !== null) {
            const log = await readFile(errorLog, 'utf8').catch(() => '');
            throw new Error(`The test server did not start: ${String(e)}\n${log.split('\n').slice(-8).join('\n')}`);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    shutdown: () => signalServer('SIGTERM'),
    kill: () => signalServer('SIGKILL'),
    async stop() {
      await signalServer('SIGTERM').catch(() => signalServer('SIGKILL'));
      await rm(dir, { recursive: true, force: true });
    },
  };
  // Another test may take the free port between its choice and the bind: then another port.
  for (let attempt = 1; ; attempt++) {
    try {
      await server.start();
      return server;
    } catch (e) {
      if (attempt < 3 && /already in use|Do you already have another/i.test(String(e))) {
        port = await freePort();
        server.port = port;
        await writeOptions();
        continue;
      }
      await server.stop();
      throw e;
    }
  }
}

/** `mariadb-install-db`, tried twice (it failed once under load, leaving a half-made data directory). */
async function installDb(dataDir: string, tmpDir: string): Promise<void> {
  const args = ['--no-defaults', `--datadir=${dataDir}`, '--user=mysql', '--skip-test-db', `--tmpdir=${tmpDir}`];
  try {
    await run('mariadb-install-db', args, { timeout: 120_000 });
  } catch (first) {
    await rm(dataDir, { recursive: true, force: true });
    await run('mariadb-install-db', args, { timeout: 120_000 }).catch((e: unknown) => {
      throw new Error(`mariadb-install-db failed twice: ${String(first)}\n${String(e)}`);
    });
  }
}

async function mysqlIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'mysql']), run('id', ['-g', 'mysql'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
