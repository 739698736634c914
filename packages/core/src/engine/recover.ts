/**
 * Recovery: finish what a killed process left half done, from its journal.
 * An action that was being applied (or verified, or rolled back) when the
 * process died is rolled back from its backup; verified fixes stand.
 * @internal
 */
import { errorMessage, isHealerError } from '../errors.js';
import type { Execution, TimelineEvent } from '../schemas.js';
import { TERMINAL_STATES } from '../schemas.js';
import { backupHandle, rollbackAction } from './backup-runner.js';
import { ExecutionRun, withAppLock } from './execution-record.js';
import { actionContext, appFromJournal, makeRunEnv, nonceFromJournal, resolvedFromJournal, type ResolvedApp } from './resolve-app.js';
import { recordedGroups, stopProcessGroups, trackProcessGroups } from './process-groups.js';
import type { Services } from './services.js';

export interface RecoveryReport {
  executionId: string;
  /** The state recorded for it now, or the reason it was left alone. */
  state: Execution['state'] | 'SKIPPED';
  message: string;
}

/** Recover every unfinished execution whose process is gone. */
export async function recoverExecutions(svc: Services, options: { executionId?: string } = {}): Promise<RecoveryReport[]> {
  const open = (await svc.state.listExecutions({})).filter(
    (e) => !TERMINAL_STATES.includes(e.state) && (!options.executionId || e.executionId === options.executionId),
  );
  const reports: RecoveryReport[] = [];
  for (const execution of open.reverse()) {
    if (isOwnerAlive(execution)) {
      reports.push({ executionId: execution.executionId, state: 'SKIPPED', message: `Still running in pid ${execution.owner!.pid}.` });
      continue;
    }
    reports.push(await recoverOne(svc, execution));
  }
  return reports;
}

function isOwnerAlive(execution: Execution): boolean {
  const owner = execution.owner;
  if (!owner || owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What the journal says about the last action of an execution. */
interface LastAction {
  actionId: string;
  backupId: string | null;
  backupDir: string | null;
  backupTaken: boolean;
  applyStarted: boolean;
  settled: boolean;
}

function readLastAction(timeline: readonly TimelineEvent[]): LastAction | null {
  let last: LastAction | null = null;
  for (const e of timeline) {
    if (e.type === 'action.started' && e.actionId) {
      last = { actionId: e.actionId, backupId: null, backupDir: null, backupTaken: false, applyStarted: false, settled: false };
    } else if (last && e.actionId === last.actionId) {
      if (e.type === 'backup.started') {
        last.backupId = String(e.data?.backupId ?? '');
        last.backupDir = String(e.data?.dir ?? '');
      } else if (e.type === 'backup.created') last.backupTaken = true;
      else if (e.type === 'apply.started') last.applyStarted = true;
      else if (e.type === 'action.fixed' || e.type === 'rollback.finished' || e.type === 'action.skipped') last.settled = true;
    }
  }
  return last;
}

async function recoverOne(svc: Services, execution: Execution): Promise<RecoveryReport> {
  const run = ExecutionRun.resume(svc, execution);
  const report = (state: RecoveryReport['state'], message: string): RecoveryReport => ({ executionId: execution.executionId, state, message });
  const app = appFromJournal(execution);
  if (!app) {
    await run.journal.record('recovered', 'Interrupted before the application was detected: nothing was changed.');
    const done = await run.finish('FAILED', 'Interrupted before anything was changed.');
    return report(done.state, done.message);
  }

  return withAppLock(
    svc,
    app.id,
    `recover ${execution.executionId}`,
    async (holder) => report('SKIPPED', `The application is locked by pid ${holder?.owner.pid ?? '?'}; try again later.`),
    async (signal) => {
      const last = readLastAction(execution.timeline);
      // The interrupted action's commands may still be running: stop them first, or they could write over the restore.
      const stop = last && !last.settled ? await stopLeftovers(svc, run, execution) : null;
      if (stop) return report('SKIPPED', stop);
      const fixed = execution.timeline.filter((e) => e.type === 'action.fixed').map((e) => e.actionId!);
      if (!last || last.settled) {
        await run.journal.record('recovered', 'Interrupted between steps: no change was half done.');
        const state = fixed.length ? 'ESCALATED' : 'FAILED';
        const done = await run.finish(state, fixed.length ? `Interrupted after ${fixed.join(', ')} was verified; run heal again for what is left.` : 'Interrupted before any change; nothing to undo.');
        return report(done.state, done.message);
      }
      if (!last.backupTaken) {
        // Died while backing up: the app is untouched; drop the partial backup.
        if (last.backupDir) await svc.exec.remove(last.backupDir).catch(() => undefined);
        await run.journal.record('recovered', `Interrupted while backing up before ${last.actionId}: nothing was changed.`, { actionId: last.actionId });
        const done = await run.finish(fixed.length ? 'ESCALATED' : 'FAILED', 'Interrupted during a backup; the application was not changed.');
        return report(done.state, done.message);
      }
      const entry = svc.registry.get(execution.plugin);
      const manifest = last.backupId ? await svc.state.getBackup(last.backupId) : null;
      if (!manifest) {
        await run.journal.record('escalated', `Cannot find backup ${last.backupId} to roll back ${last.actionId}.`);
        const done = await run.finish('FAILED', `Interrupted during ${last.actionId} and its backup is missing: a person must check the application.`);
        return report(done.state, done.message);
      }
      const env = trackProcessGroups(makeRunEnv(svc), run.journal);
      const target = execution.target;
      const resolved: ResolvedApp | null = entry
        ? resolvedFromJournal(svc, target, app, entry)
        : null;
      await run.journal.record('rollback.started', `Recovering: rolling back ${last.actionId} from backup ${manifest.id}`, {
        state: 'ROLLING_BACK',
        actionId: last.actionId,
      });
      try {
        if (!resolved) throw new Error(`plugin "${execution.plugin}" is not loaded`);
        const ctx = actionContext(svc, env, resolved, execution.executionId, [], null, signal, nonceFromJournal(execution, last.actionId));
        ctx.backup = backupHandle(resolved.entry.plugin, manifest, ctx);
        const action = resolved.entry.plugin.actions.find((a) => a.id === last.actionId);
        await rollbackAction(action, ctx);
      } catch (e) {
        await run.journal.record('rollback.failed', `Recovery rollback failed: ${errorMessage(e)}`, { actionId: last.actionId });
        const done = await run.finish('FAILED', `Recovery could not roll back ${last.actionId}: ${errorMessage(e)}. Backup kept at ${manifest.dir}.`, {
          error: { code: isHealerError(e) ? e.code : 'RESTORE_FAILED', message: errorMessage(e) },
        });
        return report(done.state, done.message);
      }
      const attempt = run.attempts.find((a) => a.actionId === last.actionId && !a.verified);
      if (attempt) {
        attempt.rolledBack = true;
        attempt.message = 'interrupted; rolled back by recovery';
      }
      await run.journal.record('rollback.finished', `Rolled back ${last.actionId}`, { actionId: last.actionId });
      await run.journal.record('recovered', `Recovered: ${last.actionId} was interrupted and has been rolled back.`);
      const done = fixed.length
        ? await run.finish('ESCALATED', `Recovered: ${last.actionId} rolled back; ${fixed.join(', ')} had been verified and stays.`)
        : await run.finish('ROLLED_BACK', `Recovered: ${last.actionId} was interrupted mid-heal and has been rolled back.`);
      return report(done.state, done.message);
    },
  );
}

/**
 * Stop the process groups the journal recorded since the interrupted action
 * started (not those of settled actions: a verified restart's app stays up);
 * the reason to leave the execution alone, or null.
 */
async function stopLeftovers(svc: Services, run: ExecutionRun, execution: Execution): Promise<string | null> {
  const from = execution.timeline.findLastIndex((e) => e.type === 'action.started');
  const groups = recordedGroups(execution.timeline.slice(Math.max(0, from)));
  if (groups.length === 0) return null;
  let result;
  try {
    result = await stopProcessGroups(svc.exec, groups);
  } catch (e) {
    result = { stopped: [], left: groups, error: errorMessage(e) };
  }
  if (result.left.length > 0) {
    const where = result.left.map((g) => `${g.pgid} on ${g.host}`).join(', ');
    const why = 'error' in result ? ` (${result.error})` : '';
    await run.journal.record('escalated', `Cannot stop the interrupted run's commands (process groups ${where})${why}: nothing was restored. A person must stop them, then run recover again.`, {
      data: { left: result.left },
    });
    return `Process groups of the interrupted run are still running (${where})${why}; nothing was restored.`;
  }
  if (result.stopped.length > 0) {
    await run.journal.record('processes.stopped', `Stopped the interrupted run's commands (process groups ${result.stopped.join(', ')} on ${svc.exec.host}).`, {
      data: { pgids: result.stopped, host: svc.exec.host },
    });
  }
  return null;
}
