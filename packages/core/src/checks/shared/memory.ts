import type { DiagnosticCheck } from '../../contract/plugin.js';
import { formatBytes, formatPercent, numberSetting } from './settings.js';

/**
 * `core/memory`: memory available on the host (`MemAvailable`, which counts
 * reclaimable cache), as a percent of the total.
 *
 * Settings: `memoryWarnAvailablePercent` (default 10: warn below 10 % available)
 * and `memoryFailAvailablePercent` (default 5: fail below 5 %).
 */
export const memoryCheck: DiagnosticCheck<unknown, object> = {
  id: 'core/memory',
  title: 'Available memory',
  category: 'performance',
  severity: 'medium',
  description: 'Warns when the host is close to running out of memory, where the kernel starts killing processes.',
  async run(ctx) {
    const warn = numberSetting(ctx.settings, 'memoryWarnAvailablePercent');
    const fail = numberSetting(ctx.settings, 'memoryFailAvailablePercent');
    const mem = await ctx.facts.memory();
    const availablePercent = mem.totalBytes > 0 ? (mem.availableBytes / mem.totalBytes) * 100 : 0;
    const status = availablePercent < fail ? 'fail' : availablePercent < warn ? 'warn' : 'pass';
    const usage = `${formatBytes(mem.availableBytes)} of ${formatBytes(mem.totalBytes)} memory is available (${formatPercent(availablePercent)})`;
    const message =
      status === 'pass'
        ? `${usage}.`
        : `Only ${usage}, below the ${status} threshold of ${formatPercent(status === 'fail' ? fail : warn)}; find the processes using the most memory, lower worker counts, or add memory or swap.`;
    return {
      status,
      message,
      details: {
        availablePercent,
        availableBytes: mem.availableBytes,
        totalBytes: mem.totalBytes,
        swapTotalBytes: mem.swapTotalBytes,
        swapFreeBytes: mem.swapFreeBytes,
        warnPercent: warn,
        failPercent: fail,
      },
    };
  },
};
