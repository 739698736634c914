/**
 * Users and groups on the target, as the permission rules of the PHP and
 * WordPress plugins need them: a user's ids, whether Healer runs as root,
 * and the group PHP runs with. Memoized per run through `facts` where it
 * is asked often.
 */
import type { CheckContext } from '../contract/plugin.js';
import type { PhpUser } from './discover.js';
import { errorMessage } from '../errors.js';

type Ctx = Pick<CheckContext, 'exec' | 'facts' | 'logger'>;

/** A user's uid and group ids on the target (`id`), or null when the target does not know the user. */
export function userIds(ctx: Ctx, user: string): Promise<{ uid: number; gids: number[] } | null> {
  return ctx.facts.get(`core:user-ids:${user}`, async () => {
    try {
      const [u, g] = await Promise.all([ctx.exec.run(['id', '-u', '--', user], { timeoutMs: 5_000 }), ctx.exec.run(['id', '-G', '--', user], { timeoutMs: 5_000 })]);
      if (u.exitCode !== 0 || g.exitCode !== 0) return null;
      return { uid: Number(u.stdout.trim()), gids: g.stdout.trim().split(/\s+/).map(Number) };
    } catch (e) {
      ctx.logger.debug('cannot read the ids of a user', { user, error: errorMessage(e) });
      return null;
    }
  });
}

/** Whether Healer runs as root on the target: only then may it give a file to another group. */
export function healerIsRoot(ctx: Pick<CheckContext, 'exec' | 'facts'>): Promise<boolean> {
  return ctx.facts.get('core:healer-is-root', async () => {
    const r = await ctx.exec.run(['id', '-u'], { timeoutMs: 5_000 }).catch(() => null);
    return r?.exitCode === 0 && r.stdout.trim() === '0';
  });
}

/** The group PHP runs with (the pool's or Apache's `Group`, else the user's primary group) and its id, or null. */
export async function phpGroupOf(ctx: Pick<CheckContext, 'exec'>, phpUser: PhpUser): Promise<{ group: string; gid: number } | null> {
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
