import type { DiagnosticCheck } from '../../contract/plugin.js';
import { numberSetting } from './settings.js';

/**
 * `core/load`: the 5-minute load average per CPU (less jumpy than the
 * 1-minute figure, which a single deploy can spike).
 *
 * Settings: `loadWarnPerCpu` (default 2: warn above 2 per CPU) and
 * `loadFailPerCpu` (default 4: fail above 4).
 */
export const loadCheck: DiagnosticCheck<unknown, object> = {
  id: 'core/load',
  title: 'System load',
  category: 'performance',
  severity: 'medium',
  description: 'Warns when more work is queued than the CPUs (or disks) can keep up with.',
  async run(ctx) {
    const warn = numberSetting(ctx.settings, 'loadWarnPerCpu');
    const fail = numberSetting(ctx.settings, 'loadFailPerCpu');
    const load = await ctx.facts.load();
    const perCpu = load.load5 / load.cpus;
    const status = perCpu > fail ? 'fail' : perCpu > warn ? 'warn' : 'pass';
    const figures = `The 5-minute load average is ${load.load5.toFixed(2)} on ${load.cpus} CPU${load.cpus === 1 ? '' : 's'} (${perCpu.toFixed(2)} per CPU)`;
    const message =
      status === 'pass'
        ? `${figures}.`
        : `${figures}, above the ${status} threshold of ${status === 'fail' ? fail : warn} per CPU; look for runaway processes or slow disk I/O, or add capacity.`;
    return {
      status,
      message,
      details: { ...load, perCpu, warnPerCpu: warn, failPerCpu: fail },
    };
  },
};
