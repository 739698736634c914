/**
 * `nextjs/audit-fix` (high): the Node plugin's `npm audit fix`, then a
 * rebuild. Upgraded packages change the lockfile, so the build in place is
 * stale (and may still bundle the vulnerable code) until the app is built
 * again: the fix is verified on a new build. The rebuild is the one of
 * `nextjs/rebuild` (built in a copy, swapped in by `nextjs/swap-build`), then one
 * restart. Rollback puts the previous build and node_modules back, then
 * restarts once (or stops the app when it had no build).
 */
import { auditFixAction, auditFixPossible, auditFixSteps, optionalRestartSteps, putBackNodeModules, settleAfterRestart } from '@healer/plugin-nodejs';
import { AUDIT, AUDIT_FIX } from '../checks/ids.js';
import { nextInstalled, putBackBuild, rebuildSteps, restartOrStopAfterPutBack } from './rebuild.js';
import type { NextAction } from './shared.js';

export const nextAuditFixAction: NextAction = {
  id: AUDIT_FIX,
  title: 'Upgrade vulnerable dependencies (npm audit fix), then rebuild',
  description: 'npm audit fix (never --force) with node_modules copied aside, then next build in a copy swapped in, then a restart.',
  risk: auditFixAction.risk,
  fixes: [AUDIT],
  backup: auditFixAction.backup,
  async preconditions(ctx) {
    const audit = await auditFixPossible(ctx);
    return audit === true ? nextInstalled(ctx) : audit;
  },
  async plan(ctx) {
    return [...(await auditFixSteps(ctx)), ...(await rebuildSteps(ctx)), ...optionalRestartSteps(ctx)];
  },
  settle: settleAfterRestart,
  async rollback(ctx) {
    const swapped = await putBackBuild(ctx);
    await putBackNodeModules(ctx);
    // The audit fix restarted nothing before the swap: the app runs the previous build unless the swap happened.
    await restartOrStopAfterPutBack(ctx, swapped);
  },
};
