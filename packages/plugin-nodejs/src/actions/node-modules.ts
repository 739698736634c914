/**
 * Replacing `node_modules` with rollback: the old folder is kept aside
 * (renamed, so no copy of a large tree), `package.json` and the lockfile are
 * in the action's backup. Shared by reinstall and audit fix.
 */
import { posix } from 'node:path';
import { HealerError, type BackupSpec, type Step } from '@healer/core';
import { nodeMeta } from '../detect.js';
import type { PackageManager } from '../types.js';
import { restartApp, restartSteps, runSteps, waitForApp, type NodeActionContext, type NodePlanContext } from './shared.js';

/**
 * Where the previous `node_modules` is kept. One fixed name per app (not per
 * execution) so a plan looks the same when approved and when run; the
 * execution that owns it is recorded beside it ({@link ownerFile}).
 */
export function asidePath(root: string): string {
  return posix.join(root, '.healer-node_modules.previous');
}

/** A marker written instead when there was no `node_modules` to keep. */
export const absentMarker = (aside: string): string => `${aside}.absent`;

/** The id of the execution that kept the current aside folder. */
export const ownerFile = (aside: string): string => `${aside}.execution`;

/** The execution an action context belongs to: the one that took the backup (a later rollback runs under its own id). */
export function owningExecution(ctx: NodeActionContext): string {
  return ctx.backup?.manifest.executionId ?? ctx.executionId;
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

/** Remove what an earlier execution kept aside: only the latest change can be rolled back this way. */
export async function staleAsideSteps(ctx: NodePlanContext): Promise<Step[]> {
  const aside = asidePath(ctx.app.root);
  const steps: Step[] = [];
  for (const p of [aside, absentMarker(aside), ownerFile(aside)]) {
    if (await ctx.fs.exists(p)) steps.push({ kind: 'remove', path: p, description: 'drop what an earlier execution kept aside' });
  }
  return steps;
}

/** Keep the current `node_modules` aside (or mark that there was none). */
export async function keepAsideSteps(ctx: NodePlanContext): Promise<Step[]> {
  const root = ctx.app.root;
  const aside = asidePath(root);
  const stale = await staleAsideSteps(ctx);
  if (await ctx.fs.exists(posix.join(root, 'node_modules'))) {
    return [...stale, { kind: 'rename', from: posix.join(root, 'node_modules'), to: aside, description: 'keep the current node_modules aside for rollback' }];
  }
  return [...stale, { kind: 'write-file', path: absentMarker(aside), content: 'node_modules did not exist before this change\n', description: 'record that there was no node_modules' }];
}

/** Restart steps when the app has a runner (a new install needs a new process to load it). */
export function optionalRestartSteps(ctx: NodePlanContext): Step[] {
  const steps = restartSteps(nodeMeta(ctx.app).runner, ctx.app.root);
  return typeof steps === 'string' ? [] : steps;
}

/**
 * Run the steps, recording which execution owns the aside folder once the
 * earlier one is removed, then wait for the app to answer when it was
 * restarted.
 */
export async function applyAndWait(ctx: NodeActionContext, steps: Step[]): Promise<void> {
  const firstOther = steps.findIndex((s) => s.kind !== 'remove');
  const split = firstOther < 0 ? steps.length : firstOther;
  await runSteps(ctx, steps.slice(0, split));
  // Not a planned step: its content (the execution id) would change the plan between approval and run.
  await ctx.fs.writeFile(ownerFile(asidePath(ctx.app.root)), `${owningExecution(ctx)}\n`);
  await runSteps(ctx, steps.slice(split));
  if (optionalRestartSteps(ctx).length > 0) await waitForApp(ctx);
}

/**
 * Put the previous `node_modules`, package.json and lockfile back, then
 * restart the app when it has a runner.
 */
export async function restoreNodeModules(ctx: NodeActionContext): Promise<void> {
  const root = ctx.app.root;
  const aside = asidePath(root);
  const nm = posix.join(root, 'node_modules');
  const owner = (await ctx.fs.readText(ownerFile(aside), { maxBytes: 256 }))?.trim();
  if (owner !== undefined && owner !== owningExecution(ctx)) {
    throw new HealerError('RESTORE_FAILED', `node_modules was replaced again by execution ${owner}: roll that one back first.`);
  }
  if (await ctx.fs.exists(aside)) {
    await ctx.fs.remove(nm);
    await ctx.fs.rename(aside, nm);
  } else if (await ctx.fs.exists(absentMarker(aside))) {
    await ctx.fs.remove(nm);
    await ctx.fs.remove(absentMarker(aside));
  }
  await ctx.fs.remove(ownerFile(aside));
  const lockfile = nodeMeta(ctx.app).lockfile;
  if (ctx.backup) await ctx.backup.restore();
  // The install wrote a lockfile the app did not have.
  if (lockfile === null) for (const f of ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock']) await ctx.fs.remove(posix.join(root, f));
  if (optionalRestartSteps(ctx).length > 0) {
    try {
      await restartApp(ctx);
    } catch (e) {
      ctx.logger.warn('The app did not answer after the rollback restart', { error: e instanceof Error ? e.message : String(e) });
    }
  }
}

