import type { DiagnosticCheck } from '../../contract/plugin.js';
import { formatBytes, formatPercent, gradeAtLeast, numberSetting } from './settings.js';

/**
 * `core/disk-space`: how full the filesystem holding the app root is.
 *
 * Settings: `diskWarnPercent` (default 85) and `diskFailPercent` (default 95),
 * compared with `used / (used + available)`, the figure `df` prints (blocks
 * reserved for root count as unavailable).
 */
export const diskSpaceCheck: DiagnosticCheck<unknown, object> = {
  id: 'core/disk-space',
  title: 'Disk space',
  category: 'system',
  severity: 'high',
  description: 'Fails when the filesystem holding the application is nearly full: writes, uploads, sessions and logs start failing.',
  async run(ctx) {
    const warn = numberSetting(ctx.settings, 'diskWarnPercent');
    const fail = numberSetting(ctx.settings, 'diskFailPercent');
    const disk = await ctx.facts.disk(ctx.app.root);
    const status = gradeAtLeast(disk.usedPercent, warn, fail);
    const where = `The filesystem holding ${ctx.app.root} (mounted at ${disk.mount})`;
    const usage = `${formatPercent(disk.usedPercent)} full with ${formatBytes(disk.availableBytes)} free of ${formatBytes(disk.totalBytes)}`;
    const message =
      status === 'pass'
        ? `${where} is ${usage}.`
        : `${where} is ${usage}, at or above the ${status} threshold of ${formatPercent(status === 'fail' ? fail : warn)}; free space (old logs, backups, caches) or grow the disk.`;
    return {
      status,
      message,
      details: {
        mount: disk.mount,
        usedPercent: disk.usedPercent,
        availableBytes: disk.availableBytes,
        totalBytes: disk.totalBytes,
        warnPercent: warn,
        failPercent: fail,
      },
    };
  },
};
