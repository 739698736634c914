/**
 * `nextjs/rebuild` (medium): build in a copy, then swap the new `.next` in.
 *
 * The running app keeps serving the current build while the new one is
 * made: the sources (everything but `node_modules`, `.next` and `.git`) are
 * copied to a folder under the backup root, `node_modules` is hard-linked there (a copy
 * when hard links fail; never a symlink, which Turbopack refuses when it
 * points out of the project), and `next build` runs in the copy. Only a
 * build that succeeds is swapped in by the `nextjs/swap-build` operation:
 * the current `.next` renamed to `.next.healer-prev-<nonce>` (the engine's
 * token for this change, recorded with the plan), then the new one moved to
 * `.next`; its build id is what the change left, so a rollback asked for
 * later refuses when another build was put in place since. Then the app is
 * restarted when it has a runner.
 * A failed build changes nothing in the app root. Rollback puts the
 * previous `.next` back and restarts (when there was none, it removes the
 * new one and stops the app, as it was before). The previous build is left beside the
 * app after a verified rebuild (the execution's rollback point); the build
 * copy is removed by the last step, or by the rollback when a step failed.
 */
import { posix } from 'node:path';
import { HealerError, opStep, type Step } from '@healer/core';
import { manifestBackup, nodeMeta, optionalRestartSteps, readPackageJson, restartApp, settleAfterRestart, stopApp } from '@healer/plugin-nodejs';
import { BUILD_EXISTS, BUILD_STALE, REBUILD } from '../checks/ids.js';
import { swapBuildOp } from './swap-build.js';
import { absentMarker, buildDir, previousBuildPath, type NextAction, type NextActionContext, type NextPlanContext } from './shared.js';

/** Copy the sources (not node_modules, .next, .git, anything Healer kept aside) and hard-link node_modules. */
const COPY_SCRIPT = [
  'set -e',
  'src=$1; dst=$2',
  'rm -rf -- "$dst"',
  'mkdir -p -- "$dst"',
  'cd -- "$src"',
  'for f in * .[!.]* ..?*; do',
  '  [ -e "$f" ] || [ -L "$f" ] || continue',
  '  case "$f" in node_modules|.next|.git|.next.healer-*|.healer-*) continue;; esac',
  '  cp -a -- "$f" "$dst/"',
  'done',
  'if [ -d node_modules ]; then cp -al -- node_modules "$dst/node_modules" 2>/dev/null || { rm -rf -- "$dst/node_modules"; cp -a -- node_modules "$dst/node_modules"; }; fi',
].join('\n');

/**
 * The build command: the configured one; else the app's own `build` script
 * through its package manager when that script runs `next build` (it may
 * do more the deploy relies on, such as copying standalone assets); else
 * the app's own `next` through Node.
 */
async function buildCommand(ctx: NextPlanContext): Promise<string[]> {
  if (ctx.config.buildCommand) return [...ctx.config.buildCommand];
  const script = (await readPackageJson(ctx.fs, ctx.app.root))?.scripts?.build;
  if (typeof script === 'string' && /\bnext\s+build\b/.test(script)) return [nodeMeta(ctx.app).packageManager, 'run', 'build'];
  return [ctx.config.nodeBinary, 'node_modules/next/dist/bin/next', 'build'];
}

/** A precondition of every action that runs `next build`. */
export async function nextInstalled(ctx: NextPlanContext): Promise<true | string> {
  if (!(await ctx.fs.exists(posix.join(ctx.app.root, 'node_modules/next/package.json')))) return 'next is not installed (node_modules/next is missing): reinstall the dependencies first';
  return true;
}

async function removeBuildDir(ctx: NextActionContext): Promise<void> {
  const dir = buildDir(ctx.backupRoot, ctx.app.root, ctx.nonce);
  const r = await ctx.exec.run(['rm', '-rf', '--', dir], { timeoutMs: 300_000 });
  if (r.exitCode !== 0) ctx.logger.warn('Could not remove the build copy', { dir, error: r.stderr.trim() });
}

/** The steps that build in a copy and swap the new `.next` in (no restart: the caller adds it). */
export async function rebuildSteps(ctx: NextPlanContext): Promise<Step[]> {
  const root = ctx.app.root;
  const dir = buildDir(ctx.backupRoot, root, ctx.nonce);
  return [
    { kind: 'run', command: { script: COPY_SCRIPT, args: [root, dir] }, write: true, timeoutMs: 600_000, description: 'copy the sources to a build folder under the backup root (node_modules hard-linked)' },
    { kind: 'run', command: await buildCommand(ctx), cwd: dir, env: { NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' }, write: true, timeoutMs: ctx.config.buildTimeoutMs, description: 'next build in the build folder' },
    opStep(swapBuildOp, { current: (await ctx.fs.exists(posix.join(root, '.next'))) ? 'kept-aside' : 'none' }),
    // Reached only when every step before it succeeded; otherwise the rollback removes the build folder.
    { kind: 'remove', path: dir, description: 'remove the build folder' },
  ];
}

/**
 * Undo {@link rebuildSteps} on disk: remove the build copy, put the previous
 * `.next` back (or remove the new one when there was none). Says what it
 * swapped: `previous`, `none` (there was no build before) or `false`
 * (nothing was swapped: the build failed, the app kept serving its build).
 */
export async function putBackBuild(ctx: NextActionContext): Promise<'previous' | 'none' | false> {
  const root = ctx.app.root;
  const previous = previousBuildPath(root, ctx.nonce);
  const current = posix.join(root, '.next');
  await removeBuildDir(ctx);
  if (await ctx.fs.exists(previous)) {
    await ctx.fs.remove(current);
    await ctx.fs.rename(previous, current);
    return 'previous';
  }
  if (await ctx.fs.exists(absentMarker(previous))) {
    await ctx.fs.remove(current);
    await ctx.fs.remove(absentMarker(previous));
    return 'none';
  }
  return false;
}

/**
 * Bring the app back to the build that is in place after {@link putBackBuild}:
 * restart into the previous build, or stop the app when there was none (it
 * had nothing to serve before either). Nothing when nothing was swapped or the
 * app has no runner.
 */
export async function restartOrStopAfterPutBack(ctx: NextActionContext, swapped: 'previous' | 'none' | false): Promise<void> {
  if (!swapped || optionalRestartSteps(ctx).length === 0) return;
  if (swapped === 'none') {
    await stopApp(ctx);
    return;
  }
  try {
    await restartApp(ctx);
  } catch (e) {
    throw new HealerError('RESTORE_FAILED', `The previous build is back but the app did not answer after the restart: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export const rebuildAction: NextAction = {
  id: REBUILD,
  title: 'Rebuild the app and swap the new build in',
  description: 'next build in a copy of the sources; only a successful build replaces .next (the previous one is kept for rollback); then a restart.',
  risk: 'medium',
  fixes: [BUILD_EXISTS, BUILD_STALE],
  // The swap is undone by renames; the backup holds the files a build could rewrite (next-env.d.ts is written into the copy only).
  backup: manifestBackup,
  preconditions: nextInstalled,
  async plan(ctx) {
    return [...(await rebuildSteps(ctx)), ...optionalRestartSteps(ctx)];
  },
  settle: settleAfterRestart,
  async rollback(ctx) {
    const swapped = await putBackBuild(ctx);
    if (ctx.backup) await ctx.backup.restore();
    await restartOrStopAfterPutBack(ctx, swapped);
  },
};
