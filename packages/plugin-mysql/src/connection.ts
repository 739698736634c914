/**
 * How the plugin logs in to a server, trying in order: the configuration's
 * credentials (a secret), Debian's `/etc/mysql/debian.cnf`, unix-socket
 * authentication as root, then `~/.my.cnf` of the user Healer runs as. The
 * first that answers `SELECT 1` is kept for the run. Credentials reach the
 * client on its stdin as its only option file (`--defaults-file=/dev/stdin`):
 * never in argv, the environment or a file, and no other option file can
 * change where or as whom it connects.
 */
import { HealerError, mysqlClientError, runMysql, type CheckContext, type MysqlConnection, type RunResult } from '@healer/core';
import type { MysqlConfig } from './config.js';
import { mysqlMeta, normalizeDir, serverEntryFor } from './detect.js';
import { clientOption, readOptionFiles } from './option-files.js';
import type { MysqlMetadata } from './types.js';

/** What the connection code needs from a check's or an action's context. */
export type MysqlContext = Pick<CheckContext<MysqlConfig, MysqlMetadata>, 'app' | 'exec' | 'fs' | 'facts' | 'secrets' | 'config' | 'signal'>;

/** Where credentials came from, in the order they are tried. */
export type CredentialSource = 'config' | 'debian.cnf' | 'unix-socket' | '~/.my.cnf';

export interface Credential {
  source: CredentialSource;
  conn: MysqlConnection;
}

/** A connection that answered. */
export interface Login {
  source: CredentialSource;
  conn: MysqlConnection;
}

/** Why no login worked: each source tried, with the server's answer (never a secret). */
export interface LoginFailure {
  /** The last client error number (2002/2003: the server is not reachable at all). */
  errno: number | null;
  message: string;
  attempts: Array<{ source: CredentialSource; errno: number | null; message: string }>;
}

/** The server's endpoint: its socket when it has one on this host, else TCP. */
export async function endpointOf(ctx: MysqlContext): Promise<MysqlConnection> {
  const meta = mysqlMeta(ctx.app);
  const entry = serverEntryFor(ctx.config, meta.dataDir)?.entry;
  if (entry?.host) return { host: entry.host, port: entry.port ?? meta.port };
  const socket = entry?.socket ?? meta.socket;
  // A stopped server has no socket file: trying it still says "cannot connect" (2002), which is the truth.
  if (socket && (meta.pid === null || (await ctx.fs.exists(socket)))) return { socket };
  const bind = meta.bindAddress && !['0.0.0.0', '::', '*'].includes(meta.bindAddress) ? meta.bindAddress : '127.0.0.1';
  return { host: bind, port: meta.port };
}

/** The client section of an option file: its user and password. */
async function fromOptionFile(ctx: MysqlContext, path: string): Promise<MysqlConnection | null> {
  const files = await readOptionFiles(ctx.fs, [path]).catch(() => null);
  if (!files || files.files.length === 0) return null;
  const get = (name: string): string | null => clientOption(files.sections, name);
  const user = get('user');
  const password = get('password');
  if (user === null && password === null) return null;
  ctx.secrets.add(password);
  return { user, password };
}

/** The credentials to try, in order, each with the server's endpoint filled in where it names none. */
export async function credentialCandidates(ctx: MysqlContext): Promise<Credential[]> {
  const meta = mysqlMeta(ctx.app);
  const endpoint = await endpointOf(ctx);
  const out: Credential[] = [];
  // Only the credentials of an option file count: where it points may be another server (debian.cnf names the system one's socket).
  const withEndpoint = (c: MysqlConnection): MysqlConnection => ({ user: c.user ?? null, password: c.password ?? null, ...endpoint });
  const entry = serverEntryFor(ctx.config, meta.dataDir)?.entry;
  if (entry?.user) {
    ctx.secrets.add(entry.password);
    out.push({ source: 'config', conn: { ...endpoint, user: entry.user, password: entry.password ?? '' } });
  }
  const debian = await fromOptionFile(ctx, '/etc/mysql/debian.cnf');
  if (debian) out.push({ source: 'debian.cnf', conn: withEndpoint(debian) });
  if (endpoint.socket) out.push({ source: 'unix-socket', conn: { user: 'root', socket: endpoint.socket } });
  const home = await ctx.exec.run({ script: 'printf "%s" "$HOME"' }, { timeoutMs: 10_000, signal: ctx.signal }).catch(() => null);
  const dir = home?.stdout.trim() ?? '';
  if (dir.startsWith('/')) {
    const own = await fromOptionFile(ctx, `${dir === '/' ? '' : dir}/.my.cnf`);
    if (own) out.push({ source: '~/.my.cnf', conn: withEndpoint(own) });
  }
  return out;
}

/** Where a connection goes, for messages. */
export function where(conn: MysqlConnection): string {
  return conn.socket ? `the socket ${conn.socket}` : `${conn.host ?? 'localhost'}:${conn.port ?? 3306}`;
}

/** Client errors meaning the server itself cannot be reached (no other login can do better). */
export const UNREACHABLE_ERRNOS: readonly number[] = [2002, 2003, 2005, 2006, 2013];

/**
 * Try each credential in order; the first that answers, from the server of
 * this data directory (`@@datadir`), wins. Memoized per server and run.
 */
export function login(ctx: MysqlContext): Promise<Login | LoginFailure> {
  const meta = mysqlMeta(ctx.app);
  return ctx.facts.get(`mysql:login:${meta.dataDir}`, async () => {
    const attempts: LoginFailure['attempts'] = [];
    for (const c of await credentialCandidates(ctx)) {
      const r = await runMysql(ctx, c.conn, 'SELECT @@datadir', { defaults: 'only', timeoutMs: 15_000 });
      if (r.exitCode === 0) {
        // The endpoint may be another server's (a stopped server's defaults point at the machine's own).
        const served = normalizeDir(r.stdout.trim() || '/');
        if (served === meta.dataDir) return { source: c.source, conn: c.conn };
        attempts.push({ source: c.source, errno: null, message: `the server at ${where(c.conn)} serves the data directory ${served}, not ${meta.dataDir}` });
        break;
      }
      const err = mysqlClientError(r.stderr);
      attempts.push({ source: c.source, errno: err?.errno ?? null, message: err?.message ?? (r.stderr.trim().slice(0, 300) || `exit code ${r.exitCode}`) });
      if (err && UNREACHABLE_ERRNOS.includes(err.errno)) break;
    }
    if (attempts.length === 0) {
      return { errno: null, message: 'No credentials to try: none configured, no /etc/mysql/debian.cnf, no server socket, no ~/.my.cnf.', attempts };
    }
    const last = attempts[attempts.length - 1]!;
    return { errno: last.errno, message: last.message, attempts };
  });
}

export function isLogin(r: Login | LoginFailure): r is Login {
  return 'conn' in r;
}

/** The login, or a `COMMAND_FAILED` saying why there is none. */
export async function requireLogin(ctx: MysqlContext): Promise<Login> {
  const r = await login(ctx);
  if (isLogin(r)) return r;
  throw new HealerError('COMMAND_FAILED', `Cannot log in to the database server: ${r.message}`, { details: { errno: r.errno } });
}

/** Run SQL as the login found (`--batch --raw --skip-column-names` unless `args` say otherwise). */
export async function serverSql(ctx: MysqlContext, sql: string, options: { args?: readonly string[]; timeoutMs?: number } = {}): Promise<RunResult> {
  const { conn } = await requireLogin(ctx);
  return runMysql(ctx, conn, sql, { defaults: 'only', ...options });
}

/** Rows of SQL run as the login; a failed statement throws with the server's error. */
export async function queryRows(ctx: MysqlContext, sql: string, options: { timeoutMs?: number } = {}): Promise<string[][]> {
  const r = await serverSql(ctx, sql, options);
  if (r.exitCode !== 0) {
    const err = mysqlClientError(r.stderr);
    throw new HealerError('COMMAND_FAILED', `The query failed: ${err ? `error ${err.errno}: ${err.message}` : r.stderr.trim().slice(0, 300) || `exit code ${r.exitCode}`}`, {
      details: { errno: err?.errno ?? null },
    });
  }
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}
