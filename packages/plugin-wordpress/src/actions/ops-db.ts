/**
 * The WordPress plugin's database operations, planned as `op` steps and
 * carried out by the engine: `wordpress/repair-table` (one `REPAIR TABLE`
 * through the site's operations layer) and `wordpress/delete-transients`
 * (the transient rows, straight in the database).
 */
import { z } from 'zod';
import { HealerError, type Operation } from '@healer/core';
import type { WordpressConfig } from '../config.js';
import { readDbPassword, wpMeta } from '../detect.js';
import { wpOps } from '../ops/index.js';
import { clientError, runSql, sqlIdent } from '../ops/mysql-client.js';
import { checkPrefix } from '../ops/shared.js';
import { transientTables, transientWhere, type TransientTable } from '../transients.js';
import type { WpMetadata } from '../types.js';

type WpOperation<A> = Operation<A, WordpressConfig, WpMetadata>;

/** A table name as the site's tables are named: letters, digits, `_`, `$` and `-`, at most 64 (MySQL's limit). */
const TABLE_NAME = z
  .string()
  .regex(/^[A-Za-z0-9_$-]{1,64}$/, 'not a site table name (letters, digits, "_", "$" and "-", at most 64 characters)');

/**
 * Refuse a table outside the site (its name lacks the site's prefix): the
 * arguments' schema cannot know the prefix, the site can.
 */
export function assertSiteTable(meta: Pick<WpMetadata, 'tablePrefix'>, table: string): void {
  const prefix = checkPrefix(meta.tablePrefix);
  if (!table.startsWith(prefix)) {
    throw new HealerError('ACTION_UNSAFE', `${JSON.stringify(table)} is not a table of this site (its tables start with ${JSON.stringify(prefix)}).`);
  }
}

/**
 * `REPAIR TABLE` of one table of the site, through its operations layer
 * (WP-CLI, the PHP helper or the database client), which also refuses a
 * table the database does not list for the site. No `read()`: what a repair
 * leaves is the table's data, which the `database` backup part fingerprints.
 */
export const repairTableOp: WpOperation<{ table: string }> = {
  id: 'wordpress/repair-table',
  args: z.strictObject({ table: TABLE_NAME }),
  describe: ({ table }) => `REPAIR TABLE ${sqlIdent(table)}`,
  async apply(ctx, { table }) {
    assertSiteTable(wpMeta(ctx.app), table);
    const ops = await wpOps(ctx);
    const [result] = await ops.repairTables([table]);
    if (!result?.ok) {
      throw new HealerError('COMMAND_FAILED', `REPAIR TABLE ${sqlIdent(table)} failed through the ${ops.kind} operations: ${result?.message || 'the server gave no result'}.`);
    }
  },
};

/** The statements that delete every transient row of `tables`. */
export function deleteTransientsSql(tables: readonly TransientTable[]): string {
  return tables.map((t) => `DELETE FROM ${sqlIdent(t.table)} WHERE ${transientWhere(t.column)}`).join('; ');
}

/** The tables the operation names, each with the column that names a transient. */
function namedTables(args: { options: string; sitemeta: string | null }): TransientTable[] {
  const tables: TransientTable[] = [{ table: args.options, column: 'option_name' }];
  if (args.sitemeta !== null) tables.push({ table: args.sitemeta, column: 'meta_key' });
  return tables;
}

/** The arguments of {@link deleteTransientsOp} for a site: its options table, and `sitemeta` on multisite. */
export function transientArgs(meta: Pick<WpMetadata, 'tablePrefix' | 'multisite'>): { options: string; sitemeta: string | null } {
  const [options, sitemeta] = transientTables(meta);
  return { options: options!.table, sitemeta: sitemeta?.table ?? null };
}

/**
 * Delete every transient (and its timeout): the options table's
 * `_transient_*` and `_site_transient_*` rows, and on multisite the network's
 * in `sitemeta`. Straight in the database whatever the operations layer:
 * that is where transients live (a persistent object cache keeps its own,
 * and clears them itself). No `read()`: WordPress sets transients again on
 * almost every request, so a value read after the heal would call any
 * later rollback drift; the `transients` backup part fingerprints them.
 */
export const deleteTransientsOp: WpOperation<{ options: string; sitemeta: string | null }> = {
  id: 'wordpress/delete-transients',
  args: z.strictObject({ options: TABLE_NAME, sitemeta: TABLE_NAME.nullable() }),
  describe: (args) => deleteTransientsSql(namedTables(args)),
  async apply(ctx, args) {
    const meta = wpMeta(ctx.app);
    const expected = transientArgs(meta);
    if (args.options !== expected.options || args.sitemeta !== expected.sitemeta) {
      throw new HealerError(
        'ACTION_UNSAFE',
        `The transients of this site are in ${[expected.options, expected.sitemeta].filter(Boolean).join(' and ')}, not ${[args.options, args.sitemeta].filter(Boolean).join(' and ')}.`,
      );
    }
    const r = await runSql(ctx, meta.db, await readDbPassword(ctx), deleteTransientsSql(namedTables(args)));
    if (r.exitCode !== 0) {
      const e = clientError(r.stderr);
      throw new HealerError('COMMAND_FAILED', `Deleting transients failed${e ? ` (error ${e.errno}: ${e.message})` : `: ${r.stderr.trim().slice(0, 300)}`}.`);
    }
  },
};

/** The operations the WordPress actions plan on the database. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each operation has its own argument type
export const dbOperations: Operation<any, WordpressConfig, WpMetadata>[] = [repairTableOp, deleteTransientsOp];
