/**
 * Server variables the checks suggest and `mysql/set-global` may change at
 * runtime: which ones (a fixed list), their values read in one query, and
 * the `SET GLOBAL` statement, with both name and value checked. Nothing
 * here writes an option file: a change made with SET GLOBAL lasts until
 * the server restarts.
 */
import { HealerError } from '@healer/core';
import { queryRows, type MysqlContext } from './connection.js';

/** The variables `mysql/set-global` may set: those the checks suggest. */
export const SETTABLE: readonly string[] = [
  'max_connections',
  'tmp_table_size',
  'max_heap_table_size',
  'thread_cache_size',
  'table_open_cache',
  'slow_query_log',
  'innodb_buffer_pool_size',
  'innodb_log_file_size',
  'innodb_redo_log_capacity',
];

/** A value SET GLOBAL takes as a literal: a whole number, or a keyword (`ON`, `OFF`). */
const VALUE = /^(?:\d{1,20}|ON|OFF)$/;

/** Refuse a variable outside {@link SETTABLE} or a value that is no plain number or ON/OFF. */
export function checkSetting(variable: string, value: string): void {
  if (!SETTABLE.includes(variable)) throw new HealerError('ACTION_UNSAFE', `${JSON.stringify(variable)} is not a variable mysql/set-global may change (${SETTABLE.join(', ')}).`);
  if (!VALUE.test(value)) throw new HealerError('ACTION_UNSAFE', `${JSON.stringify(value)} is not a value mysql/set-global may set (a whole number, ON or OFF).`);
}

/** `SET GLOBAL name = value`, both checked. */
export function setGlobalSql(variable: string, value: string): string {
  checkSetting(variable, value);
  return `SET GLOBAL ${variable} = ${value}`;
}

/** The variables' global values now, by name (one query). */
export async function readGlobals(ctx: MysqlContext, names: readonly string[]): Promise<Record<string, string>> {
  for (const n of names) if (!SETTABLE.includes(n)) throw new HealerError('ACTION_UNSAFE', `${JSON.stringify(n)} is not a variable mysql/set-global reads.`);
  if (names.length === 0) return {};
  const [row = []] = await queryRows(ctx, `SELECT ${names.map((n) => `@@GLOBAL.${n}`).join(', ')}`);
  return Object.fromEntries(names.map((n, i) => [n, row[i] ?? '']));
}

/** One suggested setting a failing result carries. */
export interface SuggestedSetting {
  variable: string;
  value: string;
  /** The check that suggested it. */
  check: string;
}

/**
 * The runtime settings the results suggest (their `details.suggested`
 * entries marked dynamic, in verifiable findings), first suggestion per
 * variable, by variable name.
 */
export function suggestedSettings(results: ReadonlyArray<{ id: string; details?: Record<string, unknown> }>): SuggestedSetting[] {
  const out = new Map<string, SuggestedSetting>();
  for (const r of results) {
    // Only findings a runtime change settles (see `Finding.verifiable`).
    if (r.details?.['verifiable'] !== true) continue;
    const list = r.details?.['suggested'];
    if (!Array.isArray(list)) continue;
    for (const s of list as unknown[]) {
      if (typeof s !== 'object' || s === null) continue;
      const { variable, value, dynamic } = s as Record<string, unknown>;
      if (dynamic !== true || typeof variable !== 'string' || typeof value !== 'string') continue;
      if (!SETTABLE.includes(variable) || !VALUE.test(value) || out.has(variable)) continue;
      out.set(variable, { variable, value, check: r.id });
    }
  }
  return [...out.values()].sort((a, b) => (a.variable < b.variable ? -1 : a.variable > b.variable ? 1 : 0));
}
