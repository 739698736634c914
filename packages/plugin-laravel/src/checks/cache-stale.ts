/**
 * `laravel/cache-stale`: a cached configuration (`bootstrap/cache/config.php`)
 * older than `.env` or a file under `config/`, or cached routes older than a
 * file under `routes/`: the app runs on the old values until the cache is
 * rebuilt.
 */
import { posix } from 'node:path';
import type { HealerFs } from '@healer/core';
import { ACTION, CHECK } from './ids.js';
import { type LaravelCheck } from './shared.js';

/** The cache files and what each one is built from. */
export const CACHES: ReadonlyArray<{ name: 'config' | 'routes'; file: string; sources: string[] }> = [
  { name: 'config', file: 'bootstrap/cache/config.php', sources: ['.env', 'config'] },
  { name: 'routes', file: 'bootstrap/cache/routes-v7.php', sources: ['routes'] },
];

/** Files (one level of folders deep enough for config/ and routes/) newer than `mtimeMs`. */
async function newerThan(fs: HealerFs, root: string, sources: readonly string[], mtimeMs: number): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string, depth: number): Promise<void> => {
    const st = await fs.stat(posix.join(root, rel), { followSymlinks: true });
    if (st === null) return;
    if (st.type === 'directory') {
      if (depth > 3) return;
      for (const e of await fs.list(posix.join(root, rel))) await visit(posix.join(rel, e.name), depth + 1);
    } else if (st.type === 'file' && st.mtimeMs > mtimeMs) out.push(rel);
  };
  for (const s of sources) await visit(s, 0);
  return out.sort();
}

/** Each cache that exists and is older than one of its sources, with the newer files. */
export async function staleCaches(fs: HealerFs, root: string): Promise<Array<{ name: 'config' | 'routes'; file: string; newer: string[] }>> {
  const out: Array<{ name: 'config' | 'routes'; file: string; newer: string[] }> = [];
  for (const c of CACHES) {
    const st = await fs.stat(posix.join(root, c.file));
    if (st === null) continue;
    const newer = await newerThan(fs, root, c.sources, st.mtimeMs);
    if (newer.length > 0) out.push({ name: c.name, file: c.file, newer });
  }
  return out;
}

export const cacheStaleCheck: LaravelCheck = {
  id: CHECK.cacheStale,
  title: 'The config and route caches are fresh',
  category: 'configuration',
  severity: 'high',
  description: 'A cached configuration ignores .env: an edit to .env or config/ after config:cache is not seen until the cache is rebuilt.',
  timeoutMs: 30_000,
  async run(ctx) {
    const root = ctx.app.root;
    const present = [];
    for (const c of CACHES) if (await ctx.fs.exists(posix.join(root, c.file))) present.push(c.name);
    if (present.length === 0) return { status: 'pass', message: 'Neither the configuration nor the routes are cached.', details: { cached: [] } };
    const stale = await staleCaches(ctx.fs, root);
    if (stale.length === 0) return { status: 'pass', message: `The cached ${present.join(' and ')} ${present.length === 1 ? 'is' : 'are'} newer than ${present.map((n) => (n === 'config' ? '.env and config/' : 'routes/')).join(' and ')}.`, details: { cached: present } };
    return {
      status: 'fail',
      message: stale.map((s) => `${s.file} is older than ${s.newer.slice(0, 3).join(', ')}${s.newer.length > 3 ? ` and ${s.newer.length - 3} more` : ''}: the app runs on the old ${s.name === 'config' ? 'configuration' : 'routes'}`).join('; ') + '.',
      details: { cached: present, stale },
      evidence: stale.flatMap((s) => s.newer.slice(0, 5).map((n) => `${n} is newer than ${s.file}`)),
      fixes: [ACTION.rebuildCaches, ACTION.optimizeClear],
    };
  },
};
