/** `nextjs/cache-size`: `.next/cache` stays under `cacheMaxBytes` (default 1 GiB). */
import { posix } from 'node:path';
import { CACHE_SIZE, CLEAR_CACHE } from './ids.js';
import type { NextCheck } from './shared.js';

export const cacheSizeCheck: NextCheck = {
  id: CACHE_SIZE,
  title: 'The build cache is not too large',
  category: 'performance',
  severity: 'low',
  timeoutMs: 60_000,
  async run(ctx) {
    const cache = posix.join(ctx.app.root, '.next/cache');
    if (!(await ctx.fs.exists(cache))) return { status: 'pass', message: 'There is no .next/cache.', details: { bytes: 0 } };
    const r = await ctx.exec.run(['du', '-sk', '--', cache], { signal: ctx.signal });
    const kib = Number.parseInt(r.stdout.trim().split(/\s/)[0] ?? '', 10);
    if (r.exitCode !== 0 || !Number.isFinite(kib)) throw new Error(`du failed: ${r.stderr.trim().slice(0, 300)}`);
    const bytes = kib * 1024;
    const max = ctx.config.cacheMaxBytes;
    const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    return bytes > max
      ? { status: 'warn', message: `.next/cache holds ${mib(bytes)}, above ${mib(max)}: it can be cleared safely.`, details: { bytes, max }, fixes: [CLEAR_CACHE] }
      : { status: 'pass', message: `.next/cache holds ${mib(bytes)} (limit ${mib(max)}).`, details: { bytes, max } };
  },
};
