/**
 * Whether the user PHP runs as can still read a file after a mode change:
 * the rule that keeps `wordpress/fix-permissions` from taking a site down.
 * A symlinked `wp-config.php` is judged by its target.
 * @internal
 */
import { errorMessage, type CheckContext, type FileStat, type PhpUser } from '@healer/core';
import type { WordpressConfig } from './config.js';
import { phpUserOf } from './web-server.js';
import type { WpMetadata } from './types.js';

type Ctx = CheckContext<WordpressConfig, WpMetadata>;

/** The file a path names: itself, or a symlink's target (resolved on the target host). */
export async function resolvedFile(ctx: Ctx, path: string): Promise<{ path: string; stat: FileStat; linkedFrom: string | null } | null> {
  const st = await ctx.fs.stat(path);
  if (st === null) return null;
  if (st.type !== 'symlink') return { path, stat: st, linkedFrom: null };
  const r = await ctx.exec.run(['realpath', '-e', '--', path], { signal: ctx.signal, timeoutMs: 5_000 });
  const target = r.stdout.trim();
  if (r.exitCode !== 0 || !target.startsWith('/')) return null;
  const tst = await ctx.fs.stat(target);
  return tst ? { path: target, stat: tst, linkedFrom: path } : null;
}

/** A user's uid and group ids on the target (`id`), or null when unknown there. */
async function idsOf(ctx: Ctx, user: string): Promise<{ uid: number; gids: number[] } | null> {
  return ctx.facts.get(`wordpress:ids:${user}`, async () => {
    try {
      const [u, g] = await Promise.all([
        ctx.exec.run(['id', '-u', '--', user], { timeoutMs: 5_000 }),
        ctx.exec.run(['id', '-G', '--', user], { timeoutMs: 5_000 }),
      ]);
      if (u.exitCode !== 0 || g.exitCode !== 0) return null;
      return { uid: Number(u.stdout.trim()), gids: g.stdout.trim().split(/\s+/).map(Number) };
    } catch (e) {
      ctx.logger.debug('wordpress: cannot read the ids of the PHP user', { user, error: errorMessage(e) });
      return null;
    }
  });
}

/** Whether Healer runs as root on the target: only then may it give a file to another group (and the backup restore it). */
async function healerIsRoot(ctx: Ctx): Promise<boolean> {
  return ctx.facts.get('wordpress:healer-is-root', async () => {
    const r = await ctx.exec.run(['id', '-u'], { timeoutMs: 5_000 }).catch(() => null);
    return r?.exitCode === 0 && r.stdout.trim() === '0';
  });
}

/** The group PHP runs with (the pool's or Apache's `Group`, else the user's primary group) and its id, or null. */
async function phpGroupOf(ctx: Ctx, phpUser: PhpUser): Promise<{ group: string; gid: number } | null> {
  const run = (command: string[]) => ctx.exec.run(command, { timeoutMs: 5_000 }).catch(() => null);
  if (phpUser.group) {
    const r = await run(['getent', 'group', '--', phpUser.group]);
    const gid = Number(r?.exitCode === 0 ? r.stdout.split(':')[2] : NaN);
    return Number.isInteger(gid) && gid >= 0 ? { group: phpUser.group, gid } : null;
  }
  const [id, name] = await Promise.all([run(['id', '-g', '--', phpUser.user]), run(['id', '-gn', '--', phpUser.user])]);
  const gid = Number(id?.exitCode === 0 ? id.stdout.trim() : NaN);
  if (!Number.isInteger(gid) || gid < 0) return null;
  return { group: name?.exitCode === 0 && name.stdout.trim() ? name.stdout.trim() : String(gid), gid };
}

export type ReadVerdict =
  | {
      keepsRead: true;
      phpUser: PhpUser;
      via: 'owner' | 'group' | 'root';
      /** The file must first be given to this group (PHP's): only offered with `allowChgrp`. */
      chgrp?: { group: string; gid: number };
    }
  | { keepsRead: false; phpUser: PhpUser | null; why: string };

/**
 * Whether PHP keeps read access to a file with `stat`'s owner and group
 * once its mode is `mode`. Unknown PHP user -> no (safe before clever).
 * With `allowChgrp`, when PHP is neither the owner nor in the group, and
 * Healer runs as root: yes, once the file belongs to PHP's group (`chgrp`).
 */
export async function phpKeepsRead(ctx: Ctx, stat: FileStat, mode: number, options: { allowChgrp?: boolean } = {}): Promise<ReadVerdict> {
  const phpUser = await phpUserOf(ctx).catch(() => null);
  if (!phpUser) return { keepsRead: false, phpUser: null, why: 'the user PHP runs as could not be found (set the app setting phpUser)' };
  const ids = await idsOf(ctx, phpUser.user);
  if (!ids) return { keepsRead: false, phpUser, why: `the user "${phpUser.user}" PHP runs as (${phpUser.source}) is unknown on ${ctx.exec.host}` };
  if (ids.uid === 0) return { keepsRead: true, phpUser, via: 'root' };
  if (ids.uid === stat.uid) return (mode & 0o400) !== 0 ? { keepsRead: true, phpUser, via: 'owner' } : { keepsRead: false, phpUser, why: `"${phpUser.user}" owns the file but the mode would not let it read` };
  if (ids.gids.includes(stat.gid) && (mode & 0o040) !== 0) return { keepsRead: true, phpUser, via: 'group' };
  if (options.allowChgrp && (mode & 0o040) !== 0 && (await healerIsRoot(ctx))) {
    const group = await phpGroupOf(ctx, phpUser);
    // The group PHP reads through must be one the PHP user is in: safe before clever.
    if (group && group.gid !== 0 && ids.gids.includes(group.gid)) return { keepsRead: true, phpUser, via: 'group', chgrp: group };
  }
  return {
    keepsRead: false,
    phpUser,
    why: `PHP runs as "${phpUser.user}" (${phpUser.source}), which is neither the file's owner (uid ${stat.uid}) nor in its group (gid ${stat.gid}): without read for others the site would go down; give the file to that user's group first (chgrp), then 0640`,
  };
}
