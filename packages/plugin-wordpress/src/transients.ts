/**
 * Where WordPress keeps its transients, shared by the operation that deletes
 * them and the backup part that saves them: rows of the options table whose
 * name starts with `_transient_` or `_site_transient_` (timeouts included,
 * `_transient_timeout_...`), and on multisite the network's site transients
 * in `sitemeta`.
 * @internal
 */
import { checkPrefix } from './ops/shared.js';
import type { WpMetadata } from './types.js';

/** Option names of transients (and their timeouts), site-wide ones included. */
export function isTransient(name: string): boolean {
  return name.startsWith('_transient_') || name.startsWith('_site_transient_');
}

/** A table holding transients and the column that names them. */
export interface TransientTable {
  /** `wp_options` or `wp_sitemeta` (the site's prefix, checked). */
  table: string;
  column: 'option_name' | 'meta_key';
}

/** The options table, and `sitemeta` on multisite. */
export function transientTables(meta: Pick<WpMetadata, 'tablePrefix' | 'multisite'>): TransientTable[] {
  const prefix = checkPrefix(meta.tablePrefix);
  const tables: TransientTable[] = [{ table: `${prefix}options`, column: 'option_name' }];
  if (meta.multisite) tables.push({ table: `${prefix}sitemeta`, column: 'meta_key' });
  return tables;
}

/** The SQL condition that selects transient rows by `column` (`_` is a LIKE wildcard, hence escaped). */
export function transientWhere(column: TransientTable['column']): string {
  return `${column} LIKE '\\_transient\\_%' OR ${column} LIKE '\\_site\\_transient\\_%'`;
}
