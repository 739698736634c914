/**
 * Backup parts: `tables`, a dump of the tables an action optimizes (taken
 * before it touches them, loaded back by the rollback), and `globals`, the
 * values the variables an action sets had before. A crashed table cannot
 * be dumped (the server refuses to open it): `mysql/repair-table` saves its
 * files instead.
 */
import { HealerError, findMysqlClients, mysqlClientError, mysqlOptionFile, type ActionContext, type BackupPart, type BackupStrategy, type RunResult } from '@healer/core';
import { createHash } from 'node:crypto';
import type { MysqlConfig } from './config.js';
import { requireLogin, queryRows } from './connection.js';
import { qualified } from './checks/tables.js';
import type { MysqlMetadata } from './types.js';
import { readGlobals, suggestedSettings, setGlobalSql } from './globals.js';
import { TABLE_NAME, tablesFromResults } from './table-names.js';

type Ctx = ActionContext<MysqlConfig, MysqlMetadata>;

function describeFailure(r: RunResult): string {
  const err = mysqlClientError(r.stderr);
  return err ? `error ${err.errno}: ${err.message}` : r.stderr.trim().slice(0, 1000) || `exit code ${r.exitCode}`;
}

/** `db.table` names saved by a record, each checked again (never trusted from the record alone). */
function savedTables(record: { meta: Record<string, unknown> }): string[] {
  const raw = Array.isArray(record.meta['tables']) ? record.meta['tables'] : [];
  return raw.filter((t): t is string => typeof t === 'string' && TABLE_NAME.test(t));
}

/** The database part of `db.table`, and the dump file of that database. */
const dbOf = (table: string): string => table.slice(0, table.indexOf('.'));
const dumpFile = (db: string): string => `${createHash('sha256').update(db).digest('hex').slice(0, 16)}.sql`;

export const tablesPart: BackupPart<MysqlConfig, MysqlMetadata> = {
  name: 'tables',
  async create(ctx: Ctx, dir: string) {
    const tables = tablesFromResults(ctx.results);
    const { conn } = await requireLogin(ctx);
    const { dump } = await findMysqlClients(ctx);
    if (!dump) throw new HealerError('BACKUP_FAILED', 'Neither mariadb-dump nor mysqldump is installed on the target: the tables cannot be saved.');
    for (const db of [...new Set(tables.map(dbOf))]) {
      const names = tables.filter((t) => dbOf(t) === db).map((t) => t.slice(db.length + 1));
      // Readable by its owner only from the first byte; the option file on stdin.
      const r = await ctx.exec.run(
        {
          script: 'umask 077; cat | "$@"',
          args: [dump, '--defaults-file=/dev/stdin', '--single-transaction', '--quick', '--no-tablespaces', '--hex-blob', '--default-character-set=utf8mb4', `--result-file=${dir}/${dumpFile(db)}`, '--', db, ...names],
        },
        { input: mysqlOptionFile(conn, { database: false }), timeoutMs: 60 * 60_000, signal: ctx.signal },
      );
      if (r.exitCode !== 0) throw new HealerError('BACKUP_FAILED', `${dump} of ${names.join(', ')} in ${db} failed: ${describeFailure(r)}`);
    }
    return { meta: { tables } };
  },
  async restore(ctx: Ctx, record, dir: string) {
    const tables = savedTables(record).filter((t) => !record.left || t in record.left);
    const { conn } = await requireLogin(ctx);
    const { client } = await findMysqlClients(ctx);
    if (!client) throw new HealerError('RESTORE_FAILED', 'Neither the mariadb nor the mysql client is installed on the target: the tables cannot be restored.');
    for (const db of [...new Set(tables.map(dbOf))]) {
      // The option file arrives on fd 3 (a pipe, from stdin), the dump on stdin. The dump drops and recreates each table it holds.
      const r = await ctx.exec.run(
        { script: 'f=$1; shift; cat | "$@" 3<&0 <"$f"', args: [`${dir}/${dumpFile(db)}`, client, '--defaults-file=/dev/fd/3', '--batch', '--default-character-set=utf8mb4'] },
        { input: mysqlOptionFile({ ...conn, database: db }), timeoutMs: 60 * 60_000, signal: ctx.signal },
      );
      if (r.exitCode !== 0) throw new HealerError('RESTORE_FAILED', `Loading the dump of ${db} failed: ${describeFailure(r)}`);
    }
  },
  /** `CHECKSUM TABLE ... EXTENDED` of the saved tables: a rollback refuses when one changed since the heal. */
  async fingerprint(ctx: Ctx, record, _dir: string, items?: readonly string[]) {
    const saved = savedTables(record);
    const tables = items ? items.filter((t) => saved.includes(t)) : saved;
    if (tables.length === 0) return {};
    const rows = await queryRows(ctx, `CHECKSUM TABLE ${tables.map(qualified).join(', ')} EXTENDED`, { timeoutMs: 30 * 60_000 });
    const out: Record<string, string> = {};
    for (const [name = '', sum = ''] of rows) if (tables.includes(name)) out[name] = sum;
    for (const t of tables) out[t] ??= 'missing';
    return out;
  },
};

export const globalsPart: BackupPart<MysqlConfig, MysqlMetadata> = {
  name: 'globals',
  async create(ctx: Ctx, dir: string) {
    const names = suggestedSettings(ctx.results).map((s) => s.variable);
    const values = await readGlobals(ctx, names);
    await ctx.fs.writeFile(`${dir}/globals.json`, `${JSON.stringify(values, null, 2)}\n`, { mode: 0o600 });
    return { meta: { variables: names } };
  },
  async restore(ctx: Ctx, record, dir: string) {
    const saved = await readSavedGlobals(ctx, dir);
    const back = Object.entries(saved).filter(([name]) => !record.left || name in record.left);
    if (back.length === 0) return;
    await queryRows(ctx, back.map(([name, value]) => setGlobalSql(name, value)).join('; '));
  },
  /** The variables' values now (without items: only those that differ from the saved ones). */
  async fingerprint(ctx: Ctx, _record, dir: string, items?: readonly string[]) {
    const saved = await readSavedGlobals(ctx, dir);
    const names = items ? items.filter((n) => n in saved) : Object.keys(saved);
    const now = await readGlobals(ctx, names);
    return Object.fromEntries(names.filter((n) => items !== undefined || now[n] !== saved[n]).map((n) => [n, now[n] ?? 'missing']));
  },
};

async function readSavedGlobals(ctx: Ctx, dir: string): Promise<Record<string, string>> {
  const text = await ctx.fs.readText(`${dir}/globals.json`);
  if (text === null) throw new HealerError('RESTORE_FAILED', `The saved variables are missing: ${dir}/globals.json.`);
  const parsed = JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export const mysqlBackup: BackupStrategy<MysqlConfig, MysqlMetadata> = { parts: [tablesPart, globalsPart] };
