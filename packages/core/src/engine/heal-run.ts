/**
 * One heal as the heal runner and the ladder carry it: the app, the run, the
 * request, and what the heal found on its way (its outcome's diagnosis and plan).
 * @internal
 */
import type { Mode } from '../contract/plugin.js';
import type { Diagnosis, Execution } from '../schemas.js';
import type { RunEnv } from './context.js';
import type { ExecutionRun } from './execution-record.js';
import type { HealOutcome, HealRequest } from './heal-runner.js';
import type { PlanWithSteps } from './planner.js';
import type { ResolvedApp } from './resolve-app.js';
import type { Services } from './services.js';

/** A heal once diagnosed and planned: what the ladder climbs. */
export interface PlannedHeal extends HealRun {
  readonly diagnosis: Diagnosis;
  readonly planned: PlanWithSteps;
}

export class HealRun {
  /** The request's signal; once the app lock is held, also aborted when the lock is lost. */
  signal: AbortSignal;
  /** The mode the breaker allows: the requested one, or lower after repeated failed heals. */
  mode: Mode;
  /** The diagnosis the plan was made from, once made. */
  diagnosis: Diagnosis | null = null;
  planned: PlanWithSteps | null = null;

  constructor(
    readonly svc: Services,
    readonly env: RunEnv,
    readonly run: ExecutionRun,
    readonly resolved: ResolvedApp,
    readonly request: HealRequest,
    /** The mode asked for: the one a failed heal counts against (the breaker's demotion). */
    readonly requested: Mode,
  ) {
    this.signal = request.signal ?? new AbortController().signal;
    this.mode = requested;
  }

  /** Keep the diagnosis and the plan (both part of the outcome from now on). */
  withPlan(diagnosis: Diagnosis, planned: PlanWithSteps): PlannedHeal {
    this.diagnosis = diagnosis;
    this.planned = planned;
    return this as PlannedHeal;
  }

  /** The outcome of the heal ended by `execution`. */
  outcome(execution: Execution): HealOutcome {
    return { execution, diagnosis: this.diagnosis, plan: this.planned?.plan ?? null };
  }
}
