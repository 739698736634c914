/**
 * Undo a finished heal on request: restore the backups of its applied
 * actions, newest first, as a new execution of kind `rollback`.
 * @internal
 */
import { HealerError, errorMessage, isHealerError, type HealerErrorCode } from '../errors.js';
import type { PluginDefinition } from '../contract/plugin.js';
import type { Execution } from '../schemas.js';
import { driftError } from '../backup/file-backup.js';
import { backupHandle, rollbackAction } from './backup-runner.js';
import { ExecutionRun } from './execution-record.js';
import { withAppLock } from './lease.js';
import { actionContext, appFromJournal, makeRunEnv, nonceFromJournal, resolvedFromJournal } from './resolve-app.js';
import { findStepDrift, leftFromData } from './step-left.js';
import { servicesForHost, type Services } from './services.js';

/** Options of {@link rollbackExecution}. */
export interface RollbackOptions {
  /** Roll back even when what an action left has changed since the heal (drift). Default false. */
  force?: boolean;
}

export async function rollbackExecution(healerSvc: Services, executionId: string, options: RollbackOptions = {}): Promise<Execution> {
  const original = await healerSvc.state.getExecution(executionId);
  if (!original) throw new HealerError('EXECUTION_NOT_FOUND', `No execution ${executionId} in this state store.`);
  const app = appFromJournal(original);
  const applied = original.attempts.filter((a) => a.verified && !a.rolledBack);
  if (!app || applied.length === 0) {
    throw new HealerError('NOTHING_TO_ROLL_BACK', `Execution ${executionId} left no applied change to roll back (state ${original.state}).`);
  }
  const entry = healerSvc.registry.get(original.plugin);
  if (!entry) throw new HealerError('PLUGIN_NOT_FOUND', `Plugin "${original.plugin}" that made execution ${executionId} is not loaded.`);
  const { undoable, kept } = splitUndoable(entry.plugin, applied);
  if (undoable.length === 0) {
    throw new HealerError('NOTHING_TO_ROLL_BACK', `Execution ${executionId} applied only what cannot be undone: ${kept.map((k) => `${k.actionId} (${k.why})`).join('; ')}.`);
  }
  // On the host the heal ran on, whatever the healer's default one (`HOST_UNKNOWN` before anything is written).
  const svc = await servicesForHost(healerSvc, original.target.host);

  const run = await ExecutionRun.start(svc, { kind: 'rollback', target: original.target, mode: original.mode, rollbackOf: executionId });
  try {
    return await rollbackStarted(svc, run, original, options);
  } finally {
    await run.close();
  }
}

async function rollbackStarted(svc: Services, run: ExecutionRun, original: Execution, options: RollbackOptions): Promise<Execution> {
  const executionId = original.executionId;
  const app = appFromJournal(original)!;
  const entry = svc.registry.get(original.plugin)!;
  // What cannot be undone (a killed query) is skipped; the rest is rolled back.
  const { undoable: applied, kept } = splitUndoable(entry.plugin, original.attempts.filter((a) => a.verified && !a.rolledBack));
  await run.update({ appId: app.id, plugin: app.plugin });
  await run.journal.record('execution.started', `Rollback of execution ${executionId}`, { state: 'ROLLING_BACK' });
  await run.journal.record('app.detected', `${app.stack} app at ${app.root}`, { data: { app } });
  return withAppLock(
    svc,
    app.id,
    run.id,
    async () => run.finish('BLOCKED', 'Another run holds this application; try again when it ends.'),
    (lock) => run.underLock(lock, async () => {
      const signal = AbortSignal.any([run.lease.signal, lock.signal]);
      const env = makeRunEnv(svc);
      const resolved = await resolvedFromJournal(svc, original.target, app, entry);
      // Everything checked (backup parts intact, nothing drifted) before the first write.
      const steps = [];
      for (const attempt of [...applied].reverse()) {
        const action = entry.plugin.actions.find((a) => a.id === attempt.actionId);
        const manifest = attempt.backupId ? await svc.state.getBackup(attempt.backupId) : null;
        if (!manifest && !action?.rollback) {
          return run.finish('FAILED', `${attempt.actionId} took no backup and has no rollback: it cannot be undone automatically.`);
        }
        // The action sees the execution it ran in: what it kept aside is named after that one.
        const nonce = nonceFromJournal(original, attempt.actionId);
        const bare = actionContext(svc, env, resolved, executionId, [], null, signal, nonce);
        const handle = manifest ? backupHandle(entry.plugin, manifest, bare, { force: options.force === true }) : null;
        const ctx = actionContext(svc, env, resolved, executionId, [], handle, signal, nonce);
        steps.push({ attempt, action, manifest, ctx, handle });
      }
      const operations = entry.plugin.operations ?? [];
      for (const { attempt, handle, ctx } of steps) {
        try {
          await handle?.check();
          if (options.force !== true) {
            const fixed = original.timeline.findLast((e) => e.type === 'action.fixed' && e.actionId === attempt.actionId);
            const drift = await findStepDrift(ctx, leftFromData(fixed?.data), operations);
            if (drift.length > 0) throw driftError(attempt.backupId ?? attempt.actionId, drift);
          }
        } catch (e) {
          await Promise.all(steps.map((s) => s.handle?.release()));
          return refuse(run, attempt.actionId, e);
        }
      }
      for (const { attempt, action, manifest, ctx } of steps) {
        await run.journal.record('rollback.started', `Rolling back ${attempt.actionId}`, { actionId: attempt.actionId });
        try {
          await rollbackAction(action, ctx);
        } catch (e) {
          await Promise.all(steps.map((s) => s.handle?.release()));
          if (isHealerError(e) && REFUSALS.has(e.code)) return refuse(run, attempt.actionId, e);
          await run.journal.record('rollback.failed', errorMessage(e), { actionId: attempt.actionId });
          return run.finish('FAILED', `Rolling back ${attempt.actionId} failed: ${errorMessage(e)}`, { error: { code: 'RESTORE_FAILED', message: errorMessage(e) } });
        }
        run.attempts.push({ ...attempt, verified: true, rolledBack: true, message: `rolled back from ${manifest?.id ?? 'its own rollback'}` });
        await run.journal.record('rollback.finished', `Rolled back ${attempt.actionId}`, { actionId: attempt.actionId });
      }
      // An action whose own rollback did not need its backup leaves the staged copy unused.
      await Promise.all(steps.map((s) => s.handle?.release()));
      for (const a of original.attempts) if (applied.includes(a)) a.rolledBack = true;
      // Under this run's app lock fence: the original belongs to the same app.
      await svc.state.updateExecution(executionId, { attempts: original.attempts }, run.fence);
      const left = kept.length > 0 ? ` Left as they are, as they cannot be undone: ${kept.map((k) => `${k.actionId} (${k.why})`).join('; ')}.` : '';
      return run.finish('ROLLED_BACK', `Rolled back ${applied.map((a) => a.actionId).join(', ')} of execution ${executionId}.${left}`);
    }),
  );
}

/** The applied attempts a rollback undoes, and those it leaves because their action cannot be undone (`irreversible`). */
function splitUndoable<A extends { actionId: string }>(plugin: PluginDefinition, applied: readonly A[]): { undoable: A[]; kept: Array<{ actionId: string; why: string }> } {
  const undoable: A[] = [];
  const kept: Array<{ actionId: string; why: string }> = [];
  for (const a of applied) {
    const why = plugin.actions.find((x) => x.id === a.actionId)?.irreversible;
    if (why === undefined) undoable.push(a);
    else kept.push({ actionId: a.actionId, why });
  }
  return { undoable, kept };
}

/** Errors raised before anything was written: the rollback was refused, the app is as it was. */
const REFUSALS: ReadonlySet<HealerErrorCode> = new Set(['BACKUP_TAMPERED', 'ROLLBACK_DRIFT', 'BACKUP_NOT_FOUND']);

async function refuse(run: ExecutionRun, actionId: string, e: unknown): Promise<Execution> {
  const code: HealerErrorCode = isHealerError(e) ? e.code : 'RESTORE_FAILED';
  const message = errorMessage(e);
  await run.journal.record('rollback.failed', message, { actionId, data: { code, ...(isHealerError(e) ? { details: e.details } : {}) } });
  return run.finish('FAILED', `Rollback refused: ${message}`, { error: { code, message } });
}
