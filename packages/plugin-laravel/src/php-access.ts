/**
 * Whether the user PHP runs as may write the folders Laravel writes to
 * (`storage/`, `bootstrap/cache`), judged from modes, owners and that
 * user's groups read on the target (so it works over SSH, as any user).
 */
import { posix } from 'node:path';
import { HealerError, type CheckContext, type PhpUser } from '@healer/core';
import { healerIsRoot, phpGroupOf, userIds } from '@healer/plugin-php';
import type { LaravelConfig } from './config.js';
import type { LaravelMeta } from './types.js';
import { phpUserOf } from './web.js';

type Ctx = CheckContext<LaravelConfig, LaravelMeta>;

/** The folders Laravel writes to, relative to the app root. */
export const WRITABLE_DIRS: readonly string[] = ['storage', 'bootstrap/cache'];

/** One entry under the writable folders. */
export interface Entry {
  path: string;
  type: 'd' | 'f';
  mode: number;
  uid: number;
  gid: number;
}

/** A user's uid, groups and primary group on the target. */
export interface UserIds {
  uid: number;
  gids: number[];
  /** The group PHP writes through when it is not the owner: the configured group, else the user's primary group. */
  group: { name: string; gid: number } | null;
}

/** The PHP user's ids and group on the target (the PHP plugin's readings); null when the user is unknown there. */
export async function idsOf(ctx: Pick<Ctx, 'exec' | 'facts' | 'logger'>, php: PhpUser): Promise<UserIds | null> {
  const ids = await userIds(ctx, php.user);
  if (!ids) return null;
  const group = await phpGroupOf(ctx, php);
  return { ...ids, group: group ? { name: group.group, gid: group.gid } : null };
}

/** Whether a user may write (and, for a folder, enter) an entry. */
export function canWrite(entry: Pick<Entry, 'type' | 'mode' | 'uid' | 'gid'>, ids: Pick<UserIds, 'uid' | 'gids'>): boolean {
  if (ids.uid === 0) return true;
  const need = entry.type === 'd' ? 0o3 : 0o2;
  const shift = entry.uid === ids.uid ? 6 : ids.gids.includes(entry.gid) ? 3 : 0;
  return ((entry.mode >> shift) & need) === need;
}

/**
 * Every folder under the writable folders, and the files in `storage/logs`
 * (appended in place), with their modes. Files in `bootstrap/cache` are
 * replaced through a rename (only their folder must be writable); compiled
 * views and cache files are rewritten by the app when their folder lets it.
 */
export async function writableEntries(ctx: Pick<Ctx, 'exec' | 'app' | 'signal' | 'fs'>): Promise<{ entries: Entry[]; missing: string[]; truncated: boolean }> {
  const roots: string[] = [];
  const missing: string[] = [];
  for (const d of WRITABLE_DIRS) {
    const path = posix.join(ctx.app.root, d);
    if (await ctx.fs.exists(path)) roots.push(path);
    else missing.push(d);
  }
  if (roots.length === 0) return { entries: [], missing, truncated: false };
  const logs = posix.join(ctx.app.root, 'storage/logs');
  const r = await ctx.exec.run(
    ['find', ...roots, '-xdev', '(', '-type', 'd', '-o', '-type', 'f', '-path', `${logs}/*`, ')', '-printf', '%m %U %G %y %p\\0'],
    { signal: ctx.signal, timeoutMs: 55_000, maxOutputBytes: 4 * 1024 * 1024 },
  );
  if (r.exitCode === 127) throw new HealerError('COMMAND_FAILED', `find is not installed on ${ctx.exec.host}.`);
  const entries: Entry[] = [];
  for (const rec of r.stdout.split('\0')) {
    const m = /^([0-7]+) (\d+) (\d+) ([df]) (\/.*)$/s.exec(rec);
    if (m) entries.push({ mode: parseInt(m[1]!, 8), uid: Number(m[2]), gid: Number(m[3]), type: m[4] as 'd' | 'f', path: m[5]! });
  }
  return { entries: entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), missing, truncated: r.truncated };
}

/** The PHP user and its ids, or why they are unknown. */
export async function phpIdentity(ctx: Ctx): Promise<{ php: PhpUser; ids: UserIds } | string> {
  const php = await phpUserOf(ctx);
  if (!php) return 'the user PHP runs as could not be found (set the app setting phpUser)';
  const ids = await idsOf(ctx, php);
  if (!ids) return `the user "${php.user}" PHP runs as (${php.source}) is unknown on ${ctx.exec.host}`;
  return { php, ids };
}

/**
 * The argv prefix that runs a command as the user PHP runs as
 * (`runuser -u www-data --`), when Healer runs as root and that user is
 * known and not root: what the command writes (cache files and their
 * folders) then belongs to PHP, as when the app writes it. Empty otherwise.
 */
export async function asPhpUser(ctx: Ctx): Promise<string[]> {
  if (!(await healerIsRoot(ctx))) return [];
  const php = await phpUserOf(ctx).catch(() => null);
  if (!php || php.user === 'root') return [];
  return ['runuser', '-u', php.user, '--'];
}

export { healerIsRoot };
