/**
 * `nextjs/clear-cache` (low): move `.next/cache` aside. Next rebuilds it on
 * demand (image optimization, fetch and build caches); the running server
 * keeps serving. The old cache is kept aside under the change's nonce (a
 * rename: instant, no copy), so a rollback puts it back byte-identical; the
 * next clear drops what an earlier one kept aside.
 */
import { posix } from 'node:path';
import { HealerError, type Step } from '@healer/core';
import { safeName } from '@healer/plugin-nodejs';
import { CACHE_SIZE, CLEAR_CACHE } from '../checks/ids.js';
import type { NextAction, NextPlanContext } from './shared.js';

const PREFIX = 'cache.healer-cleared-';
const aside = (root: string, nonce: string): string => posix.join(root, '.next', `${PREFIX}${safeName(nonce)}`);

/** What earlier clears kept aside (sorted: the plan lists them the same way every time). */
async function keptAside(ctx: NextPlanContext): Promise<string[]> {
  const entries = await ctx.fs.list(posix.join(ctx.app.root, '.next'));
  return entries.map((e) => e.name).filter((n) => n.startsWith(PREFIX)).sort().map((n) => posix.join(ctx.app.root, '.next', n));
}

export const clearCacheAction: NextAction = {
  id: CLEAR_CACHE,
  title: 'Clear the Next.js build cache',
  risk: 'low',
  fixes: [CACHE_SIZE],
  async preconditions(ctx) {
    return (await ctx.fs.exists(posix.join(ctx.app.root, '.next/cache'))) ? true : 'there is no .next/cache';
  },
  async plan(ctx) {
    const stale: Step[] = (await keptAside(ctx)).map((path) => ({ kind: 'remove', path, description: 'drop the cache an earlier clear kept aside' }));
    return [...stale, { kind: 'rename', from: posix.join(ctx.app.root, '.next/cache'), to: aside(ctx.app.root, ctx.nonce), description: 'move .next/cache aside (instant; the server keeps serving)' }];
  },
  async rollback(ctx) {
    const kept = aside(ctx.app.root, ctx.nonce);
    const cache = posix.join(ctx.app.root, '.next/cache');
    if (!(await ctx.fs.exists(kept))) {
      // Not moved yet (nothing changed), or dropped by a later clear (nothing to put back).
      if (await ctx.fs.exists(cache)) return;
      throw new HealerError('RESTORE_FAILED', 'The cache this change kept aside is gone (a later clear dropped it): there is nothing to put back.');
    }
    // What Next wrote into a fresh cache since the clear gives way to the old one.
    await ctx.fs.remove(cache);
    await ctx.fs.rename(kept, cache);
  },
};
