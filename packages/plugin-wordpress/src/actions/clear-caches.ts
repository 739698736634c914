/**
 * Clear caches (low): the contents of `wp-content/cache` (page caches write
 * there) and the transients, which WordPress and plugins rebuild on demand.
 * It answers `wordpress/autoload-size` when transients are among the largest
 * autoloaded options.
 *
 * The cache entries are `remove` steps; the transients one
 * `wordpress/delete-transients` operation. The backup saves every transient
 * row (the `transients` part), which the rollback puts back exactly, and the
 * cache folder when it is small (at most {@link CACHE_BACKUP_MAX_BYTES}): a
 * larger one is left to be rebuilt, as any cache is.
 */
import { posix } from 'node:path';
import { opStep, restoreBackup, type Step } from '@healer/core';
import { deleteTransientsOp, transientArgs } from './ops-db.js';
import { databaseDown, metaOf, notApplicable, opsOf, type WpAction, type WpPlanContext } from './shared.js';
import { isTransient } from '../transients.js';
import { autoloadSizeCheck } from '../checks/options.js';
import { ACTION } from '../checks/shared.js';

const ID = ACTION.clearCaches;

/** The cache folder is saved before clearing only up to this size: 20 MiB. */
export const CACHE_BACKUP_MAX_BYTES = 20 * 1024 * 1024;

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

function describeCaches(ctx: WpPlanContext, p: CachePlan): Step[] {
  return [
    ...p.entries.map((path): Step => ({ kind: 'remove', path, description: 'cached file or folder' })),
    opStep(deleteTransientsOp, transientArgs(metaOf(ctx)), `every transient (${p.transients} among the largest autoloaded options)`),
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
  description: 'Empty wp-content/cache and delete the transients; WordPress and plugins rebuild both on demand.',
  risk: 'low',
  fixes: [autoloadSizeCheck.id],
  requiresBackup: true,
  async backup(ctx) {
    const dir = cacheDir(ctx);
    const small = (await ctx.fs.exists(dir)) && ((await folderBytes(ctx, dir)) ?? Infinity) <= CACHE_BACKUP_MAX_BYTES;
    return { paths: small ? [dir] : [], parts: ['transients'] };
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
  rollback: restoreBackup,
};
