/**
 * The tables the failing checks name (`details.tables` of
 * `mysql/crashed-tables`: `db.table` strings; of `mysql/fragmentation`:
 * objects with a `table`), checked for shape.
 */

/** A `db.table` name: no backtick, slash, backslash or NUL, one dot at least. */
export const TABLE_NAME = /^[^.`/\\\0]{1,64}\.[^`/\\\0]{1,64}$/;

/** Every well-formed `db.table` the results name, sorted, once each. */
export function tablesFromResults(results: ReadonlyArray<{ id: string; details?: Record<string, unknown> }>, only?: string): string[] {
  const out = new Set<string>();
  for (const r of results) {
    if (only && r.id !== only) continue;
    const list = r.details?.['tables'];
    if (!Array.isArray(list)) continue;
    for (const t of list as unknown[]) {
      const name = typeof t === 'string' ? t : typeof t === 'object' && t !== null && typeof (t as { table?: unknown }).table === 'string' ? (t as { table: string }).table : null;
      if (name !== null && TABLE_NAME.test(name)) out.add(name);
    }
  }
  return [...out].sort();
}
