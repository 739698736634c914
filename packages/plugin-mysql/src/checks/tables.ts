/**
 * Tables: crashed or corrupt ones (CHECK TABLE on MyISAM/Aria, and the
 * error log's "crashed", "checksum mismatch", "corrupt" lines), and
 * fragmented ones (larger than 100 MB with more than 10% free space).
 */
import { readLastLines, sqlIdent } from '@healer/core';
import { posix } from 'node:path';
import { queryRows, type MysqlContext } from '../connection.js';
import { formatBytes } from '../ratios.js';
import type { ServerSnapshot } from '../snapshot.js';
import { ACTION, isOn, snapshotCheck, type MysqlCheck, type SnapshotCheck } from './shared.js';

/** One table's CHECK TABLE (or REPAIR TABLE) rows. */
export interface TableMessages {
  /** `db.table`. */
  table: string;
  rows: Array<{ type: string; text: string }>;
}

/** Group `Table, Op, Msg_type, Msg_text` rows by table. */
export function groupCheckRows(rows: readonly string[][]): TableMessages[] {
  const by = new Map<string, TableMessages>();
  for (const [table = '', , type = '', text = ''] of rows) {
    const entry = by.get(table) ?? { table, rows: [] };
    entry.rows.push({ type: type.toLowerCase(), text });
    by.set(table, entry);
  }
  return [...by.values()];
}

/** A table passed CHECK or REPAIR: a `status` row saying OK and no `error` row. */
export function tableOk(t: TableMessages): boolean {
  if (t.rows.some((r) => r.type === 'error')) return false;
  return t.rows.some((r) => r.type === 'status' && (r.text === 'OK' || r.text === 'Table is already up to date'));
}

/** `db.table` as SQL. */
export function qualified(table: string): string {
  const dot = table.indexOf('.');
  return `${sqlIdent(table.slice(0, dot))}.${sqlIdent(table.slice(dot + 1))}`;
}

/** CHECK TABLE of the given `db.table` names: the damaged ones, with what the server said. */
export async function damagedTables(ctx: MysqlContext, tables: readonly string[]): Promise<Array<{ table: string; message: string }>> {
  if (tables.length === 0) return [];
  const rows = await queryRows(ctx, `CHECK TABLE ${tables.map(qualified).join(', ')}`, { timeoutMs: 300_000 });
  return groupCheckRows(rows)
    .filter((t) => !tableOk(t))
    .map((t) => ({ table: t.table, message: t.rows.filter((r) => r.type !== 'status' || r.text !== 'OK').map((r) => r.text).join('; ') }));
}

/** The MyISAM and Aria tables (and those whose engine cannot be read, as a crashed table's): what CHECK TABLE judges. */
export function checkableTables(snap: ServerSnapshot): string[] {
  return (snap.tables ?? []).filter((t) => t.engine === null || ['myisam', 'aria'].includes(t.engine.toLowerCase())).map((t) => `${t.schema}.${t.name}`);
}

/** Error-log lines about damage. */
export const DAMAGE_PATTERN = /marked as crashed|crashed|checksum mismatch|corrupt/i;

/** `db.table` named by an error-log line (`Table './shop/orders' is marked as crashed`). */
export function tableInLogLine(line: string): string | null {
  const m = /Table '\.?\/?([^/']+)\/([^']+)'/.exec(line);
  return m ? `${m[1]}.${m[2]}` : null;
}

/** The server's timestamp on an error-log line (`2026-12-06 23:32:31 0 [ERROR] ...`, `2026-12-06T23:32:31.123Z ...`), read as local time. */
export function logLineTime(line: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})/.exec(line);
  if (!m) return null;
  const d = new Date(`${m[1]}T${m[2]}${/^\S+Z\s/.test(line) ? 'Z' : ''}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Damage lines of the error log newer than `since`. */
export async function damageLogLines(ctx: MysqlContext & { since?: Date }, snap: ServerSnapshot, dataDir: string, maxLines: number): Promise<string[]> {
  const logError = snap.variables['log_error'] ?? '';
  if (logError === '' || maxLines === 0) return [];
  const path = posix.resolve(dataDir, logError);
  const lines = await readLastLines(ctx.exec, path, maxLines, { signal: ctx.signal }).catch(() => []);
  const since = ctx.since ?? new Date(Date.now() - 24 * 3600_000);
  return lines.filter((l) => DAMAGE_PATTERN.test(l) && (logLineTime(l) ?? new Date(0)) >= since);
}

export const crashedTablesCheck: SnapshotCheck = snapshotCheck({
  id: 'mysql/crashed-tables',
  title: 'Crashed or corrupt tables',
  category: 'database',
  severity: 'critical',
  // CHECK TABLE reads every row of each table it checks.
  timeoutMs: 300_000,
  async judge(snap, ctx) {
    const limit = ctx.config.checkTablesLimit;
    const logLines = await damageLogLines(ctx, snap, ctx.app.metadata.dataDir, ctx.config.errorLogLines);
    const fromLog = logLines.map(tableInLogLine).filter((t): t is string => t !== null);
    const all = [...new Set([...fromLog, ...checkableTables(snap)])];
    const checked = all.slice(0, limit);
    const damaged = await damagedTables(ctx, checked);
    const details = { variable: 'CHECK TABLE', threshold: 'any error, or a crashed/corrupt line in the error log', checked: checked.length, skipped: all.length - checked.length, tables: damaged.map((d) => d.table), damaged };
    const evidence = [...damaged.map((d) => `${d.table}: ${d.message}`), ...logLines.slice(-10)];
    if (damaged.length > 0) {
      return { status: 'fail', message: `CHECK TABLE reports ${damaged.length} damaged table(s): ${damaged.map((d) => d.table).join(', ')}.`, details, evidence, fixes: [ACTION.repairTable] };
    }
    if (logLines.length > 0) return { status: 'warn', message: `The error log reports damage (${logLines.length} line(s)) that CHECK TABLE does not find in the MyISAM/Aria tables: look at InnoDB (innodb_force_recovery) and the disk.`, details, evidence };
    return { status: 'pass', message: `CHECK TABLE finds ${checked.length} MyISAM/Aria table(s) sound${all.length > checked.length ? ` (${all.length - checked.length} more not checked)` : ''}; the error log reports no damage.`, details };
  },
});

/** Fragmented: a table larger than this (data, indexes and free space)... */
export const FRAGMENTED_TABLE_BYTES = 100 * 1024 ** 2;
/** ...with more than this share of its space free. */
export const FRAGMENTED_FREE_PCT = 10;

/** The one rule, for the check and for the action's re-read: larger than `minTable`, more than {@link FRAGMENTED_FREE_PCT}% free. */
export function isFragmented(totalBytes: number, freeBytes: number, minTable: number): boolean {
  return totalBytes > minTable && freeBytes > 0 && (freeBytes * 100) / totalBytes > FRAGMENTED_FREE_PCT;
}

/** A fragmented table and its sizes. */
export interface FragmentedTable {
  table: string;
  engine: string | null;
  freeBytes: number;
  totalBytes: number;
}

/** The fragmented tables of the snapshot (InnoDB ones only with a file per table: otherwise free space is the shared tablespace's). */
export function fragmentedTables(snap: ServerSnapshot, minTable = FRAGMENTED_TABLE_BYTES): FragmentedTable[] {
  const perTable = isOn(snap.variables['innodb_file_per_table'] ?? 'ON');
  return (snap.tables ?? [])
    .filter((t) => perTable || t.engine?.toLowerCase() !== 'innodb')
    .map((t) => ({ table: `${t.schema}.${t.name}`, engine: t.engine, freeBytes: t.freeBytes, totalBytes: t.dataBytes + t.indexBytes + t.freeBytes }))
    .filter((t) => isFragmented(t.totalBytes, t.freeBytes, minTable));
}

export const fragmentationCheck: SnapshotCheck = snapshotCheck({
  id: 'mysql/fragmentation',
  title: 'Fragmented tables',
  category: 'performance',
  severity: 'low',
  judge(snap, ctx) {
    if (snap.tables === null) return { status: 'skip', message: 'The table sizes could not be read.' };
    const frag = fragmentedTables(snap, ctx.config.fragmentationMinTableBytes);
    const details = { variable: 'DATA_FREE', threshold: `tables > ${formatBytes(ctx.config.fragmentationMinTableBytes)} with > ${FRAGMENTED_FREE_PCT}% free`, tables: frag };
    if (frag.length === 0) return { status: 'pass', message: 'No table has much free space inside it.', details };
    const large = frag.some((t) => t.totalBytes > ctx.config.optimizeMaxBytes);
    const small = frag.some((t) => t.totalBytes <= ctx.config.optimizeMaxBytes);
    return {
      status: 'warn',
      message: `${frag.length} fragmented table(s): ${frag.map((t) => `${t.table} (${formatBytes(t.freeBytes)} free of ${formatBytes(t.totalBytes)})`).join(', ')}. OPTIMIZE TABLE gives the space back.`,
      details,
      fixes: [...(small ? [ACTION.optimizeTable] : []), ...(large ? [ACTION.optimizeLargeTable] : [])],
    };
  },
});

export const tableChecks: MysqlCheck[] = [crashedTablesCheck, fragmentationCheck];
