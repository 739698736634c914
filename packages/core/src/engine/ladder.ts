/**
 * The escalation ladder of one heal: per action, lowest risk first, the
 * action's breaker allows? -> backup -> apply -> verify; verified -> fixed
 * (stop climbing); not verified -> rollback -> next rung. Every step is
 * journaled before it runs.
 * @internal
 */
import { randomBytes } from 'node:crypto';
import type { ActionContext, HealingAction, Mode } from '../contract/plugin.js';
import { errorMessage } from '../errors.js';
import type { CheckResultEntry, Diagnosis, Execution, PlannedAction } from '../schemas.js';
import { applySteps } from './apply-steps.js';
import { needsBackup, recordLeft, rollbackAction, takeBackup } from './backup-runner.js';
import type { BreakerDecision } from './breaker.js';
import type { RunEnv } from './context.js';
import { diagnoseApp } from './diagnose.js';
import type { ExecutionRun } from './execution-record.js';
import { healableResults, type PlanWithSteps } from './planner.js';
import { actionContext, makeRunEnv, resolveApp, type ResolvedApp } from './resolve-app.js';
import type { Services } from './services.js';

export class Ladder {
  readonly #unresolved: Set<string>;
  readonly #blocked: BreakerDecision[] = [];
  #current: Diagnosis;

  constructor(
    private readonly svc: Services,
    private readonly env: RunEnv,
    private readonly resolved: ResolvedApp,
    private readonly run: ExecutionRun,
    private readonly planned: PlanWithSteps,
    diagnosis: Diagnosis,
    private readonly signal: AbortSignal,
    private readonly mode: Mode,
  ) {
    this.#current = diagnosis;
    this.#unresolved = new Set(healableResults(diagnosis.results).map((r) => r.id));
  }

  async climb(rungs: PlannedAction[]): Promise<Execution> {
    const appId = this.resolved.app.id;
    const max = this.svc.settings.maxAttemptsPerExecution;
    const targeted = new Set(rungs.flatMap((r) => r.fixes));
    for (const rung of rungs) {
      if (!rung.fixes.some((id) => this.#unresolved.has(id))) {
        await this.run.journal.record('action.skipped', `${rung.actionId}: what it fixes is already fixed.`, { actionId: rung.actionId });
        continue;
      }
      if (this.run.attempts.length >= max) {
        await this.run.journal.record('action.skipped', `${rung.actionId}: the limit of ${max} actions per execution is reached.`, { actionId: rung.actionId });
        continue;
      }
      const decision = await this.svc.breaker.checkAction(appId, rung.actionId);
      if (!decision.allowed) {
        this.#blocked.push(decision);
        await this.run.journal.record('action.skipped', `${rung.actionId}: ${decision.reason}`, { actionId: rung.actionId });
        continue;
      }
      // The heal counts against the app's limit once it really tries something.
      if (this.run.attempts.length === 0) await this.svc.breaker.recordAttempt(appId);
      const outcome = await this.#tryRung(rung);
      if (outcome === 'rollback-failed') {
        await this.svc.breaker.recordFailure(appId, undefined, { mode: this.mode });
        await this.run.journal.record('escalated', 'A rollback failed: a person must look at this application now.');
        const last = this.run.attempts.at(-1);
        return this.run.finish('FAILED', `Rolling back ${last?.actionId} failed: ${last?.message ?? ''}. The application may be left changed; its backup is kept.`, {
          error: { code: 'RESTORE_FAILED', message: last?.message ?? 'rollback failed' },
        });
      }
      if (outcome === 'cannot-roll-back') {
        // Nothing to restore and nothing failed to restore: the state after the change is for a person to judge.
        await this.svc.breaker.recordFailure(appId, undefined, { mode: this.mode });
        const last = this.run.attempts.at(-1);
        await this.run.journal.record('escalated', `${last?.actionId} did not help and cannot be rolled back: a person is needed.`, { actionId: last?.actionId });
        return this.run.finish('ESCALATED', `${last?.actionId} did not fix ${rung.fixes.join(', ')} (${last?.message ?? ''}); it has no rollback and took no backup, so nothing was rolled back: a person is needed.`);
      }
      if ([...targeted].every((id) => !this.#unresolved.has(id))) break;
    }
    if (this.run.attempts.length === 0 && this.#blocked.length > 0) {
      const next = this.#blocked.map((d) => d.nextAttemptAt!).sort()[0]!;
      const reason = this.#blocked.map((d) => d.reason).join(' ');
      return this.run.finish('BLOCKED', `Every action that could help is blocked by its circuit breaker. ${reason}`, {
        nextAttemptAt: next,
        error: { code: 'CIRCUIT_OPEN', message: reason },
      });
    }
    const fixed = this.run.attempts.filter((a) => a.verified).map((a) => a.actionId);
    const left = [...targeted].filter((id) => this.#unresolved.has(id));
    const notTargeted = [...this.#unresolved].filter((id) => !targeted.has(id));
    if (left.length === 0) {
      await this.svc.breaker.recordSuccess(appId);
      const also = notTargeted.length ? ` Still failing, needing approval or a person: ${notTargeted.join(', ')}.` : '';
      return this.run.finish('FIXED', `Fixed by ${fixed.join(', ')}.${also}`);
    }
    await this.svc.breaker.recordFailure(appId, undefined, { mode: this.mode });
    const tried = this.run.attempts.map((a) => a.actionId).join(', ') || 'nothing';
    await this.run.journal.record('escalated', `Still failing after ${tried}: ${left.join(', ')}. A person is needed.`);
    if (fixed.length === 0) {
      return this.run.finish('ROLLED_BACK', `No action fixed ${left.join(', ')}; every change was rolled back (tried ${tried}).`);
    }
    return this.run.finish('ESCALATED', `Fixed by ${fixed.join(', ')}, but ${left.join(', ')} still failing.`);
  }

  /** One rung: backup -> apply -> verify -> (rollback). */
  async #tryRung(rung: PlannedAction): Promise<'fixed' | 'rolled-back' | 'skipped' | 'rollback-failed' | 'cannot-roll-back'> {
    const { svc, run, resolved } = this;
    const appId = resolved.app.id;
    const action = resolved.entry.plugin.actions.find((a) => a.id === rung.actionId)!;
    const steps = this.planned.steps.get(rung.actionId) ?? [];
    const results = this.#current.results.filter((r) => rung.fixes.includes(r.id));
    const ctx = actionContext(svc, this.env, resolved, run.id, results, null, this.signal, rung.nonce);

    await run.journal.record('action.started', `${action.title} (${action.risk} risk)`, {
      actionId: action.id,
      data: { risk: action.risk, fixes: rung.fixes, steps: rung.steps, ...(rung.nonce ? { nonce: rung.nonce } : {}) },
    });
    await svc.breaker.recordAttempt(appId, action.id);
    const attempt = { actionId: action.id, risk: action.risk, backupId: null as string | null, verified: false, rolledBack: false, message: '' };
    run.attempts.push(attempt);
    await run.saveAttempts();

    if (needsBackup(action)) {
      const backupId = `bk_${svc.now().getTime().toString(36)}_${randomBytes(4).toString('hex')}`;
      const backupRoot = this.env.backupRootFor(resolved.app.root);
      await run.journal.record('backup.started', `Backing up before ${action.id}`, {
        state: 'BACKING_UP',
        actionId: action.id,
        data: { backupId, dir: `${backupRoot}/${run.id}/${backupId}` },
      });
      try {
        ctx.backup = await takeBackup({ state: svc.state, backupRoot, retentionMs: svc.settings.retentionMs, now: () => svc.now() }, resolved.entry.plugin, action, ctx, backupId);
      } catch (e) {
        attempt.message = `Backup failed, so nothing was changed: ${errorMessage(e)}`;
        await run.saveAttempts();
        await run.journal.record('action.skipped', attempt.message, { actionId: action.id });
        return 'skipped';
      }
      attempt.backupId = ctx.backup.manifest.id;
      await run.saveAttempts();
      await run.journal.record('backup.created', `Backup ${attempt.backupId} taken`, {
        actionId: action.id,
        data: { backupId: attempt.backupId, dir: ctx.backup.manifest.dir, files: ctx.backup.manifest.files.length },
      });
    }

    let verified = false;
    let why = '';
    await run.journal.record('apply.started', `Applying ${action.id}`, { state: 'APPLYING', actionId: action.id, data: { steps: rung.steps } });
    try {
      await (action.apply ? action.apply(ctx, steps) : applySteps(ctx, steps));
      const appliedAt = svc.now();
      await run.journal.record('apply.finished', `Applied ${action.id}`, { actionId: action.id });
      await run.journal.record('verify.started', `Verifying ${action.id}`, { state: 'VERIFYING', actionId: action.id });
      ({ verified, why } = await this.#verify(action, ctx, rung, appliedAt));
    } catch (e) {
      why = `apply failed: ${errorMessage(e)}`;
    }
    await run.journal.record('verify.result', verified ? 'Verified' : `Not verified: ${why}`, {
      actionId: action.id,
      data: { verified, reason: why },
    });

    if (verified) {
      // What the action left: a later rollback refuses when it drifted, and restores only what changed.
      await recordLeft(svc.state, resolved.entry.plugin, ctx, svc.now());
      attempt.verified = true;
      attempt.message = 'verified';
      await run.saveAttempts();
      await svc.breaker.recordSuccess(appId, action.id);
      await run.journal.record('action.fixed', `${action.id} fixed ${rung.fixes.join(', ')}`, { actionId: action.id });
      return 'fixed';
    }

    if (!action.rollback && !ctx.backup) {
      attempt.message = why;
      await run.saveAttempts();
      await svc.breaker.recordFailure(appId, action.id);
      return 'cannot-roll-back';
    }
    await run.journal.record('rollback.started', `Rolling back ${action.id}: ${why}`, { state: 'ROLLING_BACK', actionId: action.id });
    try {
      await rollbackAction(action, ctx);
    } catch (e) {
      attempt.message = `${why}; rollback failed: ${errorMessage(e)}`;
      await run.saveAttempts();
      await run.journal.record('rollback.failed', attempt.message, { actionId: action.id });
      return 'rollback-failed';
    }
    attempt.rolledBack = true;
    attempt.message = why;
    await run.saveAttempts();
    await svc.breaker.recordFailure(appId, action.id);
    await run.journal.record('rollback.finished', `Rolled back ${action.id}`, { actionId: action.id });
    return 'rolled-back';
  }

  /**
   * Detect the app again and re-run every check (fresh facts, `since` = the end of the apply): the
   * targeted ones must now pass, nothing that did not fail before may fail
   * now, and the action's own verify() must agree.
   */
  async #verify(action: HealingAction, ctx: ActionContext, rung: PlannedAction, appliedAt: Date): Promise<{ verified: boolean; why: string }> {
    // Log-reading checks look only at what was written after the change.
    // Detect again: what detection read (config constants, versions) may be what the action changed.
    const env = makeRunEnv(this.svc);
    let current: ResolvedApp;
    try {
      // The address found before the change stays the one verified: it is not looked up again.
      const { url, urlSource } = this.resolved.settings;
      current = await resolveApp(this.svc, env, this.resolved.target, { plugin: this.resolved.entry.plugin.name, signal: this.signal, address: { url, urlSource } });
    } catch (e) {
      return { verified: false, why: `the application is no longer recognized: ${errorMessage(e)}` };
    }
    const after = await diagnoseApp(this.svc, env, current, { signal: this.signal, since: appliedAt });
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
