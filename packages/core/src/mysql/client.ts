/**
 * The `mariadb`/`mysql` command-line clients, as every plugin that talks to
 * a MySQL or MariaDB server runs them. Credentials only ever travel on the
 * client's stdin, as an option file (`--defaults-extra-file=/dev/stdin` or
 * `--defaults-file=/dev/stdin`, which must be the first option): never in
 * argv, the environment or a file on disk.
 */
import type { Executor, RunResult, Script } from '../contract/executor.js';
import type { Facts } from '../contract/facts.js';
import { HealerError } from '../errors.js';

/** Where and as whom a client connects. Absent fields are left to the client's defaults. */
export interface MysqlConnection {
  user?: string | null;
  /** Written to the option file only; never logged. */
  password?: string | null;
  /** Empty or absent: the client's default (localhost, through the socket). */
  host?: string | null;
  port?: number | null;
  socket?: string | null;
  /** The default database of the interactive client (`[mysql]` section). */
  database?: string | null;
}

/** A value for a MySQL option file: quoted, with backslash, quote and line breaks escaped. */
export function mysqlOptionValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/**
 * The option file given on stdin: connection and credentials in `[client]`
 * (read by every client, dump included), the database in `[mysql]` (read by
 * the interactive client only; a dump takes it as an argument).
 *
 * @example
 * mysqlOptionFile({ user: 'root', socket: '/run/mysqld/mysqld.sock' })
 * // '[client]\nuser="root"\nsocket="/run/mysqld/mysqld.sock"\n'
 */
export function mysqlOptionFile(conn: MysqlConnection, options: { database?: boolean } = {}): string {
  const lines = ['[client]'];
  if (conn.user) lines.push(`user=${mysqlOptionValue(conn.user)}`);
  if (conn.password !== undefined && conn.password !== null) lines.push(`password=${mysqlOptionValue(conn.password)}`);
  if (conn.host) lines.push(`host=${mysqlOptionValue(conn.host)}`);
  if (conn.port !== undefined && conn.port !== null) lines.push(`port=${conn.port}`);
  if (conn.socket) lines.push(`socket=${mysqlOptionValue(conn.socket)}`);
  if (options.database !== false && conn.database) lines.push('[mysql]', `database=${mysqlOptionValue(conn.database)}`);
  return `${lines.join('\n')}\n`;
}

/** The client binaries on a host. */
export interface MysqlClients {
  /** `mariadb` or `mysql`. */
  client: string | null;
  /** `mariadb-dump` or `mysqldump`. */
  dump: string | null;
}

/** The client binaries on the target, asked once per host and run. */
export async function findMysqlClients(ctx: { exec: Executor; facts: Facts; signal?: AbortSignal }): Promise<MysqlClients> {
  return ctx.facts.get('core:mysql-clients', async () => {
    const r = await ctx.exec.run(
      { script: 'for c in mariadb mysql mariadb-dump mysqldump; do if command -v "$c" >/dev/null 2>&1; then echo "$c"; fi; done' },
      { timeoutMs: 10_000, ...(ctx.signal ? { signal: ctx.signal } : {}) },
    );
    const found = r.stdout.split('\n').map((l) => l.trim());
    return {
      client: found.find((c) => c === 'mariadb' || c === 'mysql') ?? null,
      dump: found.find((c) => c === 'mariadb-dump' || c === 'mysqldump') ?? null,
    };
  });
}

/** The errno in a client error line (`ERROR 1045 (28000): Access denied ...`), with the message. */
export function mysqlClientError(stderr: string): { errno: number; message: string } | null {
  const m = /ERROR (\d+)(?: \([0-9A-Z]+\))?(?: at line \d+)?: (.*)/.exec(stderr);
  return m ? { errno: Number(m[1]), message: m[2]!.trim() } : null;
}

/**
 * Run `argv` with its stdin turned into a pipe. The clients open
 * `/dev/stdin` by name, and open(2) refuses a socket, which is what Node
 * (and some transports) give a child as stdin.
 */
export function throughPipe(argv: readonly string[]): Script {
  return { script: 'cat | "$@"', args: [...argv] };
}

/** Rows of `--batch --raw` output: lines of tab-separated fields. */
export function parseMysqlRows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

/** A string as an SQL hex literal (`X'...'`), or `''` when empty: nothing to escape, whatever it holds. */
export function sqlBytes(value: string | Uint8Array): string {
  const hex = Buffer.from(typeof value === 'string' ? Buffer.from(value, 'utf8') : value).toString('hex');
  return hex === '' ? "''" : `X'${hex}'`;
}

/** An identifier in backticks, a backtick inside doubled. */
export function sqlIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** SQL longer than this does not go in argv (Linux caps one argument at 128 KiB). */
export const MAX_SQL_ARG = 120 * 1024;

/** Options of {@link runMysql}. */
export interface RunMysqlOptions {
  /**
   * `extra` (default): the option file is read after the system's option
   * files (`--defaults-extra-file`), so their socket and defaults apply.
   * `only`: it is the only option file read (`--defaults-file`): nothing in
   * `/etc/mysql` or `~/.my.cnf` can change where or as whom it connects.
   */
  defaults?: 'extra' | 'only';
  /** Client options after the option file (default: `--batch --raw --skip-column-names --default-character-set=utf8mb4`). */
  args?: readonly string[];
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The client options {@link runMysql} passes when none are given: one row a line, fields split by tabs. */
export const MYSQL_BATCH_ARGS: readonly string[] = ['--batch', '--raw', '--skip-column-names', '--default-character-set=utf8mb4'];

/**
 * Run SQL through the target's `mariadb`/`mysql` client with the connection
 * in an option file on stdin. With the default arguments each row is a line
 * of tab-separated fields; select binary or free-text columns through
 * `HEX()` (raw values may hold tabs and line breaks).
 */
export async function runMysql(ctx: { exec: Executor; facts: Facts; signal?: AbortSignal }, conn: MysqlConnection, sql: string, options: RunMysqlOptions = {}): Promise<RunResult> {
  const { client } = await findMysqlClients(ctx);
  if (!client) throw new HealerError('COMMAND_FAILED', 'Neither the mariadb nor the mysql client is installed on the target.');
  if (Buffer.byteLength(sql) > MAX_SQL_ARG) throw new HealerError('INVALID_ARGUMENT', `The statement is too long to send (${Buffer.byteLength(sql)} bytes, at most ${MAX_SQL_ARG}).`);
  const defaults = options.defaults === 'only' ? '--defaults-file=/dev/stdin' : '--defaults-extra-file=/dev/stdin';
  const signal = options.signal ?? ctx.signal;
  return ctx.exec.run(throughPipe([client, defaults, ...(options.args ?? MYSQL_BATCH_ARGS), '-e', sql]), {
    input: mysqlOptionFile(conn),
    timeoutMs: options.timeoutMs ?? 30_000,
    ...(signal ? { signal } : {}),
  });
}
