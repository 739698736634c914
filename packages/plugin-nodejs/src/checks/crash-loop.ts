/** `nodejs/crash-loop`: pm2 restarts, systemd `NRestarts`, or repeated crashes in the configured logs. */
import { nodeMeta } from '../detect.js';
import { readAppLogs, sinceOf } from './logs.js';
import { pm2List, type NodeCheck } from './shared.js';
import { parseNodeStack } from '@healer/core';

export const CRASH_LOOP = 'nodejs/crash-loop';

/** Lines that say a process ended badly, as process managers and shells print them. */
const EXIT_RE = /\b(?:exited with code \[?[1-9]\d*|exit(?:ed)? code[:=] ?[1-9]\d*|app crashed|main process exited, code=exited, status=[1-9]|Failed with result)\b/i;

/** The number of crashes in log text: uncaught errors Node printed (with the caret block) plus exit lines. */
export function countCrashes(text: string): number {
  const uncaught = parseNodeStack(text).filter((r) => r.thrownAt !== undefined || /^Unhandled/.test(r.name)).length;
  const exits = text.split('\n').filter((l) => EXIT_RE.test(l)).length;
  return Math.max(uncaught, exits);
}

export const crashLoopCheck: NodeCheck = {
  id: CRASH_LOOP,
  title: 'The app is not in a crash loop',
  category: 'availability',
  severity: 'critical',
  timeoutMs: 30_000,
  async run(ctx) {
    const runner = nodeMeta(ctx.app).runner;
    const threshold = ctx.config.crashLoopThreshold;
    if (runner.kind === 'pm2') {
      const p = (await pm2List(ctx)).find((x) => x.name === runner.name);
      if (!p) return { status: 'warn', message: `pm2 does not know a process named ${runner.name}.` };
      const details = { restarts: p.restarts, status: p.status, threshold };
      if (p.status === 'errored' || p.restarts >= threshold) {
        return { status: 'fail', message: `pm2 restarted ${runner.name} ${p.restarts} times (status ${p.status}): it keeps crashing; see recent errors.`, details };
      }
      return { status: 'pass', message: `pm2: ${runner.name} is ${p.status}, ${p.restarts} restarts.`, details };
    }
    if (runner.kind === 'systemd') {
      const r = await ctx.exec.run(['systemctl', 'show', '-p', 'NRestarts', '-p', 'ActiveState', '--', runner.unit], { signal: ctx.signal });
      const props = new Map(r.stdout.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
      const restarts = Number(props.get('NRestarts') ?? 'NaN');
      if (r.exitCode !== 0 || Number.isNaN(restarts)) return { status: 'warn', message: `Could not read NRestarts of ${runner.unit}: ${r.stderr.trim() || 'no value'}.` };
      const details = { restarts, state: props.get('ActiveState') ?? null, threshold };
      if (restarts >= threshold) return { status: 'fail', message: `systemd restarted ${runner.unit} ${restarts} times: it keeps crashing; see recent errors.`, details };
      return { status: 'pass', message: `systemd: ${runner.unit} restarted ${restarts} times.`, details };
    }
    if (ctx.config.logFiles.length === 0) return { status: 'skip', message: 'The app is run by neither pm2 nor systemd, and no log files are configured.' };
    const since = sinceOf(ctx);
    const logs = await readAppLogs(ctx, since);
    const crashes = logs.reduce((n, l) => n + countCrashes(l.text), 0);
    const details = { crashes, threshold, since: since.toISOString() };
    if (crashes >= threshold) return { status: 'fail', message: `${crashes} crashes in the logs since ${since.toISOString()}: the app keeps crashing; see recent errors.`, details };
    return { status: 'pass', message: `${crashes} crash${crashes === 1 ? '' : 'es'} in the logs since ${since.toISOString()} (threshold ${threshold}).`, details };
  },
};
