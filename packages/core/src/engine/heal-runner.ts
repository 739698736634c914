/**
 * The healing runner: detect, lock, check the breaker, diagnose, plan, pick
 * the rungs the mode and the approval allow, and hand them to the ladder.
 * @internal
 */
import type { ModeInput, Target } from '../contract/plugin.js';
import { HealerError, errorMessage, isHealerError } from '../errors.js';
import type { Diagnosis, Execution, Plan, PlannedAction } from '../schemas.js';
import type { RunEnv } from './context.js';
import { diagnoseApp } from './diagnose.js';
import { ExecutionRun } from './execution-record.js';
import { withAppLock } from './lease.js';
import { HealRun } from './heal-run.js';
import { Ladder } from './ladder.js';
import { normalizeMode, RISK_ORDER } from './modes.js';
import { healableResults, planHealing, type PlanWithSteps } from './planner.js';
import { recoverOwn } from './recover.js';
import { makeRunEnv, planContext, resolveApp, type ResolvedApp } from './resolve-app.js';
import type { Services } from './services.js';

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
  /**
   * Continue this QUEUED execution (made by `healer.createExecution`) instead
   * of creating one: its id is known before the run starts. `INVALID_ARGUMENT`
   * when it is unknown, not QUEUED, or queued for another target.
   */
  executionId?: string;
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
  options: { since?: Date; signal?: AbortSignal } = {},
): Promise<{ diagnosis: Diagnosis; planned: PlanWithSteps }> {
  const diagnosis = await diagnoseApp(svc, env, resolved, options);
  const planned = await planHealing({
    diagnosis,
    app: resolved.app,
    mode,
    actions: resolved.entry.plugin.actions,
    operations: resolved.entry.plugin.operations ?? [],
    context: (_action, results, nonce) => planContext(env, resolved, results, nonce, options.signal),
    redact: (t) => svc.redactor.redact(t),
    now: () => svc.now(),
  });
  return { diagnosis, planned };
}


export async function runHeal(svc: Services, req: HealRequest): Promise<HealOutcome> {
  const requested = normalizeMode(req.mode ?? svc.settings.mode);
  const init = { kind: 'heal' as const, target: req.target, mode: requested };
  const run = req.executionId ? await ExecutionRun.claim(svc, req.executionId, init) : await ExecutionRun.start(svc, init);
  try {
    return await healStarted(svc, req, run, requested);
  } finally {
    await run.close();
  }
}

async function healStarted(svc: Services, req: HealRequest, run: ExecutionRun, requested: ReturnType<typeof normalizeMode>): Promise<HealOutcome> {
  const env = makeRunEnv(svc);
  const signal = req.signal ? AbortSignal.any([req.signal, run.lease.signal]) : run.lease.signal;
  await run.journal.record('execution.started', `Heal of ${req.target.path} on ${req.target.host}`, { state: 'DETECTING' });
  let resolved: ResolvedApp;
  try {
    resolved = await resolveApp(svc, env, req.target, { ...(req.plugin ? { plugin: req.plugin } : {}), signal });
  } catch (e) {
    return { execution: await run.finish('FAILED', errorMessage(e), { error: codeOf(e) }), diagnosis: null, plan: null };
  }
  const { app } = resolved;
  await run.update({ appId: app.id, plugin: app.plugin, target: { ...req.target, path: app.root } });
  await run.journal.record('app.detected', `${app.stack} ${app.version ?? ''} detected by ${app.plugin}`.replace('  ', ' '), { data: { app } });

  const heal = new HealRun(svc, env, run, resolved, { ...req, signal }, requested);
  try {
    return heal.outcome(await healLocked(heal));
  } catch (e) {
    // The lock was lost: whoever holds it now (a recovery, another heal) owns this app and this record.
    if (isHealerError(e, 'LOCK_LOST')) throw e;
    // An unexpected error (state store, plugin bug outside a step) must not
    // leave a half-applied change: recover this execution from its journal.
    svc.logger.error('heal failed unexpectedly; recovering from the journal', { executionId: run.id, error: errorMessage(e) });
    await recoverOwn(svc, run);
    const execution = await svc.state.getExecution(run.id);
    if (execution && execution.state !== 'FAILED') {
      await svc.state.updateExecution(run.id, { message: `${execution.message} (after an internal error: ${errorMessage(e)})` }, run.fence);
    }
    return heal.outcome((await svc.state.getExecution(run.id))!);
  }
}

/** Under the app lock: the breaker, the diagnosis and the plan, then the ladder. The execution it ended with. */
async function healLocked(heal: HealRun): Promise<Execution> {
  const { svc, run, env, resolved, request: req, requested } = heal;
  const { app } = resolved;
  return withAppLock(
    svc,
    app.id,
    run.id,
    async (holder) => {
      const who = holder ? ` (held by pid ${holder.owner.pid} on ${holder.owner.hostname} for ${holder.owner.purpose ?? 'a heal'})` : '';
      await run.journal.record('blocked', `Another run is healing this application${who}.`);
      return run.finish('BLOCKED', `Another run is healing this application${who}; try again when it ends.`, { error: { code: 'LOCKED', message: 'locked' } });
    },
    (lock) => run.underLock(lock, async () => {
      heal.signal = AbortSignal.any([heal.signal, lock.signal]);
      const decision = await svc.breaker.check(app.id);
      if (!decision.allowed) {
        await run.journal.record('blocked', decision.reason, { data: { nextAttemptAt: decision.nextAttemptAt } });
        return run.finish('BLOCKED', decision.reason, { nextAttemptAt: decision.nextAttemptAt, error: { code: 'CIRCUIT_OPEN', message: decision.reason } });
      }
      heal.mode = await svc.breaker.effectiveMode(app.id, requested);
      if (heal.mode !== requested) {
        await run.journal.record('state', `Mode lowered from ${requested} to ${heal.mode} after repeated failed heals (reset the breaker to restore it).`);
        await run.update({ mode: heal.mode });
      }

      await run.journal.record('state', 'Diagnosing', { state: 'DIAGNOSING' });
      const { diagnosis: diag, planned } = await diagnoseAndPlan(svc, env, resolved, heal.mode, {
        ...(req.since ? { since: req.since } : {}),
        signal: heal.signal,
      });
      const plan = planned.plan;
      const plannedHeal = heal.withPlan(diag, planned);
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
        return run.finish('FAILED', errorMessage(e), { error: codeOf(e) });
      }
      if (rungs.length === 0) return finishWithoutRungs(run, diag, plan);
      return new Ladder(plannedHeal).climb(rungs);
    }),
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

function codeOf(e: unknown): { code: string; message: string } {
  return { code: isHealerError(e) ? e.code : 'INTERNAL', message: errorMessage(e) };
}
