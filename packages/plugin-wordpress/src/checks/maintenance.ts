/**
 * `wordpress/maintenance-stuck`: the `.maintenance` file an update writes in
 * the WordPress root, read the way WordPress reads it.
 *
 * `wp_is_maintenance_mode()` requires the file and blocks visitors (503
 * "Briefly unavailable for scheduled maintenance") while
 * `time() - $upgrading < 600`; after that it ignores the file. So a fresh file
 * blocks, an old one no longer blocks but says an update never finished.
 */
import { childPath } from '@healer/core';
import { ACTION, formatDuration, type WpCheck } from './shared.js';

/** WordPress ignores `.maintenance` this many seconds after `$upgrading` (`10 * MINUTE_IN_SECONDS`). */
export const MAINTENANCE_WINDOW_S = 600;
/** A file that has blocked visitors longer than this is stuck, whatever its timestamp says. */
export const STUCK_BLOCKING_S = 600;

/** What a `.maintenance` file says. @internal */
export interface MaintenanceFile {
  /** The `$upgrading` timestamp (seconds), or null when the file has none WordPress could read. */
  upgrading: number | null;
  /** `$upgrading = time();`: the file blocks on every request, forever. */
  dynamic: boolean;
}

/** Read `$upgrading` from a `.maintenance` file's text. @internal */
export function parseMaintenanceFile(text: string): MaintenanceFile {
  if (/\$upgrading\s*=\s*time\s*\(\s*\)\s*;/.test(text)) return { upgrading: null, dynamic: true };
  const m = /\$upgrading\s*=\s*(\d{1,12})\s*;/.exec(text);
  return { upgrading: m ? Number(m[1]) : null, dynamic: false };
}

export const maintenanceStuckCheck: WpCheck = {
  id: 'wordpress/maintenance-stuck',
  title: 'Maintenance mode',
  category: 'availability',
  severity: 'high',
  description:
    'Reports a .maintenance file left in the WordPress root: whether it still blocks visitors (WordPress ignores it 600 s after its timestamp) and how long ago the update that wrote it started.',
  async run(ctx) {
    const path = childPath(ctx.app.root, '.maintenance');
    const stat = await ctx.fs.stat(path);
    if (stat === null) {
      return { status: 'pass', message: 'No .maintenance file: WordPress is not in maintenance mode.', details: { path, exists: false } };
    }
    const text = (await ctx.fs.readText(path, { maxBytes: 4096 })) ?? '';
    const file = parseMaintenanceFile(text);
    const now = Date.now() / 1000;
    const fileAge = Math.max(0, now - stat.mtimeMs / 1000);
    const evidence = text.trim().split('\n').slice(0, 5).map((l) => l.slice(0, 200));
    const base = { path, exists: true, dynamic: file.dynamic, fileAgeSeconds: Math.round(fileAge) };

    if (file.dynamic) {
      const stuck = fileAge > STUCK_BLOCKING_S;
      return {
        status: stuck ? 'fail' : 'warn',
        message: `.maintenance sets $upgrading = time(), so it blocks every visitor with "Briefly unavailable for scheduled maintenance" for as long as it exists (${formatDuration(fileAge)} so far)${stuck ? '; remove it.' : '; remove it when the maintenance is over.'}`,
        details: { ...base, upgrading: null, blocking: true, stale: false, blockingSeconds: Math.round(fileAge) },
        evidence,
        ...(stuck ? { fixes: [ACTION.removeMaintenance] } : {}),
      };
    }
    if (file.upgrading === null) {
      return {
        status: 'fail',
        message:
          '.maintenance has no $upgrading timestamp WordPress can use, so it does not block visitors, but WordPress runs it as PHP on every request; remove it (an update that failed, or something else, left it).',
        details: { ...base, upgrading: null, blocking: false, stale: true },
        evidence,
        fixes: [ACTION.removeMaintenance],
      };
    }

    const age = now - file.upgrading;
    const upgrading = new Date(file.upgrading * 1000).toISOString();
    if (age >= MAINTENANCE_WINDOW_S) {
      return {
        status: 'fail',
        message: `.maintenance was left by an update that started ${formatDuration(age)} ago and never finished; WordPress ignores it now (visitors are not blocked), but the update probably failed: remove the file and check that core, plugins and themes were updated completely.`,
        details: { ...base, upgrading, ageSeconds: Math.round(age), blocking: false, stale: true },
        evidence,
        fixes: [ACTION.removeMaintenance],
      };
    }
    // A timestamp in the future (a wrong clock) blocks until 600 s after it.
    const blockingFor = age < 0 ? fileAge : age;
    const remaining = MAINTENANCE_WINDOW_S - age;
    if (blockingFor > STUCK_BLOCKING_S) {
      return {
        status: 'fail',
        message: `.maintenance has blocked visitors with "Briefly unavailable for scheduled maintenance" for ${formatDuration(blockingFor)} because its $upgrading timestamp is in the future (${upgrading}); it would keep blocking for ${formatDuration(remaining)}: remove it.`,
        details: { ...base, upgrading, ageSeconds: Math.round(age), blocking: true, stale: false, blockingSeconds: Math.round(blockingFor), blocksForSeconds: Math.round(remaining) },
        evidence,
        fixes: [ACTION.removeMaintenance],
      };
    }
    return {
      status: 'warn',
      message: `An update put the site in maintenance mode ${formatDuration(Math.max(0, age))} ago: visitors see "Briefly unavailable for scheduled maintenance" until it finishes, or for at most ${formatDuration(remaining)} more, when WordPress starts ignoring the file.`,
      details: { ...base, upgrading, ageSeconds: Math.round(age), blocking: true, stale: false, blockingSeconds: Math.round(Math.max(0, blockingFor)), blocksForSeconds: Math.round(remaining) },
      evidence,
    };
  },
};
