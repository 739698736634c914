/**
 * Remove a stale `.maintenance` (low): the file a failed update leaves
 * behind. A fresh one (an update may still be running) is left alone.
 */
import { restoreBackup } from '@healer/core';
import { appPath, notApplicable, type WpAction, type WpPlanContext } from './shared.js';
import { maintenanceStuckCheck } from '../checks/maintenance.js';
import { ACTION } from '../checks/shared.js';

const ID = ACTION.removeMaintenance;

/** WordPress core ignores `.maintenance` once `$upgrading` is this old; an update still running is younger. */
export const MAINTENANCE_STALE_SECONDS = 600;

/** The `$upgrading = <timestamp>;` WordPress writes, or null when the file sets it some other way (`time()`). */
export function upgradingTimestamp(text: string): number | null {
  const m = /\$upgrading\s*=\s*(\d{1,12})\s*;/.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * Why the file must stay, or its path when it may go. It may go once either
 * its `$upgrading` timestamp or the file itself is older than 600 s: a
 * timestamp in the future or `$upgrading = time()` would block visitors for
 * as long as the file exists, while a real update finishes within minutes.
 */
async function staleMaintenance(ctx: WpPlanContext, now = Date.now()): Promise<{ path: string } | string> {
  const path = appPath(ctx, '.maintenance');
  const stat = await ctx.fs.stat(path);
  if (!stat) return 'there is no .maintenance file';
  if (stat.type !== 'file') return '.maintenance is not a regular file';
  const text = (await ctx.fs.readText(path, { maxBytes: 4096 })) ?? '';
  const upgrading = upgradingTimestamp(text);
  const fileAge = now / 1000 - stat.mtimeMs / 1000;
  const stampAge = upgrading === null ? fileAge : now / 1000 - upgrading;
  if (stampAge < MAINTENANCE_STALE_SECONDS && fileAge < MAINTENANCE_STALE_SECONDS) {
    return `.maintenance was written ${Math.max(0, Math.round(fileAge))} s ago: an update may still be running (stale after ${MAINTENANCE_STALE_SECONDS} s)`;
  }
  return { path };
}

export const removeMaintenance: WpAction = {
  id: ID,
  title: 'Remove the stale .maintenance file',
  description: 'A failed or killed update leaves .maintenance behind and visitors see "Briefly unavailable for scheduled maintenance". Removing it is what the update itself would have done.',
  risk: 'low',
  fixes: [maintenanceStuckCheck.id],
  requiresBackup: true,
  backup: { paths: ['.maintenance'] },
  async preconditions(ctx) {
    const s = await staleMaintenance(ctx);
    return typeof s === 'string' ? s : true;
  },
  async plan(ctx) {
    const s = await staleMaintenance(ctx);
    if (typeof s === 'string') throw notApplicable(ID, s);
    // No age in the description: the plan hash must not change while the plan waits for approval.
    return [{ kind: 'remove', path: s.path, description: 'remove the stale .maintenance' }];
  },
  rollback: restoreBackup,
};
