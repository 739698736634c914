/** Helpers the Node actions share: restart steps, waiting for the app. */
import { applySteps, HealerError, type ActionContext, type HealingAction, type PlanContext, type Step } from '@healer/core';
import type { NodeRuntimeConfig } from '../config.js';
import { nodeMeta } from '../detect.js';
import type { NodeRunner, NodeAppMeta } from '../types.js';
import { managedPid } from '../checks/shared.js';

export type NodeAction = HealingAction<NodeRuntimeConfig, NodeAppMeta>;
export type NodeActionContext = ActionContext<NodeRuntimeConfig, NodeAppMeta>;
/** What plan() and preconditions() see: no execution id, no backup. */
export type NodePlanContext = PlanContext<NodeRuntimeConfig, NodeAppMeta>;

/** A nonce (`PlanContext.nonce`) as it goes into a file name: letters, digits, `_` and `-` only. */
export const safeName = (nonce: string): string => nonce.replace(/[^A-Za-z0-9_-]/g, '_');

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

/** The steps that stop the app through its runner (none when the runner cannot stop it: no runner, or commands without `stop`). */
export function stopSteps(runner: NodeRunner, root: string): Step[] {
  switch (runner.kind) {
    case 'pm2':
      return [{ kind: 'run', command: ['pm2', 'stop', runner.name], write: true, description: `pm2 stop ${runner.name}` }];
    case 'systemd':
      return [{ kind: 'run', command: ['systemctl', 'stop', '--', runner.unit], write: true, description: `systemctl stop ${runner.unit}` }];
    case 'commands':
      return runner.stop ? [{ kind: 'run', command: runner.stop, cwd: root, write: true, description: 'the configured stop command' }] : [];
    default:
      return [];
  }
}

/**
 * Stop the app through its runner (a rollback that returns the app to "not
 * running", e.g. when what it would start was removed). Returns false, with a
 * warning in the log, when the runner cannot stop it.
 */
export async function stopApp(ctx: NodeActionContext): Promise<boolean> {
  const steps = stopSteps(nodeMeta(ctx.app).runner, ctx.app.root);
  if (steps.length === 0) {
    ctx.logger.warn('The app cannot be stopped through its runner (no stop command): left as it is');
    return false;
  }
  await applySteps(ctx, steps);
  return true;
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

/** Restart steps when the app has a runner, else none (a change that needs a new process to load it restarts when it can). */
export function optionalRestartSteps(ctx: NodePlanContext): Step[] {
  const steps = restartSteps(nodeMeta(ctx.app).runner, ctx.app.root);
  return typeof steps === 'string' ? [] : steps;
}

/** A `settle()` for actions that end with {@link optionalRestartSteps}: wait for the app when it was restarted. */
export async function settleAfterRestart(ctx: NodeActionContext): Promise<void> {
  if (optionalRestartSteps(ctx).length > 0) await waitForApp(ctx);
}

/** Restart the app through its runner and wait for it to answer (a rollback that must bring the app back). */
export async function restartApp(ctx: NodeActionContext): Promise<void> {
  const steps = restartSteps(nodeMeta(ctx.app).runner, ctx.app.root);
  if (typeof steps === 'string') throw new HealerError('COMMAND_FAILED', `Cannot restart: ${steps}.`);
  await applySteps(ctx, steps);
  await waitForApp(ctx);
}
