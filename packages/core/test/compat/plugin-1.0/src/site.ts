// The examples/custom-plugin of @healer/core 1.0, kept unchanged as a compatibility fixture: compat-1.0.test.ts
// type-checks it against the current types, and its own tests run against the current engine. Do not edit.
/**
 * Reading a static site's layout: `site.json`, the `current` symlink and
 * the `releases/` folder. Only reads, always through `ctx.fs` and
 * `ctx.exec`, so the plugin works on this machine and over SSH alike.
 */
import { posix } from 'node:path';
import type { CheckContext, DetectContext } from '@healer/core';
import type { StaticSiteConfig } from './config.js';

/** What `site.json` holds. Unknown keys are kept but ignored. */
export interface SiteFile {
  name?: string;
  /** The page every release must serve; the plugin's `entry` setting otherwise. */
  entry?: string;
}

/** Where `current` leads, and whether the page behind it can be served. */
export interface CurrentRelease {
  /** `'missing'`: no `current` at all. */
  kind: 'symlink' | 'directory' | 'missing' | 'other';
  /** The symlink's text, e.g. `releases/2024-05-02`; null unless a symlink. */
  link: string | null;
  /** Size of `current/<entry>` in bytes, or null when it cannot be reached. */
  entrySize: number | null;
}

/** Parse `site.json` in `dir`; null when absent or not a JSON object. */
export async function readSiteFile(ctx: Pick<DetectContext, 'fs'>, dir: string): Promise<SiteFile | null> {
  const text = await ctx.fs.readText(posix.join(dir, 'site.json'), { maxBytes: 64 * 1024 });
  if (text === null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as SiteFile) : null;
  } catch {
    return null;
  }
}

/** The entry page for this app: from `site.json`, else the plugin setting. Never a path outside the release. */
export function entryOf(site: SiteFile | null, config: StaticSiteConfig): string {
  const entry = typeof site?.entry === 'string' ? site.entry : config.entry;
  const normal = posix.normalize(entry);
  return normal.startsWith('..') || posix.isAbsolute(normal) ? config.entry : normal;
}

/** Inspect `<root>/current`. A symlink's target is read with `readlink`, which HealerFs does not wrap. */
export async function inspectCurrent(ctx: CheckContext<StaticSiteConfig>, root: string, entry: string): Promise<CurrentRelease> {
  const current = posix.join(root, 'current');
  const st = await ctx.fs.stat(current);
  if (!st) return { kind: 'missing', link: null, entrySize: null };
  let link: string | null = null;
  if (st.type === 'symlink') {
    const r = await ctx.exec.run(['readlink', '--', current], { signal: ctx.signal, timeoutMs: 10_000 });
    link = r.exitCode === 0 ? r.stdout.replace(/\n$/, '') : null;
  } else if (st.type !== 'directory') {
    return { kind: 'other', link: null, entrySize: null };
  }
  // lstat of a path *through* the symlink follows it, so a dangling link gives null here.
  const page = await ctx.fs.stat(posix.join(current, entry));
  return { kind: st.type, link, entrySize: page?.type === 'file' ? page.size : null };
}

/**
 * Release folders newest first (release names sort by time: `2024-05-02T10-00`, `017`...),
 * each with whether it holds the entry page.
 */
export async function listReleases(
  ctx: CheckContext<StaticSiteConfig>,
  root: string,
  entry: string,
): Promise<Array<{ name: string; hasEntry: boolean }>> {
  const dir = posix.join(root, ctx.config.releasesDir);
  if ((await ctx.fs.stat(dir))?.type !== 'directory') return [];
  const names = (await ctx.fs.list(dir)).filter((e) => e.type === 'directory').map((e) => e.name);
  names.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  return Promise.all(names.map(async (name) => ({ name, hasEntry: (await ctx.fs.stat(posix.join(dir, name, entry)))?.type === 'file' })));
}
