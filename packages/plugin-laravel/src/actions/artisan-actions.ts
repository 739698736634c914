/**
 * The low-risk artisan actions, each saving what it rewrites first so that
 * a rollback puts it back byte for byte:
 * - `laravel/up`: `php artisan up` (saves `storage/framework/down` and `maintenance.php`);
 * - `laravel/rebuild-caches`: `config:cache` / `route:cache` for each stale cache (saves `bootstrap/cache`);
 * - `laravel/optimize-clear`: `optimize:clear` (saves `bootstrap/cache`; compiled views and the
 *   application cache it also clears are rebuilt by the app and are not put back);
 * - `laravel/queue-restart`: `php artisan queue:restart`, then wait for the old workers to exit.
 */
import { posix } from 'node:path';
import { HealerError, restoreBackup, type Step } from '@healer/core';
import { artisanStep } from '../artisan.js';
import { asPhpUser } from '../php-access.js';
import { staleCaches } from '../checks/cache-stale.js';
import { ACTION, CHECK } from '../checks/ids.js';
import { queueWorkers } from '../checks/queue.js';
import { notApplicable, type LaravelAction, type LaravelPlanContext } from './shared.js';

export const upAction: LaravelAction = {
  id: ACTION.up,
  title: 'Bring the app out of maintenance mode',
  description: 'php artisan up: removes storage/framework/down and maintenance.php.',
  risk: 'low',
  fixes: [CHECK.maintenance, CHECK.availability],
  requiresBackup: true,
  backup: { paths: ['storage/framework/down', 'storage/framework/maintenance.php'] },
  async preconditions(ctx) {
    return (await ctx.fs.exists(posix.join(ctx.app.root, 'storage/framework/down'))) ? true : 'the app is not in maintenance mode';
  },
  plan: (ctx) => [artisanStep(ctx, ['up'], 'php artisan up: leave maintenance mode')],
  rollback: restoreBackup,
};

async function rebuildSteps(ctx: LaravelPlanContext): Promise<Step[] | string> {
  const stale = await staleCaches(ctx.fs, ctx.app.root);
  if (stale.length === 0) return 'no cache is older than what it is built from';
  return stale.map((s) =>
    s.name === 'config'
      ? artisanStep(ctx, ['config:cache'], `php artisan config:cache: rebuild the configuration cache (older than ${s.newer.slice(0, 3).join(', ')})`)
      : artisanStep(ctx, ['route:cache'], `php artisan route:cache: rebuild the route cache (older than ${s.newer.slice(0, 3).join(', ')})`),
  );
}

export const rebuildCachesAction: LaravelAction = {
  id: ACTION.rebuildCaches,
  title: 'Rebuild the stale config and route caches',
  risk: 'low',
  fixes: [CHECK.cacheStale],
  requiresBackup: true,
  backup: { paths: ['bootstrap/cache'] },
  async preconditions(ctx) {
    const steps = await rebuildSteps(ctx);
    return typeof steps === 'string' ? steps : true;
  },
  async plan(ctx) {
    const steps = await rebuildSteps(ctx);
    if (typeof steps === 'string') throw notApplicable(ACTION.rebuildCaches, steps);
    return steps;
  },
  rollback: restoreBackup,
};

export const optimizeClearAction: LaravelAction = {
  id: ACTION.optimizeClear,
  title: 'Clear every cached file (optimize:clear)',
  description: 'Removes the cached config, routes, events and compiled views, and flushes the application cache: the app then reads .env and config/ directly.',
  risk: 'low',
  fixes: [CHECK.cacheStale],
  requiresBackup: true,
  backup: { paths: ['bootstrap/cache'] },
  async preconditions(ctx) {
    return (await staleCaches(ctx.fs, ctx.app.root)).length > 0 ? true : 'no cache is older than what it is built from';
  },
  plan: (ctx) => [artisanStep(ctx, ['optimize:clear'], 'php artisan optimize:clear: remove the cached config, routes and views, flush the application cache')],
  rollback: restoreBackup,
};

export const queueRestartAction: LaravelAction = {
  id: ACTION.queueRestart,
  title: 'Restart the queue workers',
  description: 'php artisan queue:restart: each worker exits after its current job; the supervisor starts it again on the current code and configuration.',
  risk: 'low',
  fixes: [CHECK.queueWorkers],
  async preconditions(ctx) {
    return (await queueWorkers(ctx)).length > 0 ? true : 'no queue worker runs for the app';
  },
  // As PHP's user: the signal is a key in the cache store, whose files (and new folders) must stay the app's.
  plan: async (ctx) => [artisanStep(ctx, ['queue:restart'], 'php artisan queue:restart: ask every worker to exit after its current job', undefined, await asPhpUser(ctx))],
  async settle(ctx) {
    // Workers look at the restart signal between jobs (every few seconds when idle): wait for those running now to exit.
    const before = (await queueWorkers(ctx)).map((w) => w.pid);
    const deadline = Date.now() + 90_000;
    for (;;) {
      const r = await ctx.exec.run({ script: 'for p in "$@"; do kill -0 "$p" 2>/dev/null && echo "$p"; done; true', args: before.map(String) }, { signal: ctx.signal });
      if (r.stdout.trim() === '') return;
      if (Date.now() > deadline) throw new HealerError('COMMAND_FAILED', `Queue workers ${r.stdout.trim().split('\n').join(', ')} did not exit within 90 s of queue:restart (a long job may be running).`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  },
};
