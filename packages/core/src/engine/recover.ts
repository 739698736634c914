/**
 * Recovery: finish what a killed process left half done, from its journal.
 * An action that was being applied (or verified, or rolled back) when the
 * process died is rolled back from its backup; verified fixes stand.
 * @internal
 */
import { errorMessage, isHealerError } from '../errors.js';
import type { ExecutionSummary, LockHandle } from '../contract/state.js';
import type { Execution, TimelineEvent } from '../schemas.js';
import { ExecutionStateSchema, TERMINAL_STATES } from '../schemas.js';
import { MAX_PAGE } from '../state/store-helpers.js';
import { backupHandle, rollbackAction } from './backup-runner.js';
import { ExecutionRun } from './execution-record.js';
import { acquireLease, executionLockKey, isRunningHere, markRunning, markStopped, withAppLock } from './lease.js';
import { actionContext, appFromJournal, makeRunEnv, nonceFromJournal, resolvedFromJournal, type ResolvedApp } from './resolve-app.js';
import { recordedGroups, stopProcessGroups, trackProcessGroups } from './process-groups.js';
import { servicesForHost, type Services } from './services.js';

export interface RecoveryReport {
  executionId: string;
  /** The state recorded for it now, or the reason it was left alone. */
  state: Execution['state'] | 'SKIPPED';
  message: string;
}

/**
 * Recover every unfinished execution whose run is gone: one this process is
 * not running, whose execution lease has expired (no live lease, as the
 * store judges it), and whose app lock can be taken.
 */
export async function recoverExecutions(svc: Services, options: { executionId?: string } = {}): Promise<RecoveryReport[]> {
  const open: Execution[] = [];
  for (const summary of await unfinished(svc)) {
    if (options.executionId && summary.executionId !== options.executionId) continue;
    const execution = await svc.state.getExecution(summary.executionId);
    if (execution && !TERMINAL_STATES.includes(execution.state)) open.push(execution);
  }
  const reports: RecoveryReport[] = [];
  for (const execution of open.reverse()) {
    const id = execution.executionId;
    if (isRunningHere(id)) {
      reports.push({ executionId: id, state: 'SKIPPED', message: 'Still running in this process.' });
      continue;
    }
    // On the execution's own host; one this healer cannot reach is left as it is.
    let scoped: Services;
    try {
      scoped = await servicesForHost(svc, execution.target.host);
    } catch (e) {
      reports.push({ executionId: id, state: 'SKIPPED', message: `${errorMessage(e)} Nothing was changed.` });
      continue;
    }
    const lease = await acquireLease(svc, executionLockKey(id), `recover ${id}`);
    if (!lease) {
      reports.push({ executionId: id, state: 'SKIPPED', message: `Still running: ${holderText(await svc.state.getLock(executionLockKey(id)))}.` });
      continue;
    }
    markRunning(id);
    try {
      // Read again under the lease: the run may have ended between the listing and now.
      const current = await svc.state.getExecution(id);
      if (!current || TERMINAL_STATES.includes(current.state) || current.state === 'QUEUED') continue;
      reports.push(await recoverOne(scoped, ExecutionRun.resume(scoped, current, lease), current));
    } finally {
      markStopped(id);
      await lease.release();
    }
  }
  return reports;
}

/** Recover an execution this process runs, after an unexpected error (it holds the execution lease already). */
export async function recoverOwn(svc: Services, run: ExecutionRun): Promise<RecoveryReport | null> {
  // `svc` is the heal's own, scoped to its host already.
  const current = await svc.state.getExecution(run.id);
  if (!current || TERMINAL_STATES.includes(current.state)) return null;
  return recoverOne(svc, ExecutionRun.resume(svc, current, run.lease), current);
}

function holderText(holder: LockHandle | null): string {
  if (!holder) return 'its lease was just taken';
  return `pid ${holder.owner.pid} on ${holder.owner.hostname} holds its lease until ${holder.expiresAt}`;
}

/**
 * Every execution not in a terminal state, newest first, across all pages;
 * not QUEUED ones: they never started, changed nothing and have no lease, and
 * whoever queued them (a server's queue) runs or cancels them.
 */
async function unfinished(svc: Services): Promise<ExecutionSummary[]> {
  const states = ExecutionStateSchema.options.filter((s) => !TERMINAL_STATES.includes(s) && s !== 'QUEUED');
  const all: ExecutionSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await svc.state.listExecutions({ states, limit: MAX_PAGE, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
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

async function recoverOne(svc: Services, run: ExecutionRun, execution: Execution): Promise<RecoveryReport> {
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
    async (holder) => report('SKIPPED', `The application is locked (${holderText(holder)}); try again later.`),
    (lock) => run.underLock(lock, async () => {
      const signal = AbortSignal.any([run.lease.signal, lock.signal]);
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
        ? await resolvedFromJournal(svc, target, app, entry)
        : null;
      await run.journal.record('rollback.started', `Recovering: rolling back ${last.actionId} from backup ${manifest.id}`, {
        state: 'ROLLING_BACK',
        actionId: last.actionId,
      });
      try {
        if (!resolved) throw new Error(`plugin "${execution.plugin}" is not loaded`);
        // Contexts are frozen: the one holding the backup is made once its handle is.
        const nonce = nonceFromJournal(execution, last.actionId);
        const bare = actionContext(svc, env, resolved, execution.executionId, [], null, signal, nonce);
        const ctx = actionContext(svc, env, resolved, execution.executionId, [], backupHandle(resolved.entry.plugin, manifest, bare), signal, nonce);
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
    }),
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
