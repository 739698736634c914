/**
 * `nextjs/rebuild` (medium): build in a copy, then swap the new `.next` in.
 *
 * The running app keeps serving the current build while the new one is
 * made: the sources (everything but `node_modules`, `.next` and `.git`) are
 * copied to a folder under the backup root, `node_modules` is hard-linked there (a copy
 * when hard links fail; never a symlink, which Turbopack refuses when it
 * points out of the project), and `next build` runs in the copy. Only a
 * build that succeeds is swapped in, by two renames on the same
 * filesystem: the current `.next` to `.next.healer-prev-<nonce>` (the
 * engine's token for this change, recorded with the plan), then
 * the new one to `.next`. Then the app is restarted when it has a runner.
 * A failed build changes nothing in the app root. Rollback puts the
 * previous `.next` back and restarts. The previous build is left beside the
 * app after a verified rebuild (the execution's rollback point); the build
 * copy is always removed.
 */
import { posix } from 'node:path';
import { HealerError, type Step } from '@healer/core';
import { nodeMeta, readPackageJson, restartApp, restartSteps, runSteps, waitForApp } from '@healer/plugin-nodejs';
import { BUILD_EXISTS, BUILD_STALE, REBUILD } from '../checks/ids.js';
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

function optionalRestart(ctx: NextPlanContext): Step[] {
  const steps = restartSteps(nodeMeta(ctx.app).runner, ctx.app.root);
  return typeof steps === 'string' ? [] : steps;
}

async function removeBuildDir(ctx: NextActionContext): Promise<void> {
  const dir = buildDir(ctx.backupRoot, ctx.app.root, ctx.nonce);
  const r = await ctx.exec.run(['rm', '-rf', '--', dir], { timeoutMs: 300_000 });
  if (r.exitCode !== 0) ctx.logger.warn('Could not remove the build copy', { dir, error: r.stderr.trim() });
}

export const rebuildAction: NextAction = {
  id: REBUILD,
  title: 'Rebuild the app and swap the new build in',
  description: 'next build in a copy of the sources; only a successful build replaces .next (the previous one is kept for rollback); then a restart.',
  risk: 'medium',
  fixes: [BUILD_EXISTS, BUILD_STALE],
  // The swap is undone by renames; the backup holds the files a build could rewrite (next-env.d.ts is written into the copy only).
  backup: (ctx) => ({ paths: ['package.json', ...(nodeMeta(ctx.app).lockfile ? [nodeMeta(ctx.app).lockfile!] : [])] }),
  async preconditions(ctx) {
    if (!(await ctx.fs.exists(posix.join(ctx.app.root, 'node_modules/next/package.json')))) return 'next is not installed (node_modules/next is missing): reinstall the dependencies first';
    return true;
  },
  async plan(ctx) {
    const root = ctx.app.root;
    const dir = buildDir(ctx.backupRoot, root, ctx.nonce);
    const previous = previousBuildPath(root, ctx.nonce);
    const current = posix.join(root, '.next');
    const hasBuild = await ctx.fs.exists(current);
    return [
      { kind: 'run', command: { script: COPY_SCRIPT, args: [root, dir] }, write: true, timeoutMs: 600_000, description: 'copy the sources to a build folder under the backup root (node_modules hard-linked)' },
      { kind: 'run', command: await buildCommand(ctx), cwd: dir, env: { NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' }, write: true, timeoutMs: ctx.config.buildTimeoutMs, description: 'next build in the build folder' },
      hasBuild
        ? { kind: 'run', command: ['mv', '-T', '--', current, previous], write: true, description: 'keep the current .next aside for rollback' }
        : { kind: 'write-file', path: absentMarker(previous), content: 'there was no .next before this execution\n', description: 'record that there was no build' },
      { kind: 'run', command: ['mv', '-T', '--', posix.join(dir, '.next'), current], write: true, description: 'move the new build into place' },
      ...optionalRestart(ctx),
    ];
  },
  async apply(ctx, steps) {
    try {
      await runSteps(ctx, steps);
    } finally {
      await removeBuildDir(ctx);
    }
    if (optionalRestart(ctx).length > 0) await waitForApp(ctx);
  },
  async rollback(ctx) {
    const root = ctx.app.root;
    const previous = previousBuildPath(root, ctx.nonce);
    const current = posix.join(root, '.next');
    await removeBuildDir(ctx);
    let swapped = false;
    if (await ctx.fs.exists(previous)) {
      await ctx.fs.remove(current);
      await ctx.fs.rename(previous, current);
      swapped = true;
    } else if (await ctx.fs.exists(absentMarker(previous))) {
      await ctx.fs.remove(current);
      await ctx.fs.remove(absentMarker(previous));
      swapped = true;
    }
    if (ctx.backup) await ctx.backup.restore();
    // Nothing was swapped when the build failed: the running app never stopped serving the previous build.
    if (!swapped || optionalRestart(ctx).length === 0) return;
    try {
      await restartApp(ctx);
    } catch (e) {
      throw new HealerError('RESTORE_FAILED', `The previous build is back but the app did not answer after the restart: ${e instanceof Error ? e.message : String(e)}`);
    }
  },
};
