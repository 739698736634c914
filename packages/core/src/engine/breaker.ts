/**
 * The circuit breaker service: how often Healer may try to heal an
 * application (and each of its actions), and what repeated failures cost it.
 * It only loads and saves: the rules are the pure `judge` and `transition` of
 * `breaker-machine.ts`, the words are `describeBreaker`. Its records live in
 * the {@link StateStore}, so every process and every restart sees them.
 */
import type { Mode } from '../contract/plugin.js';
import type { BreakerRecord, StateStore } from '../contract/state.js';
import {
  actionBreakerKey,
  appBreakerKey,
  effectiveMode,
  emptyBreakerRecord,
  judge,
  resolveBreakerPolicy,
  transition,
  type BreakerEvent,
  type BreakerLimits,
  type BreakerPolicy,
  type BreakerSubject,
  type BreakerVerdict,
} from './breaker-machine.js';
import { describeBreaker } from './breaker-wording.js';

export { DEFAULT_BREAKER_POLICY, actionBreakerKey, appBreakerKey } from './breaker-machine.js';
export type { BreakerPolicy } from './breaker-machine.js';

/** Whether a heal may start now, and if not, why and when. */
export interface BreakerDecision {
  allowed: boolean;
  /**
   * The circuit as of now: `half-open` once an open circuit's cooldown has
   * passed (one trial allowed) or while that trial runs. When blocked, the
   * state of the circuit that blocks.
   */
  state: BreakerRecord['state'];
  /** One sentence for a person ({@link describeBreaker}), e.g. "App x: 3 heal attempts in the last 24 h (limit 3); next attempt allowed at ...". */
  reason: string;
  /** ISO time when a blocked heal may try again; null when allowed. */
  nextAttemptAt: string | null;
  /** The key of the record that blocks (`app:<appId>` or `action:<appId>:<actionId>`); null when allowed. */
  blockedBy: string | null;
  /** The same as data: each circuit judged (the app's, then the action's), for callers that word it themselves. */
  verdicts: BreakerVerdict[];
}

/** What {@link CircuitBreaker.status} shows: the records as of now (attempts outside the window dropped). */
export interface BreakerStatus {
  appId: string;
  app: BreakerRecord | null;
  actions: BreakerRecord[];
  /** The app-level decision (`check(appId)`). */
  decision: BreakerDecision;
}

/**
 * Guards heals with two kinds of records: one per app (`app:<appId>`) and one
 * per action (`action:<appId>:<actionId>`). `check(appId, actionId)` consults
 * both; the `record*` methods write the app's record when called without an
 * action id, and only that action's record with one. So the engine records a
 * heal run on the app and each rung of the ladder on its action: a failed
 * action opens its own circuit without blocking the other actions.
 *
 * @example
 * const breaker = new CircuitBreaker(store);
 * const decision = await breaker.check(app.id, 'wordpress/debug-display-on');
 * if (!decision.allowed) return block(decision.reason, decision.nextAttemptAt);
 */
export class CircuitBreaker {
  readonly #store: StateStore;
  readonly #policy: BreakerLimits;
  readonly #now: () => number;

  constructor(store: StateStore, policy: BreakerPolicy = {}) {
    this.#store = store;
    this.#policy = resolveBreakerPolicy(policy);
    this.#now = policy.now ?? (() => Date.now());
  }

  /** May a heal of the app (and of `actionId`, when given) start now? Both circuits must allow it. */
  async check(appId: string, actionId?: string): Promise<BreakerDecision> {
    const now = this.#now();
    const verdicts = [await this.#judge({ appId }, now)];
    if (actionId !== undefined) verdicts.push(await this.#judge({ appId, actionId }, now));
    return decide(verdicts);
  }

  /** May `actionId` be tried now, judging only the action's own circuit (the app's was checked when the heal started)? */
  async checkAction(appId: string, actionId: string): Promise<BreakerDecision> {
    return decide([await this.#judge({ appId, actionId }, this.#now())]);
  }

  /** Counts a heal attempt starting now. Taking the trial of a half-open circuit holds it for one cooldown. */
  recordAttempt(appId: string, actionId?: string): Promise<BreakerRecord | null> {
    return this.#update(appId, actionId, (at) => ({ type: 'attempt', at }));
  }

  /** The attempt fixed it: closes the circuit. A demotion stays until {@link reset}. */
  recordSuccess(appId: string, actionId?: string): Promise<BreakerRecord | null> {
    return this.#update(appId, actionId, (at) => ({ type: 'success', at }));
  }

  /**
   * The attempt failed: opens the circuit for the cooldown. On the app's
   * record, every `demoteAfter` consecutive failures lower the app's mode one
   * step from the mode in effect. Pass the app's configured `mode` so the
   * step starts from it (default `auto`).
   */
  recordFailure(appId: string, actionId?: string, options: { mode?: Mode } = {}): Promise<BreakerRecord | null> {
    return this.#update(appId, actionId, (at) =>
      actionId === undefined ? { type: 'failure', at, demote: { mode: options.mode ?? 'auto' } } : { type: 'failure', at },
    );
  }

  /** The mode to heal with: the lower of the configured one and the demotion, if any. */
  async effectiveMode(appId: string, configured: Mode): Promise<Mode> {
    return effectiveMode(await this.#store.getBreaker(appBreakerKey(appId)), configured);
  }

  /** Forgets the app's record and every action record of the app: closed circuits, no attempts, no demotion. */
  async reset(appId: string): Promise<void> {
    await this.#store.updateBreaker(appBreakerKey(appId), () => null);
    for (const record of await this.#store.listBreakers({ prefix: actionBreakerKey(appId, '') })) {
      await this.#store.updateBreaker(record.key, (current) => (current === null ? null : transition(current, { type: 'reset' }, this.#policy)));
    }
  }

  /**
   * The records whose key starts with `prefix` (all without one), as of now
   * (attempts outside the window dropped, an open circuit whose cooldown
   * passed shown half-open), sorted by key.
   */
  async listBreakers(filter: { prefix?: string } = {}): Promise<BreakerRecord[]> {
    const now = this.#now();
    const records = await this.#store.listBreakers(filter.prefix === undefined ? {} : { prefix: filter.prefix });
    return records
      .filter((r) => filter.prefix === undefined || r.key.startsWith(filter.prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((r) => transition(r, { type: 'tick', at: now }, this.#policy));
  }

  /** The app's records as of now, for display. */
  async status(appId: string): Promise<BreakerStatus> {
    const now = this.#now();
    const appRecord = await this.#store.getBreaker(appBreakerKey(appId));
    return {
      appId,
      app: appRecord === null ? null : transition(appRecord, { type: 'tick', at: now }, this.#policy),
      actions: await this.listBreakers({ prefix: actionBreakerKey(appId, '') }),
      decision: await this.check(appId),
    };
  }

  async #judge(subject: BreakerSubject, now: number): Promise<BreakerVerdict> {
    const key = keyOf(subject);
    const judgement = judge(await this.#store.getBreaker(key), this.#policy, now);
    return { key, subject, judgement };
  }

  #update(appId: string, actionId: string | undefined, event: (now: number) => BreakerEvent): Promise<BreakerRecord | null> {
    const key = keyOf(actionId === undefined ? { appId } : { appId, actionId });
    // The clock is read inside the store's update, so it is the time the record was really changed.
    return this.#store.updateBreaker(key, (current) => transition(current ?? emptyBreakerRecord(key), event(this.#now()), this.#policy));
  }
}

function keyOf(subject: BreakerSubject): string {
  return subject.actionId === undefined ? appBreakerKey(subject.appId) : actionBreakerKey(subject.appId, subject.actionId);
}

/** Combines the verdicts of the circuits a heal needs: every one must allow it. */
function decide(verdicts: readonly BreakerVerdict[]): BreakerDecision {
  const blocking = verdicts.filter((v) => !v.judgement.allowed);
  if (blocking.length === 0) {
    return {
      allowed: true,
      state: verdicts[verdicts.length - 1]?.judgement.state ?? 'closed',
      reason: verdicts.map((v) => describeBreaker(v.subject, v.judgement)).join(' '),
      nextAttemptAt: null,
      blockedBy: null,
      verdicts: [...verdicts],
    };
  }
  // Every blocking circuit must let go, so the latest time wins.
  const latest = blocking.reduce((a, b) => (Date.parse(b.judgement.nextAttemptAt!) > Date.parse(a.judgement.nextAttemptAt!) ? b : a));
  return {
    allowed: false,
    state: latest.judgement.state,
    reason: blocking.map((v) => describeBreaker(v.subject, v.judgement)).join(' '),
    nextAttemptAt: latest.judgement.nextAttemptAt,
    blockedBy: latest.key,
    verdicts: [...verdicts],
  };
}
