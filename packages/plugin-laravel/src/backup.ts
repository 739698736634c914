/**
 * The `database` backup part: a dump of every table of the app's database
 * (the default connection, MySQL or MariaDB), taken with `mariadb-dump` /
 * `mysqldump` in one transaction, the credentials on the client's stdin.
 * Restore drops the tables created since (a migration's new tables), then
 * loads the dump (each saved table dropped and recreated). Its fingerprint
 * is the table list and `CHECKSUM TABLE` of each, so a rollback refuses
 * when the data changed since the heal.
 */
import { createHash } from 'node:crypto';
import { findMysqlClients, HealerError, mysqlClientError, mysqlOptionFile, parseMysqlRows, runMysql, sqlIdent, type ActionContext, type BackupPart, type BackupStrategy, type MysqlConnection } from '@healer/core';
import type { LaravelConfig } from './config.js';
import { loadedConfig, type ProbeDb } from './probe.js';
import type { LaravelMeta } from './types.js';

type Ctx = ActionContext<LaravelConfig, LaravelMeta>;

const DUMP_FILE = 'database.sql';
const MYSQL_DRIVERS = new Set(['mysql', 'mariadb']);

/** The app's connection as a client option set (password included: it travels on stdin only). */
export function connectionOf(db: ProbeDb): MysqlConnection {
  const base = { user: db.username, password: db.password ?? '', database: db.database };
  if (db.socket) return { ...base, socket: db.socket };
  // `localhost` is the server's socket, for PDO as for the client.
  if (!db.host || db.host === 'localhost') return base;
  return { ...base, host: db.host, port: db.port };
}

/** The app's database connection, when it is one this part can dump; else why not. */
export async function dumpableDb(ctx: Parameters<typeof loadedConfig>[0]): Promise<ProbeDb | string> {
  const config = await loadedConfig(ctx);
  if (!config.db.driver || !MYSQL_DRIVERS.has(config.db.driver)) return `the default connection uses ${config.db.driver ?? 'no'} driver: Healer dumps MySQL and MariaDB databases only`;
  if (!config.db.database) return 'the default connection names no database';
  return config.db;
}

async function tablesOf(ctx: Ctx, db: ProbeDb): Promise<string[]> {
  const r = await runMysql(ctx, connectionOf(db), `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name`);
  if (r.exitCode !== 0) throw new HealerError('COMMAND_FAILED', `Cannot list the tables of ${db.database}: ${describe(r.stderr, r.exitCode)}`);
  return parseMysqlRows(r.stdout).map((row) => row[0] ?? '').filter(Boolean);
}

function describe(stderr: string, exitCode: number | null): string {
  const err = mysqlClientError(stderr);
  return err ? `error ${err.errno}: ${err.message}` : stderr.trim().slice(0, 500) || `exit code ${exitCode}`;
}

async function db(ctx: Ctx): Promise<ProbeDb> {
  const found = await dumpableDb(ctx);
  if (typeof found === 'string') throw new HealerError('BACKUP_FAILED', `The database cannot be saved: ${found}.`);
  return found;
}

export const databasePart: BackupPart<LaravelConfig, LaravelMeta> = {
  name: 'database',
  async create(ctx, dir) {
    const conn = await db(ctx);
    const { dump } = await findMysqlClients(ctx);
    if (!dump) throw new HealerError('BACKUP_FAILED', 'Neither mariadb-dump nor mysqldump is installed on the target: the database cannot be saved.');
    const tables = await tablesOf(ctx, conn);
    const file = `${dir}/${DUMP_FILE}`;
    if (tables.length === 0) await ctx.fs.writeFile(file, '', { mode: 0o600 });
    else {
      const r = await ctx.exec.run(
        {
          script: 'umask 077; cat | "$@"',
          args: [dump, '--defaults-extra-file=/dev/stdin', '--single-transaction', '--quick', '--no-tablespaces', '--hex-blob', '--default-character-set=utf8mb4', '--routines=false', `--result-file=${file}`, '--', conn.database!, ...tables],
        },
        { input: mysqlOptionFile(connectionOf(conn), { database: false }), timeoutMs: 30 * 60_000, signal: ctx.signal },
      );
      if (r.exitCode !== 0) throw new HealerError('BACKUP_FAILED', `${dump} failed: ${describe(r.stderr, r.exitCode)}`);
    }
    return { meta: { database: conn.database, tables, file: DUMP_FILE } };
  },
  async restore(ctx, record, dir) {
    const conn = await db(ctx);
    const saved = Array.isArray(record.meta['tables']) ? (record.meta['tables'] as unknown[]).filter((t): t is string => typeof t === 'string') : [];
    const added = (await tablesOf(ctx, conn)).filter((t) => !saved.includes(t));
    if (added.length > 0) {
      const r = await runMysql(ctx, connectionOf(conn), `SET FOREIGN_KEY_CHECKS=0; DROP TABLE ${added.map(sqlIdent).join(', ')}; SET FOREIGN_KEY_CHECKS=1`);
      if (r.exitCode !== 0) throw new HealerError('RESTORE_FAILED', `Dropping the tables created since the backup (${added.join(', ')}) failed: ${describe(r.stderr, r.exitCode)}`);
    }
    if (saved.length === 0) return;
    const { client } = await findMysqlClients(ctx);
    if (!client) throw new HealerError('RESTORE_FAILED', 'Neither the mariadb nor the mysql client is installed on the target: the database cannot be restored.');
    // The option file arrives on fd 3 (a pipe, from stdin), the dump on stdin.
    const r = await ctx.exec.run(
      { script: 'f=$1; shift; cat | "$@" 3<&0 <"$f"', args: [`${dir}/${DUMP_FILE}`, client, '--defaults-extra-file=/dev/fd/3', '--batch', '--default-character-set=utf8mb4'] },
      { input: mysqlOptionFile(connectionOf(conn)), timeoutMs: 30 * 60_000, signal: ctx.signal },
    );
    if (r.exitCode !== 0) throw new HealerError('RESTORE_FAILED', `Loading the database dump failed: ${describe(r.stderr, r.exitCode)}`);
  },
  async fingerprint(ctx, _record, _dir, items) {
    const conn = await db(ctx);
    const tables = await tablesOf(ctx, conn);
    const out: Record<string, string> = {};
    const wanted = items ?? ['tables', ...tables];
    const sums = new Map<string, string>();
    const checked = tables.filter((t) => wanted.includes(t));
    if (checked.length > 0) {
      const r = await runMysql(ctx, connectionOf(conn), `CHECKSUM TABLE ${checked.map(sqlIdent).join(', ')} EXTENDED`, { timeoutMs: 10 * 60_000 });
      if (r.exitCode !== 0) throw new HealerError('COMMAND_FAILED', `CHECKSUM TABLE failed: ${describe(r.stderr, r.exitCode)}`);
      for (const [name = '', sum = ''] of parseMysqlRows(r.stdout)) sums.set(name.slice(name.indexOf('.') + 1), sum);
    }
    for (const item of wanted) {
      if (item === 'tables') out[item] = createHash('sha256').update(tables.join('\n')).digest('hex');
      else out[item] = sums.get(item) ?? 'missing';
    }
    return out;
  },
};

export const laravelBackup: BackupStrategy<LaravelConfig, LaravelMeta> = { parts: [databasePart] };
