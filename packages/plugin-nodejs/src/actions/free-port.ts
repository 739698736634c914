/**
 * `nodejs/free-port` (high): stop a stale copy of this app (a process
 * running from the app root outside its process manager) that holds the
 * app's port, then restart the app. Only such a copy is ever stopped.
 */
import { HealerError, type Step } from '@healer/core';
import { FREE_PORT, PORT_HELD, portHolder } from '../checks/port-held.js';
import { manifestBackup, optionalRestartSteps } from './node-modules.js';
import { restartApp, runSteps, waitForApp, type NodeAction, type NodePlanContext } from './shared.js';

async function stalePid(ctx: NodePlanContext): Promise<number | string> {
  const holder = await portHolder(ctx);
  if (holder === null) return 'nothing holds the port any more';
  if (holder.kind !== 'stale-copy' || holder.pid === null) return `port ${holder.port} is not held by a stale copy of this app (${holder.kind})`;
  return holder.pid;
}

async function processGone(ctx: NodePlanContext, pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const r = await ctx.exec.run(['kill', '-0', String(pid)], { signal: ctx.signal });
    if (r.exitCode !== 0) return true;
    await new Promise((res) => setTimeout(res, 200));
  }
  return false;
}

export const freePortAction: NodeAction = {
  id: FREE_PORT,
  title: 'Stop the stale copy of the app holding its port',
  risk: 'high',
  fixes: [PORT_HELD],
  // Nothing on disk changes; the backup holds package.json so the engine has a record.
  backup: manifestBackup,
  async preconditions(ctx) {
    const pid = await stalePid(ctx);
    return typeof pid === 'number' ? true : pid;
  },
  async plan(ctx) {
    const pid = await stalePid(ctx);
    if (typeof pid === 'string') return [{ kind: 'note', write: false, description: `nothing to stop: ${pid}` }];
    return [{ kind: 'run', command: ['kill', '-TERM', String(pid)], write: true, description: `stop the stale copy (pid ${pid})` } satisfies Step, ...optionalRestartSteps(ctx)];
  },
  async apply(ctx, steps) {
    const [kill, ...rest] = steps;
    if (kill) await runSteps(ctx, [kill]);
    if (kill?.kind === 'run' && Array.isArray(kill.command)) {
      const pid = Number((kill.command as readonly string[])[2]);
      if (!(await processGone(ctx, pid, 5000))) {
        await ctx.exec.run(['kill', '-KILL', String(pid)], { signal: ctx.signal });
        if (!(await processGone(ctx, pid, 2000))) throw new HealerError('COMMAND_FAILED', `pid ${pid} did not stop.`);
      }
    }
    await runSteps(ctx, rest);
    if (rest.length > 0) await waitForApp(ctx);
  },
  // A stopped stale copy is not brought back: the rollback makes sure the app itself runs.
  async rollback(ctx) {
    if (optionalRestartSteps(ctx).length > 0) await restartApp(ctx);
  },
};
