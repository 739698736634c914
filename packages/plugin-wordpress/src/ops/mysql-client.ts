/**
 * The `mariadb`/`mysql` command-line clients with the wp-config.php
 * credentials. The password only ever travels on the client's stdin, as an
 * option file (`--defaults-extra-file=/dev/stdin`, which must be the first
 * option): never in argv, the environment or a file on disk.
 * @internal
 */
import { HealerError, type CheckContext, type RunResult, type Script } from '@healer/core';
import type { WordpressConfig } from '../config.js';
import type { WpDatabase, WpMetadata } from '../types.js';

/** What the ops and backup parts need from a context. */
export type OpsContext = Pick<CheckContext<WordpressConfig, WpMetadata>, 'app' | 'exec' | 'fs' | 'secrets' | 'config' | 'signal' | 'facts'>;

/** Where the database server is, from `DB_HOST`. */
export interface DbEndpoint {
  /** Empty means the client's default (localhost). */
  host: string;
  port: number | null;
  socket: string | null;
}

/**
 * `DB_HOST` as `wpdb::parse_db_host()` reads it: `host`, `host:port`,
 * `host:/socket`, `[::1]:3306`, `localhost:/run/mysqld/mysqld.sock`; a
 * `p:` (persistent) prefix is dropped.
 */
export function parseDbHost(dbHost: string): DbEndpoint {
  let rest = dbHost.startsWith('p:') ? dbHost.slice(2) : dbHost;
  let socket: string | null = null;
  const socketAt = rest.indexOf(':/');
  if (socketAt !== -1) {
    socket = rest.slice(socketAt + 1);
    rest = rest.slice(0, socketAt);
  }
  const ipv6 = (rest.match(/:/g) ?? []).length > 1;
  const m = ipv6 ? /^\[?([0-9a-fA-F:]+)(?:\]:(\d+))?/.exec(rest) : /^([^:/]*)(?::(\d+))?/.exec(rest);
  const port = m?.[2] ? Number(m[2]) : null;
  return { host: m?.[1] ?? '', port: port && port > 0 ? port : null, socket };
}

/** True when the client connects over TCP (not through the local socket). */
export function isTcp(endpoint: DbEndpoint): boolean {
  return endpoint.socket === null && endpoint.host !== '' && endpoint.host !== 'localhost';
}

/**
 * Both mysqlnd (PHP) and MariaDB's client report a refused TCP connection as
 * 2002; the MySQL client says 2003. One number per cause: 2003 for a TCP
 * endpoint, 2002 for the local socket.
 */
export function normalizeConnectErrno(errno: number, endpoint: DbEndpoint): number {
  if (errno !== 2002 && errno !== 2003) return errno;
  return isTcp(endpoint) ? 2003 : 2002;
}

/** A value for a MySQL option file: quoted, with backslash, quote and line breaks escaped. */
export function optionValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/**
 * The option file given on stdin: connection and credentials in `[client]`
 * (read by every client, dump included), the database in `[mysql]` (read by
 * the interactive client only; the dump takes it as an argument).
 */
export function clientOptionFile(db: WpDatabase, password: string, options: { database?: boolean } = {}): string {
  const endpoint = parseDbHost(db.host);
  const lines = ['[client]', `user=${optionValue(db.user)}`, `password=${optionValue(password)}`];
  if (endpoint.host !== '') lines.push(`host=${optionValue(endpoint.host)}`);
  if (endpoint.port !== null) lines.push(`port=${endpoint.port}`);
  if (endpoint.socket !== null) lines.push(`socket=${optionValue(endpoint.socket)}`);
  if (options.database !== false) lines.push('[mysql]', `database=${optionValue(db.name)}`);
  return `${lines.join('\n')}\n`;
}

/** The client binaries on the target (`mariadb` or `mysql`, `mariadb-dump` or `mysqldump`), asked once per host and run. */
export async function findClients(ctx: Pick<OpsContext, 'exec' | 'facts' | 'signal'>): Promise<{ client: string | null; dump: string | null }> {
  return ctx.facts.get('wordpress:mysql-clients', async () => {
    const r = await ctx.exec.run(
      { script: 'for c in mariadb mysql mariadb-dump mysqldump; do if command -v "$c" >/dev/null 2>&1; then echo "$c"; fi; done' },
      { timeoutMs: 10_000, signal: ctx.signal },
    );
    const found = r.stdout.split('\n').map((l) => l.trim());
    return {
      client: found.find((c) => c === 'mariadb' || c === 'mysql') ?? null,
      dump: found.find((c) => c === 'mariadb-dump' || c === 'mysqldump') ?? null,
    };
  });
}

/** The errno in a client error line (`ERROR 1045 (28000): Access denied ...`), with the message. */
export function clientError(stderr: string): { errno: number; message: string } | null {
  const m = /ERROR (\d+)(?: \([0-9A-Z]+\))?(?: at line \d+)?: (.*)/.exec(stderr);
  return m ? { errno: Number(m[1]), message: m[2]!.trim() } : null;
}

/** SQL longer than this does not go in argv (Linux caps one argument at 128 KiB). */
const MAX_SQL_ARG = 120 * 1024;

/**
 * Run SQL with the site's credentials: `--batch --raw --skip-column-names`,
 * so each row is a line of tab-separated fields. Callers select binary or
 * free-text columns through `HEX()`: raw values may hold tabs and line breaks.
 */
export async function runSql(ctx: Pick<OpsContext, 'exec' | 'facts' | 'signal'>, db: WpDatabase, password: string, sql: string, options: { timeoutMs?: number } = {}): Promise<RunResult> {
  const { client } = await findClients(ctx);
  if (!client) throw new HealerError('COMMAND_FAILED', 'Neither the mariadb nor the mysql client is installed on the target.');
  if (Buffer.byteLength(sql) > MAX_SQL_ARG) throw new HealerError('INVALID_ARGUMENT', `The statement is too long to send (${Buffer.byteLength(sql)} bytes, at most ${MAX_SQL_ARG}).`);
  return ctx.exec.run(throughPipe([client, '--defaults-extra-file=/dev/stdin', '--batch', '--raw', '--skip-column-names', '--default-character-set=utf8mb4', '-e', sql]), {
    input: clientOptionFile(db, password),
    timeoutMs: options.timeoutMs ?? 30_000,
    signal: ctx.signal,
  });
}

/**
 * Run `argv` with its stdin turned into a pipe. The clients open
 * `/dev/stdin` by name, and open(2) refuses a socket, which is what Node
 * (and some transports) give a child as stdin.
 */
export function throughPipe(argv: readonly string[]): Script {
  return { script: 'cat | "$@"', args: argv };
}

/** Rows of `--batch --raw` output: lines of tab-separated fields. */
export function parseRows(stdout: string): string[][] {
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

/** An identifier in backticks (WordPress prefixes are `[A-Za-z0-9_]`, but never trust that). */
export function sqlIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
