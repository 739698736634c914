/**
 * The escalation ladder of one heal: per action, lowest risk first, the
 * action's breaker allows? -> replan check -> backup -> apply -> settle ->
 * verify; verified -> fixed (stop climbing); not verified -> rollback -> next
 * rung. Every step is journaled (by the {@link HealRecorder}) before it runs.
 * @internal
 */
import { randomBytes } from 'node:crypto';
import type { ActionContext, BackupHandle, HealingAction } from '../contract/plugin.js';
import { errorMessage } from '../errors.js';
import type { CheckResultEntry, Diagnosis, Execution, PlannedAction } from '../schemas.js';
import { applySteps } from './apply-steps.js';
import { needsBackup, recordLeft, rollbackAction, takeBackup } from './backup-runner.js';
import type { BreakerDecision } from './breaker.js';
import type { RunEnv } from './context.js';
import { diagnoseApp } from './diagnose.js';
import { HealRecorder } from './heal-recorder.js';
import type { PlannedHeal } from './heal-run.js';
import { describeStep, healableResults } from './planner.js';
import { trackProcessGroups } from './process-groups.js';
import { actionContext, makeRunEnv, planContext, resolveApp, type ResolvedApp } from './resolve-app.js';
import { readLeft } from './step-left.js';

export class Ladder {
  readonly #unresolved: Set<string>;
  readonly #blocked: BreakerDecision[] = [];
  readonly #record: HealRecorder;
  /** Every command of the ladder (apply, backup, rollback) journals its process group, for recovery. */
  readonly #env: RunEnv;
  #current: Diagnosis;

  constructor(private readonly heal: PlannedHeal) {
    this.#current = heal.diagnosis;
    this.#unresolved = new Set(healableResults(heal.diagnosis.results).map((r) => r.id));
    this.#record = new HealRecorder(heal.run, heal.svc.breaker, heal.resolved.app.id, heal.requested);
    this.#env = trackProcessGroups(heal.env, heal.run.journal);
  }

  async climb(rungs: PlannedAction[]): Promise<Execution> {
    const { svc, run } = this.heal;
    const appId = this.heal.resolved.app.id;
    const max = svc.settings.maxAttemptsPerExecution;
    const targeted = new Set(rungs.flatMap((r) => r.fixes));
    for (const rung of rungs) {
      if (!rung.fixes.some((id) => this.#unresolved.has(id))) {
        await this.#record.skipped(rung.actionId, `${rung.actionId}: what it fixes is already fixed.`);
        continue;
      }
      if (run.attempts.length >= max) {
        await this.#record.skipped(rung.actionId, `${rung.actionId}: the limit of ${max} actions per execution is reached.`);
        continue;
      }
      const decision = await svc.breaker.checkAction(appId, rung.actionId);
      if (!decision.allowed) {
        this.#blocked.push(decision);
        await this.#record.skipped(rung.actionId, `${rung.actionId}: ${decision.reason}`);
        continue;
      }
      const outcome = await this.#tryRung(rung);
      if (outcome === 'rollback-failed') {
        await this.#record.escalated('A rollback failed: a person must look at this application now.');
        const last = run.attempts.at(-1);
        return run.finish('FAILED', `Rolling back ${last?.actionId} failed: ${last?.message ?? ''}. The application may be left changed; its backup is kept.`, {
          error: { code: 'RESTORE_FAILED', message: last?.message ?? 'rollback failed' },
        });
      }
      if (outcome === 'cannot-roll-back') {
        // Nothing to restore and nothing failed to restore: the state after the change is for a person to judge.
        const last = run.attempts.at(-1);
        const irreversible = this.heal.resolved.entry.plugin.actions.find((a) => a.id === last?.actionId)?.irreversible;
        await this.#record.escalated(`${last?.actionId} did not help and cannot be rolled back: a person is needed.`, last?.actionId);
        const why = irreversible ?? 'it has no rollback and took no backup';
        return run.finish('ESCALATED', `${last?.actionId} did not fix ${rung.fixes.join(', ')} (${last?.message ?? ''}); ${why}, so nothing was rolled back: a person is needed.`);
      }
      if ([...targeted].every((id) => !this.#unresolved.has(id))) break;
    }
    if (run.attempts.length === 0 && this.#blocked.length > 0) {
      const next = this.#blocked.map((d) => d.nextAttemptAt!).sort()[0]!;
      const reason = this.#blocked.map((d) => d.reason).join(' ');
      return run.finish('BLOCKED', `Every action that could help is blocked by its circuit breaker. ${reason}`, {
        nextAttemptAt: next,
        error: { code: 'CIRCUIT_OPEN', message: reason },
      });
    }
    const fixed = run.attempts.filter((a) => a.verified).map((a) => a.actionId);
    const left = [...targeted].filter((id) => this.#unresolved.has(id));
    const notTargeted = [...this.#unresolved].filter((id) => !targeted.has(id));
    if (left.length === 0) {
      await this.#record.healed();
      const also = notTargeted.length ? ` Still failing, needing approval or a person: ${notTargeted.join(', ')}.` : '';
      return run.finish('FIXED', `Fixed by ${fixed.join(', ')}.${also}`);
    }
    const tried = run.attempts.map((a) => a.actionId).join(', ') || 'nothing';
    await this.#record.escalated(`Still failing after ${tried}: ${left.join(', ')}. A person is needed.`);
    if (fixed.length === 0) {
      return run.finish('ROLLED_BACK', `No action fixed ${left.join(', ')}; every change was rolled back (tried ${tried}).`);
    }
    return run.finish('ESCALATED', `Fixed by ${fixed.join(', ')}, but ${left.join(', ')} still failing.`);
  }

  /** One rung: replan check -> backup -> apply -> settle -> verify -> (rollback). */
  async #tryRung(rung: PlannedAction): Promise<'fixed' | 'rolled-back' | 'skipped' | 'rollback-failed' | 'cannot-roll-back'> {
    const { svc, run, resolved, signal } = this.heal;
    const action = resolved.entry.plugin.actions.find((a) => a.id === rung.actionId)!;
    const steps = this.heal.planned.steps.get(rung.actionId) ?? [];
    const results = this.#current.results.filter((r) => rung.fixes.includes(r.id));
    const operations = resolved.entry.plugin.operations ?? [];
    const contextWith = (backup: BackupHandle | null): ActionContext =>
      actionContext(svc, this.#env, resolved, run.id, results, backup, signal, rung.nonce);

    const record = await this.#record.started(action, rung);
    // Before the first write: the action planned again must give the same steps (the app may have changed since the
    // plan). Before the backup, not after: a backup only reads, yet a read can change what a plan reads (a dump makes
    // MariaDB recover a crashed MyISAM table), and a refused change then leaves no backup behind.
    const changed = await this.#replan(action, rung, results);
    if (changed) {
      await record.skipped(changed, { code: 'PLAN_DRIFT' });
      return 'skipped';
    }
    let backup: BackupHandle | null = null;
    if (needsBackup(action)) {
      const backupId = `bk_${svc.now().getTime().toString(36)}_${randomBytes(4).toString('hex')}`;
      const backupRoot = this.#env.backupRootFor(resolved.app.root);
      await record.backupStarted(backupId, `${backupRoot}/${run.id}/${backupId}`);
      try {
        backup = await takeBackup({ state: svc.state, backupRoot, retentionMs: svc.settings.retentionMs, now: () => svc.now() }, resolved.entry.plugin, action, contextWith(null), backupId);
      } catch (e) {
        await record.skipped(`Backup failed, so nothing was changed: ${errorMessage(e)}`);
        return 'skipped';
      }
      await record.backupTaken(backup.manifest);
    }
    const ctx = contextWith(backup);


    let verified = false;
    let why = '';
    await record.applying(rung.steps);
    try {
      await (action.apply ? action.apply(ctx, steps) : applySteps(ctx, steps, operations));
    } catch (e) {
      why = `apply failed: ${errorMessage(e)}`;
    }
    if (!why && action.settle) {
      try {
        await action.settle(ctx);
      } catch (e) {
        why = `the app did not settle after the change: ${errorMessage(e)}`;
      }
    }
    if (!why) {
      try {
        const appliedAt = svc.now();
        await record.applied();
        await record.verifying();
        ({ verified, why } = await this.#verify(action, ctx, rung, appliedAt));
      } catch (e) {
        why = `verification failed: ${errorMessage(e)}`;
      }
    }
    await record.verifyResult(verified, why);

    if (verified) {
      // What the action left: a later rollback refuses when it drifted, and restores only what changed.
      await recordLeft(svc.state, resolved.entry.plugin, ctx, svc.now());
      await record.fixed(rung.fixes, await readLeft(ctx, steps, operations));
      return 'fixed';
    }

    if (action.irreversible !== undefined || (!action.rollback && !ctx.backup)) {
      await record.cannotRollBack(action.irreversible !== undefined ? `${why}; nothing rolled back: ${action.irreversible}` : why);
      return 'cannot-roll-back';
    }
    await record.rollingBack(why);
    try {
      await rollbackAction(action, ctx);
    } catch (e) {
      await record.rollbackFailed(`${why}; rollback failed: ${errorMessage(e)}`);
      return 'rollback-failed';
    }
    await record.rolledBack(why);
    return 'rolled-back';
  }

  /**
   * Plan the action again from the app as it is now (fresh facts, the same
   * nonce): null when it gives the planned steps, else why nothing may run.
   */
  async #replan(action: HealingAction, rung: PlannedAction, results: CheckResultEntry[]): Promise<string | null> {
    const { svc, resolved, run, signal } = this.heal;
    const ctx = planContext(makeRunEnv(svc), resolved, results, rung.nonce ?? run.id, signal);
    const operations = resolved.entry.plugin.operations ?? [];
    const redact = (t: string): string => svc.redactor.redact(t);
    let now: string[];
    try {
      const ok = action.preconditions ? await action.preconditions(ctx) : true;
      if (ok !== true) return `${action.id} no longer applies, so nothing was changed: ${ok}`;
      now = (await action.plan(ctx)).map((s) => describeStep(s, redact, operations).display);
    } catch (e) {
      return `${action.id} could not be planned again before applying, so nothing was changed: ${errorMessage(e)}`;
    }
    const planned = rung.steps.map((s) => s.display);
    if (planned.length === now.length && planned.every((line, i) => line === now[i])) return null;
    return `${action.id}: the application changed since the plan was made, so nothing was changed (planned: ${planned.join('; ')} | now: ${now.join('; ')})`;
  }

  /**
   * Detect the app again and re-run every check (fresh facts, `since` = the end of the apply): the
   * targeted ones must now pass, nothing that did not fail before may fail
   * now, and the action's own verify() must agree.
   */
  async #verify(action: HealingAction, ctx: ActionContext, rung: PlannedAction, appliedAt: Date): Promise<{ verified: boolean; why: string }> {
    // Log-reading checks look only at what was written after the change.
    // Detect again: what detection read (config constants, versions) may be what the action changed.
    const { svc, resolved, signal } = this.heal;
    const env = makeRunEnv(svc);
    let current: ResolvedApp;
    try {
      // The address found before the change stays the one verified: it is not looked up again.
      const { url, urlSource } = resolved.settings;
      current = await resolveApp(svc, env, resolved.target, { plugin: resolved.entry.plugin.name, signal, address: { url, urlSource } });
    } catch (e) {
      return { verified: false, why: `the application is no longer recognized: ${errorMessage(e)}` };
    }
    const after = await diagnoseApp(svc, env, current, { signal, since: appliedAt });
    const before = new Map(this.#current.results.map((r) => [r.id, r]));
    const still = rung.fixes.filter((id) => {
      const r = after.results.find((x) => x.id === id);
      // A targeted check that no longer runs proves nothing: not verified.
      return r === undefined || !isHealthy(r);
    });
    const broke = after.results
      .filter((r) => {
        const was = before.get(r.id)?.status;
        if (r.status === 'fail') return was !== 'fail';
        // The site answered before: an answer check that can no longer tell is no proof it still does.
        return r.category === 'availability' && was === 'pass' && (r.status === 'skip' || r.status === 'error') && typeof before.get(r.id)?.details['url'] === 'string';
      })
      .map((r) => r.id);
    let extra: { ok: boolean; message: string } = { ok: true, message: '' };
    if (action.verify) {
      const v = await action.verify(ctx);
      extra = typeof v === 'boolean' ? { ok: v, message: v ? '' : `${action.id} verify() said no` } : v;
    }
    const problems = [
      ...(still.length ? [`still failing: ${still.join(', ')}`] : []),
      ...(broke.length ? [`newly failing: ${broke.join(', ')}`] : []),
      ...(extra.ok ? [] : [extra.message]),
    ];
    if (problems.length === 0) {
      this.#current = after;
      for (const r of after.results) if (isHealthy(r)) this.#unresolved.delete(r.id);
      return { verified: true, why: '' };
    }
    return { verified: false, why: problems.join('; ') };
  }
}

function isHealthy(r: CheckResultEntry): boolean {
  return r.status === 'pass' || r.status === 'skip' || (r.status === 'warn' && r.fixes.length === 0);
}
