import type { DiagnosticCheck } from '../../contract/plugin.js';
import { formatPercent, gradeAtLeast, numberSetting } from './settings.js';

/**
 * `core/disk-inodes`: how many inodes (file slots) are used on the
 * filesystem holding the app root. Skipped on filesystems that do not report
 * inodes (btrfs, some network filesystems report 0).
 *
 * Settings: `inodesWarnPercent` (default 85) and `inodesFailPercent` (default 95).
 */
export const diskInodesCheck: DiagnosticCheck<unknown, object> = {
  id: 'core/disk-inodes',
  title: 'Free inodes',
  category: 'system',
  severity: 'high',
  description: 'Fails when the filesystem holding the application runs out of inodes: no new file can be created even with free space left.',
  async run(ctx) {
    const warn = numberSetting(ctx.settings, 'inodesWarnPercent');
    const fail = numberSetting(ctx.settings, 'inodesFailPercent');
    const disk = await ctx.facts.disk(ctx.app.root);
    if (disk.inodesTotal === 0) {
      return {
        status: 'skip',
        message: `The filesystem mounted at ${disk.mount} does not report inode counts, so there is nothing to check.`,
        details: { mount: disk.mount },
      };
    }
    const status = gradeAtLeast(disk.inodesUsedPercent, warn, fail);
    const where = `The filesystem holding ${ctx.app.root} (mounted at ${disk.mount})`;
    const usage = `${formatPercent(disk.inodesUsedPercent)} of its inodes in use (${disk.inodesFree} free of ${disk.inodesTotal})`;
    const message =
      status === 'pass'
        ? `${where} has ${usage}.`
        : `${where} has ${usage}, at or above the ${status} threshold of ${formatPercent(status === 'fail' ? fail : warn)}; delete many small files (session files, caches, mail queues) or move them to another filesystem.`;
    return {
      status,
      message,
      details: {
        mount: disk.mount,
        inodesUsedPercent: disk.inodesUsedPercent,
        inodesFree: disk.inodesFree,
        inodesTotal: disk.inodesTotal,
        warnPercent: warn,
        failPercent: fail,
      },
    };
  },
};
