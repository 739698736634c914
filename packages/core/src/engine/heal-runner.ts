/**
 * The healing runner: the escalation ladder. Per action, lowest risk first:
 * breaker allows? -> backup -> apply -> verify; verified -> fixed (stop
 * climbing); not verified -> rollback -> next rung. Every step is journaled
 * before it runs.
 * @internal
 */
import { randomBytes } from 'node:crypto';
import type { ActionContext, HealingAction, Mode, ModeInput, Target } from '../contract/plugin.js';
import { HealerError, errorMessage, isHealerError } from '../errors.js';
import type { CheckResultEntry, Diagnosis, Execution, Plan, PlannedAction } from '../schemas.js';
import { applySteps } from './apply-steps.js';
import { needsBackup, rollbackAction, takeBackup } from './backup-runner.js';
import type { RunEnv } from './context.js';
import { runDiagnosis } from './diagnose.js';
import { ExecutionRun, withAppLock } from './execution-record.js';
import { normalizeMode, RISK_ORDER } from './modes.js';
import { recoverExecutions } from './recover.js';
import { healableResults, planHealing, type PlanWithSteps } from './planner.js';
import { actionContext, makeRunEnv, resolveApp, type ResolvedApp } from './resolve-app.js';
import type { Services } from './services.js';
import type { BreakerDecision } from './breaker.js';

/** Approval of actions that need one, bound to the plan it was given for. */
export interface Approval {
  /** Action ids approved one by one (the only way to approve a critical action). */
  actions?: string[];
  /** Approve every action that needs approval, except critical ones. */
  all?: boolean;
  /** The plan hash the approval was given for; a different plan voids it. */
  planHash?: string;
  /** The target fingerprint the approval was given for; drift voids it. */
  fingerprint?: string;
}

export interface HealRequest {
  target: Target;
  mode?: ModeInput;
  /** Skip detection and use this plugin. */
  plugin?: string;
  approve?: Approval;
  /** Look at log entries newer than this. */
  since?: Date;
  signal?: AbortSignal;
}

export interface HealOutcome {
  execution: Execution;
  diagnosis: Diagnosis | null;
  plan: Plan | null;
}

/** Which planned actions run: auto ones plus approved ones, lowest risk first. Throws when an approval is stale or names an unknown action. */
export function selectRungs(plan: Plan, approve: Approval | undefined): PlannedAction[] {
  if (approve?.planHash && approve.planHash !== plan.planHash) {
    throw new HealerError(
      'APPROVAL_STALE',
      `The approval was given for plan ${approve.planHash.slice(0, 12)}, but the plan is now ${plan.planHash.slice(0, 12)}: the actions or their steps changed. Review the new plan and approve again.`,
    );
  }
  if (approve?.fingerprint && approve.fingerprint !== plan.fingerprint) {
    throw new HealerError(
      'APPROVAL_STALE',
      'The application changed since the plan was approved (its failing checks differ). Review the new plan and approve again.',
    );
  }
  const known = new Map([...plan.autoHeal, ...plan.requireApproval].map((a) => [a.actionId, a]));
  for (const id of approve?.actions ?? []) {
    if (!known.has(id)) {
      throw new HealerError(
        'APPROVAL_INVALID',
        `Cannot approve "${id}": it is not part of this plan (planned: ${[...known.keys()].join(', ') || 'nothing'}).`,
      );
    }
  }
  const approved = plan.requireApproval.filter(
    (a) => approve?.actions?.includes(a.actionId) || (approve?.all === true && !a.explicitApproval),
  );
  return [...plan.autoHeal, ...approved].sort((a, b) => RISK_ORDER[a.risk] - RISK_ORDER[b.risk]);
}

/** Diagnose and plan for a resolved app (shared by plan() and heal()). */
export async function diagnoseAndPlan(
  svc: Services,
  env: RunEnv,
  resolved: ResolvedApp,
  mode: ReturnType<typeof normalizeMode>,
  executionId: string,
  options: { since?: Date; signal?: AbortSignal } = {},
): Promise<{ diagnosis: Diagnosis; planned: PlanWithSteps }> {
  const diagnosis = await diagnose(svc, env, resolved, options);
  const planned = await planHealing({
    diagnosis,
    app: resolved.app,
    mode,
    actions: resolved.entry.plugin.actions,
    context: (_action, results) => actionContext(svc, env, resolved, executionId, results, null, options.signal),
    redact: (t) => svc.redactor.redact(t),
    now: () => svc.now(),
  });
  return { diagnosis, planned };
}

export function diagnose(svc: Services, env: RunEnv, resolved: ResolvedApp, options: { since?: Date; signal?: AbortSignal } = {}): Promise<Diagnosis> {
  return runDiagnosis(env, resolved.entry, resolved.app, resolved.target, {
    settings: resolved.settings,
    includeShared: svc.settings.sharedChecks,
    concurrency: svc.settings.checkConcurrency,
    timeoutMs: svc.settings.checkTimeoutMs,
    ...(options.since ? { since: options.since } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

export async function runHeal(svc: Services, req: HealRequest): Promise<HealOutcome> {
  const requested = normalizeMode(req.mode ?? svc.settings.mode);
  const run = await ExecutionRun.start(svc, { kind: 'heal', target: req.target, mode: requested });
  const env = makeRunEnv(svc);
  let diagnosis: Diagnosis | null = null;
  let plan: Plan | null = null;
  const done = (execution: Execution): HealOutcome => ({ execution, diagnosis, plan });

  await run.journal.record('execution.started', `Heal of ${req.target.path} on ${req.target.host}`, { state: 'DETECTING' });
  let resolved: ResolvedApp;
  try {
    resolved = await resolveApp(svc, env, req.target, { ...(req.plugin ? { plugin: req.plugin } : {}), ...(req.signal ? { signal: req.signal } : {}) });
  } catch (e) {
    return done(await run.finish('FAILED', errorMessage(e), { error: codeOf(e) }));
  }
  const { app } = resolved;
  await run.update({ appId: app.id, plugin: app.plugin, target: { ...req.target, path: app.root } });
  await run.journal.record('app.detected', `${app.stack} ${app.version ?? ''} detected by ${app.plugin}`.replace('  ', ' '), { data: { app } });

  try {
    return await healLocked(svc, req, run, env, resolved, requested, done, (d, p) => {
      diagnosis = d;
      plan = p;
    });
  } catch (e) {
    // An unexpected error (state store, plugin bug outside a step) must not
    // leave a half-applied change: recover this execution from its journal.
    svc.logger.error('heal failed unexpectedly; recovering from the journal', { executionId: run.id, error: errorMessage(e) });
    await recoverExecutions(svc, { executionId: run.id });
    const execution = await svc.state.getExecution(run.id);
    if (execution && execution.state !== 'FAILED') {
      await svc.state.updateExecution(run.id, { message: `${execution.message} (after an internal error: ${errorMessage(e)})` });
    }
    return done((await svc.state.getExecution(run.id))!);
  }
}

async function healLocked(
  svc: Services,
  req: HealRequest,
  run: ExecutionRun,
  env: RunEnv,
  resolved: ResolvedApp,
  requested: Mode,
  done: (execution: Execution) => HealOutcome,
  report: (diagnosis: Diagnosis, plan: Plan) => void,
): Promise<HealOutcome> {
  const { app } = resolved;
  return withAppLock(
    svc,
    app.id,
    run.id,
    async (holder) => {
      const who = holder ? ` (held by pid ${holder.owner.pid} on ${holder.owner.hostname} for ${holder.owner.purpose ?? 'a heal'})` : '';
      await run.journal.record('blocked', `Another run is healing this application${who}.`);
      return done(await run.finish('BLOCKED', `Another run is healing this application${who}; try again when it ends.`, { error: { code: 'LOCKED', message: 'locked' } }));
    },
    async (lockSignal) => {
      const signal = req.signal ? AbortSignal.any([req.signal, lockSignal]) : lockSignal;
      const decision = await svc.breaker.check(app.id);
      if (!decision.allowed) {
        await run.journal.record('blocked', decision.reason, { data: { nextAttemptAt: decision.nextAttemptAt } });
        return done(await run.finish('BLOCKED', decision.reason, { nextAttemptAt: decision.nextAttemptAt, error: { code: 'CIRCUIT_OPEN', message: decision.reason } }));
      }
      const mode = await svc.breaker.effectiveMode(app.id, requested);
      if (mode !== requested) {
        await run.journal.record('state', `Mode lowered from ${requested} to ${mode} after repeated failed heals (reset the breaker to restore it).`);
        await run.update({ mode });
      }

      await run.journal.record('state', 'Diagnosing', { state: 'DIAGNOSING' });
      const { diagnosis: diag, planned } = await diagnoseAndPlan(svc, env, resolved, mode, run.id, {
        ...(req.since ? { since: req.since } : {}),
        signal,
      });
      const plan = planned.plan;
      report(diag, plan);
      await run.update({ planHash: plan.planHash });
      await run.journal.record('diagnosis', `Status ${diag.status}, health ${diag.healthScore}/100`, {
        data: { status: diag.status, healthScore: diag.healthScore, failing: healableResults(diag.results).map((r) => r.id) },
      });
      await run.journal.record('plan', `Plan ${plan.planHash.slice(0, 12)}`, {
        data: {
          planHash: plan.planHash,
          autoHeal: plan.autoHeal.map((a) => a.actionId),
          requireApproval: plan.requireApproval.map((a) => a.actionId),
          cannotHeal: plan.cannotHeal,
        },
      });

      let rungs: PlannedAction[];
      try {
        rungs = selectRungs(plan, req.approve);
      } catch (e) {
        return done(await run.finish('FAILED', errorMessage(e), { error: codeOf(e) }));
      }
      if (rungs.length === 0) return done(await finishWithoutRungs(run, diag, plan));

      const ladder = new Ladder(svc, env, resolved, run, planned, diag, signal, requested);
      return done(await ladder.climb(rungs));
    },
  );
}

async function finishWithoutRungs(run: ExecutionRun, diagnosis: Diagnosis, plan: Plan): Promise<Execution> {
  const targets = healableResults(diagnosis.results);
  if (targets.length === 0) return run.finish('NOTHING_TO_DO', 'Nothing to heal: no check is failing.');
  if (plan.requireApproval.length > 0) {
    const ids = plan.requireApproval.map((a) => `${a.actionId} (${a.risk})`).join(', ');
    return run.finish('AWAITING_APPROVAL', `Waiting for approval of: ${ids}. Plan ${plan.planHash.slice(0, 12)}.`);
  }
  const reasons = plan.cannotHeal.map((c) => `${c.checkId}: ${c.reason}`).join('; ');
  await run.journal.record('escalated', `A person is needed: ${reasons}`);
  return run.finish('ESCALATED', `Nothing can be healed automatically. ${reasons}`);
}

class Ladder {
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
  async #tryRung(rung: PlannedAction): Promise<'fixed' | 'rolled-back' | 'skipped' | 'rollback-failed'> {
    const { svc, run, resolved } = this;
    const appId = resolved.app.id;
    const action = resolved.entry.plugin.actions.find((a) => a.id === rung.actionId)!;
    const steps = this.planned.steps.get(rung.actionId) ?? [];
    const results = this.#current.results.filter((r) => rung.fixes.includes(r.id));
    const ctx = actionContext(svc, this.env, resolved, run.id, results, null, this.signal);

    await run.journal.record('action.started', `${action.title} (${action.risk} risk)`, {
      actionId: action.id,
      data: { risk: action.risk, fixes: rung.fixes, steps: rung.steps },
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
      attempt.verified = true;
      attempt.message = 'verified';
      await run.saveAttempts();
      await svc.breaker.recordSuccess(appId, action.id);
      await run.journal.record('action.fixed', `${action.id} fixed ${rung.fixes.join(', ')}`, { actionId: action.id });
      return 'fixed';
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
   * Re-run every check (fresh facts, `since` = the end of the apply): the
   * targeted ones must now pass, nothing that did not fail before may fail
   * now, and the action's own verify() must agree.
   */
  async #verify(action: HealingAction, ctx: ActionContext, rung: PlannedAction, appliedAt: Date): Promise<{ verified: boolean; why: string }> {
    // Log-reading checks look only at what was written after the change.
    const after = await diagnose(this.svc, makeRunEnv(this.svc), this.resolved, { signal: this.signal, since: appliedAt });
    const before = new Map(this.#current.results.map((r) => [r.id, r]));
    const still = rung.fixes.filter((id) => {
      const r = after.results.find((x) => x.id === id);
      // A targeted check that no longer runs proves nothing: not verified.
      return r === undefined || !isHealthy(r);
    });
    const broke = after.results.filter((r) => r.status === 'fail' && before.get(r.id)?.status !== 'fail').map((r) => r.id);
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

function codeOf(e: unknown): { code: string; message: string } {
  return { code: isHealerError(e) ? e.code : 'INTERNAL', message: errorMessage(e) };
}
