/**
 * Clear caches (low): the contents of `wp-content/cache` (page caches write
 * there) and the transients in the options table, which WordPress and
 * plugins rebuild on demand. It answers `wordpress/autoload-size` when
 * transients are among the largest autoloaded options.
 *
 * Kept light: the cache folder is backed up only when it is small (at most
 * {@link CACHE_BACKUP_MAX_BYTES}), transients are not backed up at all
 * (a rollback leaves them to be rebuilt, as any cache is).
 */
import { posix } from 'node:path';
import { HealerError, type Step } from '@healer/core';
import { readDbPassword } from '../detect.js';
import { checkPrefix } from '../ops/shared.js';
import { clientError, runSql, sqlIdent } from '../ops/mysql-client.js';
import { databaseDown, metaOf, notApplicable, opsOf, type WpAction, type WpPlanContext } from './shared.js';
import { autoloadSizeCheck } from '../checks/options.js';
import { ACTION } from '../checks/shared.js';

const ID = ACTION.clearCaches;

/** The cache folder is saved before clearing only up to this size: 20 MiB. */
export const CACHE_BACKUP_MAX_BYTES = 20 * 1024 * 1024;

/** Option names of transients (and their timeouts), site-wide ones included. */
export function isTransient(name: string): boolean {
  return name.startsWith('_transient_') || name.startsWith('_site_transient_');
}

function cacheDir(ctx: WpPlanContext): string {
  return posix.join(metaOf(ctx).contentDir, 'cache');
}

interface CachePlan {
  entries: string[];
  transients: number;
}

async function cachePlan(ctx: WpPlanContext): Promise<CachePlan | string> {
  const ops = await opsOf(ctx);
  const down = await databaseDown(ctx, ops);
  if (down) return down;
  const { largest } = await ops.autoloadSize();
  const transients = largest.filter((o) => isTransient(o.name));
  if (transients.length === 0) return 'no transient is among the largest autoloaded options: clearing caches would not shrink them';
  const dir = cacheDir(ctx);
  const entries = (await ctx.fs.exists(dir)) ? (await ctx.fs.list(dir)).map((e) => posix.join(dir, e.name)).sort() : [];
  return { entries, transients: transients.length };
}

/**
 * The statement that deletes every transient. It goes straight to the
 * database whatever the operations layer: transients live in the options
 * table (a persistent object cache keeps its own, and clears them itself).
 */
export function deleteTransientsSql(tablePrefix: string): string {
  const table = sqlIdent(`${checkPrefix(tablePrefix)}options`);
  return `DELETE FROM ${table} WHERE option_name LIKE '\\_transient\\_%' OR option_name LIKE '\\_site\\_transient\\_%'`;
}

function describeCaches(ctx: WpPlanContext, p: CachePlan): Step[] {
  return [
    ...p.entries.map((path): Step => ({ kind: 'remove', path, description: 'cached file or folder' })),
    { kind: 'note', write: true, description: `${deleteTransientsSql(metaOf(ctx).tablePrefix)} (${p.transients} among the largest autoloaded options)` },
  ];
}

/** The cache folder's size in bytes (`du -sb`), or null when unknown. */
async function folderBytes(ctx: WpPlanContext, dir: string): Promise<number | null> {
  const r = await ctx.exec.run(['du', '-sb', '--', dir], { signal: ctx.signal });
  const n = Number.parseInt(r.stdout, 10);
  return r.exitCode === 0 && Number.isFinite(n) ? n : null;
}

export const clearCaches: WpAction = {
  id: ID,
  title: 'Clear caches and transients',
  description: 'Empty wp-content/cache and delete the transients from the options table; WordPress and plugins rebuild both on demand.',
  risk: 'low',
  fixes: [autoloadSizeCheck.id],
  requiresBackup: true,
  async backup(ctx) {
    const dir = cacheDir(ctx);
    if (!(await ctx.fs.exists(dir))) return { paths: [] };
    const bytes = await folderBytes(ctx, dir);
    return { paths: bytes !== null && bytes <= CACHE_BACKUP_MAX_BYTES ? [dir] : [] };
  },
  async preconditions(ctx) {
    const p = await cachePlan(ctx);
    return typeof p === 'string' ? p : true;
  },
  async plan(ctx) {
    const p = await cachePlan(ctx);
    if (typeof p === 'string') throw notApplicable(ID, p);
    return describeCaches(ctx, p);
  },
  async apply(ctx, steps) {
    for (const step of steps) if (step.kind === 'remove') await ctx.fs.remove(step.path);
    const meta = metaOf(ctx);
    const r = await runSql(ctx, meta.db, await readDbPassword(ctx), deleteTransientsSql(meta.tablePrefix));
    if (r.exitCode !== 0) {
      const e = clientError(r.stderr);
      throw new HealerError('COMMAND_FAILED', `Deleting transients failed${e ? ` (error ${e.errno}: ${e.message})` : `: ${r.stderr.trim().slice(0, 300)}`}.`);
    }
  },
  async rollback(ctx) {
    // The cache folder comes back when it was small enough to save; transients are rebuilt on demand.
    if (ctx.backup) await ctx.backup.restore();
  },
};
