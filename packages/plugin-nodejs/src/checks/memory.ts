/** `nodejs/memory`: the resident memory of the app's processes. */
import { appProcesses, type NodeCheck } from './shared.js';

export const APP_MEMORY = 'nodejs/memory';

const mib = (n: number): string => `${Math.round(n / (1024 * 1024))} MiB`;

export const memoryCheck: NodeCheck = {
  id: APP_MEMORY,
  title: "The app's memory use",
  category: 'performance',
  severity: 'medium',
  async run(ctx) {
    const procs = await appProcesses(ctx);
    if (procs.length === 0) return { status: 'skip', message: 'No running process of the app was found.' };
    const rss = procs.reduce((n, p) => n + p.rssBytes, 0);
    const details = { rssBytes: rss, pids: procs.map((p) => p.pid), warnBytes: ctx.config.memoryWarnBytes, failBytes: ctx.config.memoryFailBytes };
    const what = `${procs.length} process${procs.length === 1 ? '' : 'es'} (pid ${procs.map((p) => p.pid).join(', ')})`;
    if (rss >= ctx.config.memoryFailBytes) return { status: 'fail', message: `The app uses ${mib(rss)} of memory in ${what}, above ${mib(ctx.config.memoryFailBytes)}: a leak or an undersized server.`, details };
    if (rss >= ctx.config.memoryWarnBytes) return { status: 'warn', message: `The app uses ${mib(rss)} of memory in ${what}, above ${mib(ctx.config.memoryWarnBytes)}.`, details };
    return { status: 'pass', message: `The app uses ${mib(rss)} of memory in ${what}.`, details };
  },
};
