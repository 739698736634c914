/**
 * `nodejs/reinstall-dependencies` (medium): a clean install with the app's
 * own package manager (`npm ci`, `pnpm install --frozen-lockfile`, `yarn
 * install --frozen-lockfile`), the previous `node_modules` kept aside, then
 * a restart when the app has a runner.
 */
import { posix } from 'node:path';
import { DEPENDENCIES_INSTALLED, REINSTALL_DEPENDENCIES } from '../checks/dependencies.js';
import { nodeMeta } from '../detect.js';
import { installCommand, keepAsideSteps, manifestBackup, restoreNodeModules } from './node-modules.js';
import { optionalRestartSteps, settleAfterRestart, type NodeAction } from './shared.js';

export const reinstallDependenciesAction: NodeAction = {
  id: REINSTALL_DEPENDENCIES,
  title: 'Reinstall dependencies from the lockfile',
  description: "Keeps the current node_modules aside, installs with the app's package manager, restarts the app.",
  risk: 'medium',
  fixes: [DEPENDENCIES_INSTALLED],
  backup: manifestBackup,
  async preconditions(ctx) {
    const meta = nodeMeta(ctx.app);
    if (!(await ctx.fs.exists(posix.join(ctx.app.root, 'package.json')))) return 'package.json is missing';
    if ((await ctx.facts.commandVersion(meta.packageManager)) === null) return `${meta.packageManager} is not installed on the target`;
    return true;
  },
  async plan(ctx) {
    const meta = nodeMeta(ctx.app);
    const command = installCommand(meta.packageManager, meta.lockfile);
    return [
      ...(await keepAsideSteps(ctx)),
      { kind: 'run', command, cwd: ctx.app.root, write: true, timeoutMs: ctx.config.installTimeoutMs, description: `install dependencies with ${meta.packageManager}` },
      ...optionalRestartSteps(ctx),
    ];
  },
  settle: settleAfterRestart,
  rollback: restoreNodeModules,
};
