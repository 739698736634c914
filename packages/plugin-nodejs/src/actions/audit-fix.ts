/**
 * `nodejs/audit-fix` (high): `npm audit fix` (never `--force`), which may
 * change package-lock.json, package.json and node_modules. A copy of
 * node_modules is kept aside first: audit fix updates the tree in place.
 */
import { posix } from 'node:path';
import { AUDIT, AUDIT_FIX } from '../checks/audit.js';
import { nodeMeta } from '../detect.js';
import { applyAndWait, asidePath, manifestBackup, optionalRestartSteps, restoreNodeModules, staleAsideSteps } from './node-modules.js';
import type { NodeAction } from './shared.js';

export const auditFixAction: NodeAction = {
  id: AUDIT_FIX,
  title: 'Upgrade vulnerable dependencies (npm audit fix)',
  risk: 'high',
  fixes: [AUDIT],
  backup: manifestBackup,
  async preconditions(ctx) {
    const meta = nodeMeta(ctx.app);
    if (meta.packageManager !== 'npm' || meta.lockfile !== 'package-lock.json') return 'npm audit fix needs an npm app with a package-lock.json';
    if (!(await ctx.fs.exists(posix.join(ctx.app.root, 'node_modules')))) return 'node_modules is missing: reinstall the dependencies first';
    return true;
  },
  async plan(ctx) {
    const root = ctx.app.root;
    return [
      ...(await staleAsideSteps(ctx)),
      { kind: 'run', command: ['cp', '-a', '--', posix.join(root, 'node_modules'), asidePath(root)], write: true, timeoutMs: ctx.config.installTimeoutMs, description: 'keep a copy of node_modules for rollback' },
      {
        kind: 'run',
        command: ['npm', 'audit', 'fix', ...(ctx.config.npmRegistry ? ['--registry', ctx.config.npmRegistry] : [])],
        cwd: root,
        write: true,
        timeoutMs: ctx.config.installTimeoutMs,
        description: 'npm audit fix',
      },
      ...optionalRestartSteps(ctx),
    ];
  },
  apply: applyAndWait,
  rollback: restoreNodeModules,
};
