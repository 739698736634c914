/**
 * A private MariaDB server for tests: Debian's `mariadbd` on a free loopback
 * port, with its own data directory made by `mariadb-install-db` in a temp
 * folder, its socket, pid file and error log beside it, running as the
 * `mysql` user. It never reads the machine's option files (`--no-defaults`),
 * so the machine's own server (port 3306, its socket) is never touched.
 * Needs root (the server drops to `mysql`) and Debian's `mariadb-server` and
 * `mariadb-client`.
 *
 * Defaults that differ from a stock server, so the broken states of
 * `mariadb-states.ts` stay broken until a test repairs them:
 * `myisam_recover_options=OFF` and `aria_recover_options=OFF` (no repair on
 * open). Everything else is MariaDB's default unless `serverOptions` says so.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './net.js';

const run = promisify(execFile);
const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = 'mariadb-install-db';
const CLIENT = 'mariadb';
const SERVER_USER = 'mysql';

/** A server option value: `true` gives `--name`, `false` gives `--skip-name`, anything else `--name=value`. */
export type MariadbOptionValue = string | number | boolean;

export interface MariadbOptions {
  /**
   * More server options, by their variable name (`max_connections`,
   * `innodb_buffer_pool_size`, `slow_query_log`, `long_query_time`...):
   * `{ max_connections: 20, slow_query_log: true, long_query_time: 0.1 }`.
   * They come after the defaults, so they can override them.
   */
  serverOptions?: Record<string, MariadbOptionValue>;
  /** Password of `root` over TCP (over the socket, the system root logs in without one). Default `healer-test-root`. */
  rootPassword?: string;
  /** How long a start may take before it fails. Default 30 s. */
  startTimeoutMs?: number;
}

export interface SqlOptions {
  /** The default database of the statement. */
  database?: string;
  /** Connect over TCP to 127.0.0.1 with root's password instead of the socket. */
  tcp?: boolean;
  /** Print the column names as a first line. Default false. */
  headers?: boolean;
}

/** A running private server and what a client needs to reach it. */
export interface RunningMariadb {
  host: '127.0.0.1';
  port: number;
  /** The server's Unix socket, in the temp folder. */
  socket: string;
  user: 'root';
  /** root's password over TCP. */
  password: string;
  /** The temp folder holding everything (data, socket, logs). */
  dir: string;
  dataDir: string;
  errorLog: string;
  /** `SELECT VERSION()`: `10.11.6-MariaDB-0+deb12u1`. */
  version: string;
  /** Pid of the server, or null when it is not running. */
  pid(): number | null;
  /**
   * Run one or more statements as root and return the client's batch output:
   * tab-separated rows, one a line, no column names unless asked. Throws with
   * the client's message when a statement fails.
   */
  sql(statement: string, options?: SqlOptions): Promise<string>;
  /** {@link sql} split into rows of fields (no column names). */
  rows(statement: string, options?: Omit<SqlOptions, 'headers'>): Promise<string[][]>;
  /** Shut the server down cleanly (SIGTERM, wait). Data stay; {@link restart} starts it again. */
  stop(): Promise<void>;
  /** SIGKILL the server: a crash. Data stay as a crash leaves them. */
  kill(): Promise<void>;
  /** Stop (if running) and start again on the same port and data, with `serverOptions` merged over the current ones. */
  restart(serverOptions?: Record<string, MariadbOptionValue>): Promise<void>;
  /** Stop the server and remove the temp folder. */
  cleanup(): Promise<void>;
}

/** Start a throwaway MariaDB server on 127.0.0.1. */
export async function startMariadb(options: MariadbOptions = {}): Promise<RunningMariadb> {
  const dir = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'healer-mariadb-')));
  try {
    return await startIn(dir, options);
  } catch (e) {
    await fsp.rm(dir, { recursive: true, force: true });
    throw e;
  }
}

async function startIn(dir: string, options: MariadbOptions): Promise<RunningMariadb> {
  const { uid, gid } = await serverUser();
  const dataDir = join(dir, 'data');
  const tmpDir = join(dir, 'tmp');
  const socket = join(dir, 'mysqld.sock');
  const errorLog = join(dir, 'error.log');
  const password = options.rootPassword ?? 'healer-test-root';
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  await fsp.mkdir(tmpDir);
  await Promise.all([dir, tmpDir].map((d) => fsp.chown(d, uid, gid)));
  // The server runs as `mysql`: it must reach its own folder under the temp dir.
  await fsp.chmod(dir, 0o755);

  // The bootstrap server gets the private tmp folder too: in the shared one, another process may remove its temporary
  // tables (CI once saw "Error on delete of '#sql-temptable-...'" there).
  try {
    await run(INSTALL_DB, ['--no-defaults', `--user=${SERVER_USER}`, `--datadir=${dataDir}`, '--auth-root-authentication-method=socket', '--skip-test-db', `--tmpdir=${tmpDir}`], {
      cwd: dir,
      timeout: timeoutMs,
    });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`mariadb-install-db failed: ${tail(`${err.stdout ?? ''}\n${err.stderr ?? ''}`) || err.message}`, { cause: e });
  }

  let extra: Record<string, MariadbOptionValue> = { ...options.serverOptions };
  let port = 0;
  let server: Server | null = null;
  const argvFor = (p: number): string[] => serverArgv({ dataDir, tmpDir, socket, errorLog, port: p, pidFile: join(dir, 'mysqld.pid') }, extra);
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      server = await launch(argvFor(port), { socket, errorLog, timeoutMs });
      break;
    } catch (e) {
      // Another process took the port between our probe and the server's bind: pick another.
      if (!(e instanceof BindError) || attempt >= 5) throw e;
    }
  }

  const client = (statement: string, o: SqlOptions = {}): Promise<string> => runClient({ socket, port, password }, statement, o);
  try {
    // root logs in over the socket as the system root (unix_socket), and over TCP with a password.
    await client(`ALTER USER root@localhost IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD(${quote(password)})`);
  } catch (e) {
    await server.kill();
    throw e;
  }
  const version = (await client('SELECT VERSION()')).trim();

  const stopServer = async (how: 'term' | 'kill'): Promise<void> => {
    if (server === null) return;
    const current = server;
    server = null;
    await (how === 'term' ? current.stop(timeoutMs) : current.kill());
  };

  return {
    host: '127.0.0.1',
    port,
    socket,
    user: 'root',
    password,
    dir,
    dataDir,
    errorLog,
    version,
    pid: () => server?.child.pid ?? null,
    sql: client,
    async rows(statement, o = {}) {
      const out = await client(statement, { ...o, headers: false });
      return out.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
    },
    stop: () => stopServer('term'),
    kill: () => stopServer('kill'),
    async restart(serverOptions) {
      await stopServer('term');
      extra = { ...extra, ...serverOptions };
      // The port was just released by our own server; a short retry covers a slow kernel.
      for (let attempt = 1; ; attempt++) {
        try {
          server = await launch(argvFor(port), { socket, errorLog, timeoutMs });
          return;
        } catch (e) {
          if (!(e instanceof BindError) || attempt >= 20) throw e;
          await sleep(100);
        }
      }
    },
    async cleanup() {
      await stopServer('term');
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}

interface Paths {
  dataDir: string;
  tmpDir: string;
  socket: string;
  errorLog: string;
  pidFile: string;
  port: number;
}

/** The server's argv: `--no-defaults` first (the server insists), our paths, the test defaults, then the caller's options. */
function serverArgv(p: Paths, extra: Record<string, MariadbOptionValue>): string[] {
  const options: Record<string, MariadbOptionValue> = {
    user: SERVER_USER,
    datadir: p.dataDir,
    tmpdir: p.tmpDir,
    socket: p.socket,
    'pid-file': p.pidFile,
    'log-error': p.errorLog,
    port: p.port,
    'bind-address': '127.0.0.1',
    myisam_recover_options: 'OFF',
    aria_recover_options: 'OFF',
    ...extra,
  };
  return ['--no-defaults', ...Object.entries(options).map(([name, value]) => optionArg(name, value))];
}

/** `--name=value`, `--name` or `--skip-name`; names may use `_` or `-`. */
export function optionArg(name: string, value: MariadbOptionValue): string {
  const flag = name.replace(/_/g, '-');
  if (value === true) return `--${flag}`;
  if (value === false) return `--skip-${flag}`;
  return `--${flag}=${value}`;
}

class BindError extends Error {}

interface Server {
  child: ChildProcess;
  /** SIGTERM and wait for a clean shutdown (SIGKILL after `timeoutMs`). */
  stop(timeoutMs: number): Promise<void>;
  kill(): Promise<void>;
}

/** Every live server of this process, killed if the test process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHook = false;

async function launch(argv: string[], o: { socket: string; errorLog: string; timeoutMs: number }): Promise<Server> {
  // A leftover socket file from a killed server would look like a ready one.
  await fsp.rm(o.socket, { force: true });
  const logStart = await sizeOf(o.errorLog);
  const child = spawn(MARIADBD, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-8192);
  });
  let hasExited = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      hasExited = true;
      live.delete(child);
      resolve();
    }),
  );
  live.add(child);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  const logSinceStart = async (): Promise<string> => {
    const bytes = await fsp.readFile(o.errorLog).catch(() => Buffer.alloc(0));
    return bytes.subarray(logStart).toString('utf8');
  };

  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    if (hasExited) {
      const log = await logSinceStart();
      if (/Address already in use|Bind on TCP\/IP port/i.test(log)) throw new BindError(`mariadbd could not bind its port: ${tail(log)}`);
      throw new Error(`mariadbd exited at start (code ${child.exitCode}): ${tail(`${log}\n${stderr}`)}`);
    }
    if (await answers(o.socket)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`mariadbd did not answer within ${o.timeoutMs} ms: ${tail(`${await logSinceStart()}\n${stderr}`)}`);
    }
    await sleep(50);
  }

  return {
    child,
    async stop(timeoutMs) {
      if (hasExited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (!hasExited) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** True once the server accepts a login over its socket and runs a statement. */
async function answers(socket: string): Promise<boolean> {
  if (!(await fsp.stat(socket).then(() => true, () => false))) return false;
  try {
    await run(CLIENT, ['--no-defaults', `--socket=${socket}`, '--user=root', '--batch', '--connect-timeout=2', '-e', 'SELECT 1'], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** Run the `mariadb` client once; the password goes through the environment, never argv. */
async function runClient(target: { socket: string; port: number; password: string }, statement: string, o: SqlOptions): Promise<string> {
  const argv = [
    '--no-defaults',
    ...(o.tcp === true ? ['--protocol=TCP', '--host=127.0.0.1', `--port=${target.port}`] : ['--protocol=SOCKET', `--socket=${target.socket}`]),
    '--user=root',
    '--batch',
    ...(o.headers === true ? [] : ['--skip-column-names']),
    '-e',
    statement,
    ...(o.database === undefined ? [] : [o.database]),
  ];
  const env = { ...process.env, ...(o.tcp === true ? { MYSQL_PWD: target.password } : {}) };
  if (o.tcp !== true) delete env['MYSQL_PWD'];
  try {
    const { stdout } = await run(CLIENT, argv, { env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`SQL failed: ${(err.stderr ?? '').trim() || err.message}`, { cause: e });
  }
}

/** A string literal for SQL: single quotes, backslashes and quotes escaped. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

async function serverUser(): Promise<{ uid: number; gid: number }> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', SERVER_USER]), run('id', ['-g', SERVER_USER])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

async function sizeOf(file: string): Promise<number> {
  return fsp.stat(file).then((s) => s.size, () => 0);
}

/** The last lines of a log, for an error message. */
function tail(text: string, lines = 15): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
