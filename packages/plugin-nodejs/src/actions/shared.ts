/** Helpers the Node actions share: restart steps, running steps, waiting for the app. */
import { HealerError, stepFailedError, type ActionContext, type HealingAction, type PlanContext, type Step } from '@healer/core';
import type { NodeRuntimeConfig } from '../config.js';
import { nodeMeta } from '../detect.js';
import type { NodeRunner, NodeAppMeta } from '../types.js';
import { managedPid } from '../checks/shared.js';

export type NodeAction = HealingAction<NodeRuntimeConfig, NodeAppMeta>;
export type NodeActionContext = ActionContext<NodeRuntimeConfig, NodeAppMeta>;
/** What plan() and preconditions() see: no execution id, no backup. */
export type NodePlanContext = PlanContext<NodeRuntimeConfig, NodeAppMeta>;

/** The steps that restart the app through its runner, or a reason why it cannot be restarted. */
export function restartSteps(runner: NodeRunner, root: string): Step[] | string {
  switch (runner.kind) {
    case 'pm2':
      return [{ kind: 'run', command: ['pm2', 'restart', runner.name, '--update-env'], write: true, description: `pm2 restart ${runner.name}` }];
    case 'systemd':
      return [{ kind: 'run', command: ['systemctl', 'restart', '--', runner.unit], write: true, description: `systemctl restart ${runner.unit}` }];
    case 'commands':
      return [
        ...(runner.stop ? [{ kind: 'run', command: runner.stop, cwd: root, write: true, description: 'the configured stop command' } satisfies Step] : []),
        { kind: 'run', command: runner.start, cwd: root, write: true, description: 'the configured start command' },
      ];
    default:
      return 'the app is run by neither pm2 nor systemd and no start command is configured (commands.start)';
  }
}

/** Run steps in order (the engine's default, plus running them again from a rollback). */
export async function runSteps(ctx: NodePlanContext, steps: readonly Step[]): Promise<void> {
  for (const step of steps) {
    ctx.signal.throwIfAborted();
    switch (step.kind) {
      case 'run': {
        const r = await ctx.exec.run(step.command, {
          ...(step.cwd ? { cwd: step.cwd } : {}),
          ...(step.env ? { env: step.env } : {}),
          ...(step.timeoutMs ? { timeoutMs: step.timeoutMs } : {}),
          signal: ctx.signal,
        });
        if (r.timedOut || r.exitCode !== 0) throw stepFailedError(step.description ?? 'command', r);
        break;
      }
      case 'rename':
        await ctx.fs.rename(step.from, step.to);
        break;
      case 'remove':
        await ctx.fs.remove(step.path);
        break;
      case 'write-file':
        await ctx.fs.writeFile(step.path, step.content, step.mode !== undefined ? { mode: step.mode } : {});
        break;
      case 'chmod':
        await ctx.fs.chmod(step.path, step.mode);
        break;
      case 'note':
        break;
    }
  }
}

/** Wait until the app's URL answers below 500 (no URL: return at once). Throws when it does not within `startTimeoutMs`. */
export async function waitForApp(ctx: NodePlanContext): Promise<void> {
  const url = ctx.settings.url ?? ctx.target.url;
  if (typeof url !== 'string') return;
  const deadline = Date.now() + ctx.config.startTimeoutMs;
  const started = Date.now();
  let last = 'no answer';
  while (Date.now() < deadline) {
    ctx.signal.throwIfAborted();
    // A process that already exited will not answer: no need to wait out the timeout.
    if (Date.now() - started > 1000 && (await exited(ctx))) {
      throw new HealerError('COMMAND_FAILED', `The app's process exited after the restart (${url} never answered): see its log.`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(5000)]), redirect: 'manual' });
      await res.body?.cancel();
      if (res.status < 500) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      last = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new HealerError('COMMAND_FAILED', `${url} did not answer within ${ctx.config.startTimeoutMs} ms after the restart (${last}).`);
}

/** True when the app's managed process (pm2, systemd, pid file) is known and no longer runs. */
async function exited(ctx: NodePlanContext): Promise<boolean> {
  const pid = await managedPid(ctx);
  if (pid === null) return ctx.config.pidFile !== undefined && nodeMeta(ctx.app).runner.kind === 'commands';
  const r = await ctx.exec.run(['kill', '-0', String(pid)], { signal: ctx.signal });
  return r.exitCode !== 0 && !/not permitted/i.test(r.stderr);
}

/** Restart the app through its runner and wait for it to answer. */
export async function restartApp(ctx: NodePlanContext): Promise<void> {
  const steps = restartSteps(nodeMeta(ctx.app).runner, ctx.app.root);
  if (typeof steps === 'string') throw new HealerError('COMMAND_FAILED', `Cannot restart: ${steps}.`);
  await runSteps(ctx, steps);
  await waitForApp(ctx);
}
