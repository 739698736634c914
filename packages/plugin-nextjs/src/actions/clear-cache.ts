/**
 * `nextjs/clear-cache` (low): remove `.next/cache`. Next rebuilds it on
 * demand (image optimization, fetch and build caches); the running server
 * keeps serving. Kept aside by a rename first, so a rollback can put it back
 * until the execution ends.
 */
import { posix } from 'node:path';
import { CACHE_SIZE, CLEAR_CACHE } from '../checks/ids.js';
import type { NextAction } from './shared.js';

const aside = (root: string, nonce: string): string => posix.join(root, `.next/cache.healer-cleared-${nonce.replace(/[^A-Za-z0-9_-]/g, '_')}`);

export const clearCacheAction: NextAction = {
  id: CLEAR_CACHE,
  title: 'Clear the Next.js build cache',
  risk: 'low',
  fixes: [CACHE_SIZE],
  async preconditions(ctx) {
    return (await ctx.fs.exists(posix.join(ctx.app.root, '.next/cache'))) ? true : 'there is no .next/cache';
  },
  plan(ctx) {
    const cache = posix.join(ctx.app.root, '.next/cache');
    const kept = aside(ctx.app.root, ctx.nonce);
    return [
      { kind: 'rename', from: cache, to: kept, description: 'move .next/cache aside (instant; the server keeps serving)' },
      { kind: 'remove', path: kept, description: 'remove the old cache' },
    ];
  },
  async rollback(ctx) {
    // A cleared cache is rebuilt on demand; only a cache still aside (remove not reached) is put back.
    const kept = aside(ctx.app.root, ctx.nonce);
    const cache = posix.join(ctx.app.root, '.next/cache');
    if ((await ctx.fs.exists(kept)) && !(await ctx.fs.exists(cache))) await ctx.fs.rename(kept, cache);
  },
};
