/**
 * The `mariadb`/`mysql` command-line clients with the wp-config.php
 * credentials. The password only ever travels on the client's stdin, as an
 * option file (`--defaults-extra-file=/dev/stdin`, which must be the first
 * option): never in argv, the environment or a file on disk.
 * @internal
 */
import {
  findMysqlClients,
  mysqlClientError,
  mysqlOptionFile,
  mysqlOptionValue,
  parseMysqlRows,
  runMysql,
  sqlBytes,
  sqlIdent,
  throughPipe,
  type CheckContext,
  type RunResult,
} from '@healer/core';
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

/** A value for a MySQL option file (core's `mysqlOptionValue`). */
export const optionValue = mysqlOptionValue;

/**
 * The option file given on stdin: connection and credentials in `[client]`
 * (read by every client, dump included), the database in `[mysql]` (read by
 * the interactive client only; the dump takes it as an argument).
 */
export function clientOptionFile(db: WpDatabase, password: string, options: { database?: boolean } = {}): string {
  const endpoint = parseDbHost(db.host);
  return mysqlOptionFile({ user: db.user, password, host: endpoint.host, port: endpoint.port, socket: endpoint.socket, database: db.name }, options);
}

/** The client binaries on the target (core's `findMysqlClients`, asked once per host and run). */
export const findClients = findMysqlClients;

/** The errno in a client error line (core's `mysqlClientError`). */
export const clientError = mysqlClientError;

/**
 * Run SQL with the site's credentials: `--batch --raw --skip-column-names`,
 * so each row is a line of tab-separated fields. Callers select binary or
 * free-text columns through `HEX()`: raw values may hold tabs and line breaks.
 */
export async function runSql(ctx: Pick<OpsContext, 'exec' | 'facts' | 'signal'>, db: WpDatabase, password: string, sql: string, options: { timeoutMs?: number } = {}): Promise<RunResult> {
  const endpoint = parseDbHost(db.host);
  return runMysql(ctx, { user: db.user, password, host: endpoint.host, port: endpoint.port, socket: endpoint.socket, database: db.name }, sql, { timeoutMs: options.timeoutMs ?? 30_000 });
}

export { throughPipe, sqlBytes, sqlIdent };

/** Rows of `--batch --raw` output (core's `parseMysqlRows`). */
export const parseRows = parseMysqlRows;
