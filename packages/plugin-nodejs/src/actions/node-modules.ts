/**
 * Replacing `node_modules` with rollback: the old folder is kept aside
 * (renamed, so no copy of a large tree), `package.json` and the lockfile are
 * in the action's backup. Shared by reinstall and audit fix.
 */
import { posix } from 'node:path';
import { HealerError, type BackupSpec, type Step } from '@healer/core';
import { nodeMeta } from '../detect.js';
import type { PackageManager } from '../types.js';
import { optionalRestartSteps, restartApp, safeName, type NodeActionContext, type NodePlanContext } from './shared.js';

/** What every kept-aside `node_modules` (and its marker) is named after, whichever change kept it. */
const ASIDE_PREFIX = '.healer-node_modules.previous';

/**
 * Where the previous `node_modules` is kept by the change with this nonce
 * (see `PlanContext.nonce`): a name of its own, so a later change that
 * drops it is seen by this change's rollback (and by the engine's drift check).
 */
export function asidePath(root: string, nonce: string): string {
  return posix.join(root, `${ASIDE_PREFIX}-${safeName(nonce)}`);
}

/** A marker written instead when there was no `node_modules` to keep. */
export const absentMarker = (aside: string): string => `${aside}.absent`;

/** Where a copy of `node_modules` is made before it is named {@link asidePath}. */
export const partialPath = (aside: string): string => `${aside}.copying`;

/** What any change kept aside in the app root (sorted, so a plan lists it the same way every time). */
async function keptAside(ctx: NodePlanContext): Promise<string[]> {
  const entries = await ctx.fs.list(ctx.app.root);
  return entries
    .map((e) => e.name)
    .filter((name) => name.startsWith(ASIDE_PREFIX))
    .sort()
    .map((name) => posix.join(ctx.app.root, name));
}

/** The install command of a package manager, frozen to the lockfile when there is one. */
export function installCommand(manager: PackageManager, lockfile: string | null): string[] {
  switch (manager) {
    case 'pnpm':
      return lockfile ? ['pnpm', 'install', '--frozen-lockfile'] : ['pnpm', 'install'];
    case 'yarn':
      return lockfile ? ['yarn', 'install', '--frozen-lockfile'] : ['yarn', 'install'];
    default:
      return lockfile === 'package-lock.json' ? ['npm', 'ci'] : ['npm', 'install'];
  }
}

/** package.json and the lockfile: what an install may rewrite. */
export function manifestBackup(ctx: NodePlanContext): BackupSpec {
  const lockfile = nodeMeta(ctx.app).lockfile;
  return { paths: ['package.json', ...(lockfile ? [lockfile] : [])] };
}

/** Remove what an earlier change kept aside: only the latest change can be rolled back this way. */
export async function staleAsideSteps(ctx: NodePlanContext): Promise<Step[]> {
  return (await keptAside(ctx)).map((path) => ({ kind: 'remove', path, description: 'drop what an earlier change kept aside' }));
}

/** Keep the current `node_modules` aside (or mark that there was none). */
export async function keepAsideSteps(ctx: NodePlanContext): Promise<Step[]> {
  const root = ctx.app.root;
  const aside = asidePath(root, ctx.nonce);
  const stale = await staleAsideSteps(ctx);
  if (await ctx.fs.exists(posix.join(root, 'node_modules'))) {
    return [...stale, { kind: 'rename', from: posix.join(root, 'node_modules'), to: aside, description: 'keep the current node_modules aside for rollback' }];
  }
  return [...stale, { kind: 'write-file', path: absentMarker(aside), content: 'node_modules did not exist before this change\n', description: 'record that there was no node_modules' }];
}

/**
 * Put the previous `node_modules`, package.json and lockfile back, then
 * restart the app when it has a runner.
 */
export async function restoreNodeModules(ctx: NodeActionContext): Promise<void> {
  await putBackNodeModules(ctx);
  if (optionalRestartSteps(ctx).length > 0) {
    try {
      await restartApp(ctx);
    } catch (e) {
      ctx.logger.warn('The app did not answer after the rollback restart', { error: e instanceof Error ? e.message : String(e) });
    }
  }
}

/** Put the previous `node_modules`, package.json and lockfile back (files only: no restart). */
export async function putBackNodeModules(ctx: NodeActionContext): Promise<void> {
  const root = ctx.app.root;
  const aside = asidePath(root, ctx.nonce);
  const nm = posix.join(root, 'node_modules');
  if (await ctx.fs.exists(aside)) {
    await ctx.fs.remove(nm);
    await ctx.fs.rename(aside, nm);
  } else if (await ctx.fs.exists(absentMarker(aside))) {
    await ctx.fs.remove(nm);
    await ctx.fs.remove(absentMarker(aside));
  } else {
    // Nothing of this change is aside: either it stopped before keeping anything, or a later change dropped it.
    const own = new Set([aside, absentMarker(aside), partialPath(aside)]);
    const later = (await keptAside(ctx)).filter((p) => !own.has(p));
    if (later.length > 0) {
      throw new HealerError('RESTORE_FAILED', `node_modules was replaced again by a later change (${later.map((p) => posix.basename(p)).join(', ')} is aside): roll that one back first.`);
    }
  }
  await ctx.fs.remove(partialPath(aside));
  const lockfile = nodeMeta(ctx.app).lockfile;
  if (ctx.backup) await ctx.backup.restore();
  // The install wrote a lockfile the app did not have.
  if (lockfile === null) for (const f of ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock']) await ctx.fs.remove(posix.join(root, f));
}

