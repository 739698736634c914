/**
 * Whether the user PHP runs as keeps its access to a file or folder after a
 * mode change: the rule that keeps a permissions fix from taking an app
 * down (an upload folder PHP writes to only because it is world-writable,
 * a `.env` PHP reads only because others may).
 */
import { errorMessage, type FileStat, type PhpUser } from '@healer/core';
import type { PhpCheckContext } from './shared.js';
import { phpUserOf } from './web-server.js';

/** A user's uid and group ids on the target (`id`), or null when unknown there. */
export async function userIds(ctx: Pick<PhpCheckContext, 'exec' | 'facts' | 'logger'>, user: string): Promise<{ uid: number; gids: number[] } | null> {
  return ctx.facts.get(`php:ids:${user}`, async () => {
    try {
      const [u, g] = await Promise.all([ctx.exec.run(['id', '-u', '--', user], { timeoutMs: 5_000 }), ctx.exec.run(['id', '-G', '--', user], { timeoutMs: 5_000 })]);
      if (u.exitCode !== 0 || g.exitCode !== 0) return null;
      return { uid: Number(u.stdout.trim()), gids: g.stdout.trim().split(/\s+/).map(Number) };
    } catch (e) {
      ctx.logger.debug('php: cannot read the ids of the PHP user', { user, error: errorMessage(e) });
      return null;
    }
  });
}

/** Whether Healer runs as root on the target: only then may it give a file to another group. */
export async function healerIsRoot(ctx: Pick<PhpCheckContext, 'exec' | 'facts'>): Promise<boolean> {
  return ctx.facts.get('php:healer-is-root', async () => {
    const r = await ctx.exec.run(['id', '-u'], { timeoutMs: 5_000 }).catch(() => null);
    return r?.exitCode === 0 && r.stdout.trim() === '0';
  });
}

/** The group PHP runs with (the pool's or Apache's `Group`, else the user's primary group) and its id, or null. */
export async function phpGroupOf(ctx: Pick<PhpCheckContext, 'exec'>, phpUser: PhpUser): Promise<{ group: string; gid: number } | null> {
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

export type AccessNeed = 'read' | 'write';

export type AccessVerdict =
  | { keeps: true; phpUser: PhpUser; via: 'owner' | 'group' | 'others' | 'root' | 'none-before'; chgrp?: { group: string; gid: number } }
  | { keeps: false; phpUser: PhpUser | null; why: string };

/** The bits a need takes for one class (owner, group, others), shifted to the others' place. Folders need search (x) too. */
function bits(need: AccessNeed, dir: boolean): number {
  return (need === 'read' ? 0o4 : 0o2) | (dir ? 0o1 : 0);
}

function has(mode: number, shift: number, need: number): boolean {
  return ((mode >> shift) & need) === need;
}

/**
 * Whether PHP keeps `need` access to a file with `stat`'s owner and group
 * once its mode is `mode` (if it had that access before). Unknown PHP user
 * -> no (safe before clever). With `allowChgrp`, when PHP would lose its
 * access and Healer runs as root: yes, once the file belongs to PHP's group
 * (`chgrp`) and the group has the access in `mode`.
 */
export async function phpKeepsAccess(ctx: PhpCheckContext, stat: FileStat, mode: number, need: AccessNeed, options: { allowChgrp?: boolean } = {}): Promise<AccessVerdict> {
  const phpUser = await phpUserOf(ctx).catch(() => null);
  if (!phpUser) return { keeps: false, phpUser: null, why: 'the user PHP runs as could not be found (set the app setting phpUser)' };
  const ids = await userIds(ctx, phpUser.user);
  if (!ids) return { keeps: false, phpUser, why: `the user "${phpUser.user}" PHP runs as (${phpUser.source}) is unknown on ${ctx.exec.host}` };
  if (ids.uid === 0) return { keeps: true, phpUser, via: 'root' };
  const b = bits(need, stat.type === 'directory');
  const old = stat.mode & 0o7777;
  const shiftFor = (m: number): { ok: boolean; via: 'owner' | 'group' | 'others' } =>
    ids.uid === stat.uid ? { ok: has(m, 6, b), via: 'owner' } : ids.gids.includes(stat.gid) ? { ok: has(m, 3, b), via: 'group' } : { ok: has(m, 0, b), via: 'others' };
  const before = shiftFor(old);
  if (!before.ok) return { keeps: true, phpUser, via: 'none-before' };
  const after = shiftFor(mode);
  if (after.ok) return { keeps: true, phpUser, via: after.via };
  if (options.allowChgrp && has(mode, 3, b) && ids.uid !== stat.uid && (await healerIsRoot(ctx))) {
    const group = await phpGroupOf(ctx, phpUser);
    if (group && group.gid !== 0 && ids.gids.includes(group.gid)) return { keeps: true, phpUser, via: 'group', chgrp: group };
  }
  return {
    keeps: false,
    phpUser,
    why: `PHP runs as "${phpUser.user}" (${phpUser.source}) and ${need === 'read' ? 'reads' : 'writes'} it only as ${before.via}: that access would go`,
  };
}
