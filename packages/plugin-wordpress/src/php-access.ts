/**
 * Whether the user PHP runs as can still read a file after a mode change:
 * the rule that keeps `wordpress/fix-permissions` from taking a site down.
 * A symlinked `wp-config.php` is judged by its target.
 * @internal
 */
import { healerIsRoot, phpGroupOf, userIds, type CheckContext, type FileStat, type PhpUser } from '@healer/core';
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
  const ids = await userIds(ctx, phpUser.user);
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
