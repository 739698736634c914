/**
 * `nodejs/audit-fix` (high): `npm audit fix` (never `--force`), which may
 * change package-lock.json, package.json and node_modules. A copy of
 * node_modules is kept aside first: audit fix updates the tree in place.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { Step } from '@healer/core';
import { AUDIT, AUDIT_FIX } from '../checks/audit.js';
import { nodeMeta } from '../detect.js';
import { asidePath, manifestBackup, partialPath, restoreNodeModules, staleAsideSteps } from './node-modules.js';
import { optionalRestartSteps, settleAfterRestart, type NodeAction, type NodePlanContext } from './shared.js';

/** Is `npm audit fix` possible here (npm, a package-lock.json, node_modules)? */
export async function auditFixPossible(ctx: NodePlanContext): Promise<true | string> {
  const meta = nodeMeta(ctx.app);
  if (meta.packageManager !== 'npm' || meta.lockfile !== 'package-lock.json') return 'npm audit fix needs an npm app with a package-lock.json';
  if (!(await ctx.fs.exists(posix.join(ctx.app.root, 'node_modules')))) return 'node_modules is missing: reinstall the dependencies first';
  return true;
}

/** The steps of `npm audit fix`, with node_modules copied aside first (no restart: the caller adds it). */
export async function auditFixSteps(ctx: NodePlanContext): Promise<Step[]> {
  const root = ctx.app.root;
  const aside = asidePath(root, ctx.nonce);
  // The plan names the lockfile it fixes (a note: a step's description is not hashed): one changed since (a person upgraded a package) is a new plan, refused as drift.
  const lock = createHash('sha256').update(await ctx.fs.readFile(posix.join(root, 'package-lock.json'))).digest('hex').slice(0, 16);
  return [
    { kind: 'note', write: false, description: `npm audit fix starts from package-lock.json sha256 ${lock}...` },
    ...(await staleAsideSteps(ctx)),
    // Copied under another name first: a copy cut short is never taken for the previous tree.
    { kind: 'run', command: ['cp', '-a', '--', posix.join(root, 'node_modules'), partialPath(aside)], write: true, timeoutMs: ctx.config.installTimeoutMs, description: 'copy node_modules for rollback' },
    { kind: 'rename', from: partialPath(aside), to: aside, description: 'keep the copy of node_modules for rollback' },
    {
      kind: 'run',
      command: ['npm', 'audit', 'fix', ...(ctx.config.npmRegistry ? ['--registry', ctx.config.npmRegistry] : [])],
      cwd: root,
      write: true,
      timeoutMs: ctx.config.installTimeoutMs,
      description: 'npm audit fix',
    },
  ];
}

export const auditFixAction: NodeAction = {
  id: AUDIT_FIX,
  title: 'Upgrade vulnerable dependencies (npm audit fix)',
  risk: 'high',
  fixes: [AUDIT],
  backup: manifestBackup,
  preconditions: auditFixPossible,
  async plan(ctx) {
    return [...(await auditFixSteps(ctx)), ...optionalRestartSteps(ctx)];
  },
  settle: settleAfterRestart,
  rollback: restoreNodeModules,
};
