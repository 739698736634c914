/**
 * The circuit breaker: how often Healer may try to heal an application (and
 * each of its actions), and what repeated failures cost it. Its records live
 * in the {@link StateStore}, so every process and every restart sees them.
 */
import type { Mode } from '../contract/plugin.js';
import type { BreakerRecord, StateStore } from '../contract/state.js';
import { HealerError } from '../errors.js';

/** Limits of the breaker. Every field is optional; see {@link DEFAULT_BREAKER_POLICY}. */
export interface BreakerPolicy {
  /** Heal attempts allowed inside one window. Default 3. */
  maxAttempts?: number;
  /** The sliding window for `maxAttempts`, in ms. Default 24 h. */
  windowMs?: number;
  /** How long a circuit stays open after a failure before one trial is allowed, in ms. Default 30 min. */
  cooldownMs?: number;
  /** Consecutive failures of an app that lower its mode one step (auto -> supervised -> manual). Default 2. */
  demoteAfter?: number;
  /** The clock, in ms since the epoch. Default: `Date.now()`, read at each use (fake timers work). */
  now?: () => number;
}

/** The limits used when a {@link BreakerPolicy} field is absent. */
export const DEFAULT_BREAKER_POLICY = {
  maxAttempts: 3,
  windowMs: 24 * 60 * 60 * 1000,
  cooldownMs: 30 * 60 * 1000,
  demoteAfter: 2,
} as const satisfies Required<Omit<BreakerPolicy, 'now'>>;

/** Whether a heal may start now, and if not, why and when. */
export interface BreakerDecision {
  allowed: boolean;
  /**
   * The circuit as of now: `half-open` once an open circuit's cooldown has
   * passed (one trial allowed) or while that trial runs. When blocked, the
   * state of the circuit that blocks.
   */
  state: BreakerRecord['state'];
  /** One sentence for a person, e.g. "App x: 3 heal attempts in the last 24 h (limit 3); next attempt allowed at ...". */
  reason: string;
  /** ISO time when a blocked heal may try again; null when allowed. */
  nextAttemptAt: string | null;
  /** The key of the record that blocks (`app:<appId>` or `action:<appId>:<actionId>`); null when allowed. */
  blockedBy: string | null;
}

/** What {@link CircuitBreaker.status} shows: the records as of now (attempts outside the window dropped). */
export interface BreakerStatus {
  appId: string;
  app: BreakerRecord | null;
  actions: BreakerRecord[];
  /** The app-level decision (`check(appId)`). */
  decision: BreakerDecision;
}

const MODE_ORDER: readonly Mode[] = ['manual', 'supervised', 'auto'];

/** The key of an app's record. */
export function appBreakerKey(appId: string): string {
  return `app:${appId}`;
}

/** The key of one action's record on one app. */
export function actionBreakerKey(appId: string, actionId: string): string {
  return `action:${appId}:${actionId}`;
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
  readonly #policy: Required<Omit<BreakerPolicy, 'now'>>;
  readonly #now: () => number;

  constructor(store: StateStore, policy: BreakerPolicy = {}) {
    this.#store = store;
    this.#policy = {
      maxAttempts: policy.maxAttempts ?? DEFAULT_BREAKER_POLICY.maxAttempts,
      windowMs: policy.windowMs ?? DEFAULT_BREAKER_POLICY.windowMs,
      cooldownMs: policy.cooldownMs ?? DEFAULT_BREAKER_POLICY.cooldownMs,
      demoteAfter: policy.demoteAfter ?? DEFAULT_BREAKER_POLICY.demoteAfter,
    };
    for (const [name, value] of Object.entries(this.#policy)) {
      // A zero cooldown is allowed: half-open right after a failure.
      const min = name === 'cooldownMs' ? 0 : 1;
      if (!Number.isInteger(value) || value < min) {
        throw new HealerError('INVALID_ARGUMENT', `Breaker policy ${name} must be an integer of at least ${min}, got ${value}`, {
          details: { [name]: value },
        });
      }
    }
    this.#now = policy.now ?? (() => Date.now());
  }

  /** May a heal of the app (and of `actionId`, when given) start now? Both circuits must allow it. */
  async check(appId: string, actionId?: string): Promise<BreakerDecision> {
    const now = this.#now();
    const verdicts = [this.#judge(await this.#store.getBreaker(appBreakerKey(appId)), `App ${appId}`, now)];
    if (actionId !== undefined) {
      const record = await this.#store.getBreaker(actionBreakerKey(appId, actionId));
      verdicts.push(this.#judge(record, `Action ${actionId} on ${appId}`, now));
    }
    const blocking = verdicts.filter((v) => v.nextAttemptAt !== null);
    if (blocking.length === 0) {
      return {
        allowed: true,
        state: verdicts[verdicts.length - 1]?.state ?? 'closed',
        reason: verdicts.map((v) => v.reason).join(' '),
        nextAttemptAt: null,
        blockedBy: null,
      };
    }
    // Every blocking circuit must let go, so the latest time wins.
    const latest = blocking.reduce((a, b) => (Date.parse(b.nextAttemptAt!) > Date.parse(a.nextAttemptAt!) ? b : a));
    return {
      allowed: false,
      state: latest.state,
      reason: blocking.map((v) => v.reason).join(' '),
      nextAttemptAt: latest.nextAttemptAt,
      blockedBy: latest.key,
    };
  }

  /** May `actionId` be tried now, judging only the action's own circuit (the app's was checked when the heal started)? */
  async checkAction(appId: string, actionId: string): Promise<BreakerDecision> {
    const verdict = this.#judge(await this.#store.getBreaker(actionBreakerKey(appId, actionId)), `Action ${actionId} on ${appId}`, this.#now());
    const blocked = verdict.nextAttemptAt !== null;
    return {
      allowed: !blocked,
      state: verdict.state,
      reason: verdict.reason,
      nextAttemptAt: verdict.nextAttemptAt,
      blockedBy: blocked ? verdict.key : null,
    };
  }

  /** Counts a heal attempt starting now. Taking the trial of a half-open circuit holds it for one cooldown. */
  recordAttempt(appId: string, actionId?: string): Promise<BreakerRecord | null> {
    return this.#update(appId, actionId, (record, now) => {
      record.attempts.push(new Date(now).toISOString());
      if (record.state !== 'closed' && now >= timeOf(record.openUntil)) {
        record.state = 'half-open';
        record.openUntil = new Date(now + this.#policy.cooldownMs).toISOString();
      }
    });
  }

  /** The attempt fixed it: closes the circuit. A demotion stays until {@link reset}. */
  recordSuccess(appId: string, actionId?: string): Promise<BreakerRecord | null> {
    return this.#update(appId, actionId, (record) => {
      record.state = 'closed';
      record.openUntil = null;
      record.consecutiveFailures = 0;
    });
  }

  /**
   * The attempt failed: opens the circuit for the cooldown. On the app's
   * record, every `demoteAfter` consecutive failures lower the app's mode one
   * step from the mode in effect. Pass the app's configured `mode` so the
   * step starts from it (default `auto`).
   */
  recordFailure(appId: string, actionId?: string, options: { mode?: Mode } = {}): Promise<BreakerRecord | null> {
    return this.#update(appId, actionId, (record, now) => {
      record.consecutiveFailures += 1;
      record.state = 'open';
      record.openUntil = new Date(now + this.#policy.cooldownMs).toISOString();
      if (actionId === undefined && record.consecutiveFailures % this.#policy.demoteAfter === 0) {
        const configured = options.mode ?? 'auto';
        const current = record.demotedTo === null ? configured : lowerMode(configured, record.demotedTo);
        record.demotedTo = MODE_ORDER[Math.max(0, MODE_ORDER.indexOf(current) - 1)] ?? 'manual';
      }
    });
  }

  /** The mode to heal with: the lower of the configured one and the demotion, if any. */
  async effectiveMode(appId: string, configured: Mode): Promise<Mode> {
    const demotedTo = (await this.#store.getBreaker(appBreakerKey(appId)))?.demotedTo ?? null;
    return demotedTo === null ? configured : lowerMode(configured, demotedTo);
  }

  /** Forgets the app's record and every action record of the app: closed circuits, no attempts, no demotion. */
  async reset(appId: string): Promise<void> {
    await this.#store.updateBreaker(appBreakerKey(appId), () => null);
    const prefix = actionBreakerKey(appId, '');
    for (const record of await this.#store.listBreakers()) {
      if (record.key.startsWith(prefix)) await this.#store.updateBreaker(record.key, () => null);
    }
  }

  /** The app's records as of now, for display. */
  async status(appId: string): Promise<BreakerStatus> {
    const now = this.#now();
    const prefix = actionBreakerKey(appId, '');
    const records = await this.#store.listBreakers();
    const app = records.find((r) => r.key === appBreakerKey(appId)) ?? null;
    const actions = records.filter((r) => r.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1));
    return {
      appId,
      app: app === null ? null : this.#asOf(app, now),
      actions: actions.map((r) => this.#asOf(r, now)),
      decision: await this.check(appId),
    };
  }

  #update(
    appId: string,
    actionId: string | undefined,
    change: (record: BreakerRecord, now: number) => void,
  ): Promise<BreakerRecord | null> {
    const key = actionId === undefined ? appBreakerKey(appId) : actionBreakerKey(appId, actionId);
    return this.#store.updateBreaker(key, (current) => {
      const now = this.#now();
      const record: BreakerRecord = current === null ? emptyRecord(key) : structuredClone(current);
      record.attempts = this.#inWindow(record.attempts, now);
      change(record, now);
      record.updatedAt = new Date(now).toISOString();
      return record;
    });
  }

  #inWindow(attempts: string[], now: number): string[] {
    return attempts.filter((at) => timeOf(at) > now - this.#policy.windowMs);
  }

  #asOf(record: BreakerRecord, now: number): BreakerRecord {
    const state = record.state === 'open' && now >= timeOf(record.openUntil) ? 'half-open' : record.state;
    return { ...record, attempts: this.#inWindow(record.attempts, now), state };
  }

  /** One record's verdict; `nextAttemptAt` null means it does not block. */
  #judge(record: BreakerRecord | null, label: string, now: number): Verdict {
    const key = record?.key ?? '';
    const attempts = this.#inWindow(record?.attempts ?? [], now);
    const { maxAttempts, windowMs, cooldownMs } = this.#policy;
    const window = formatDuration(windowMs);
    const blocks: Array<{ at: number; reason: string }> = [];
    if (attempts.length >= maxAttempts) {
      const at = Math.min(...attempts.map(timeOf)) + windowMs;
      blocks.push({
        at,
        reason: `${label}: ${plural(attempts.length, 'heal attempt')} in the last ${window} (limit ${maxAttempts}); next attempt allowed at ${iso(at)}.`,
      });
    }
    const openUntil = timeOf(record?.openUntil ?? null);
    const state: BreakerRecord['state'] =
      record === null ? 'closed' : record.state === 'open' && now >= openUntil ? 'half-open' : record.state;
    if (record !== null && record.state !== 'closed' && now < openUntil) {
      blocks.push({
        at: openUntil,
        reason:
          record.state === 'open'
            ? `${label}: circuit open after ${plural(record.consecutiveFailures, 'failure')} in a row; the ${formatDuration(cooldownMs)} cooldown ends at ${iso(openUntil)}.`
            : `${label}: a trial heal after the cooldown is under way; next attempt allowed at ${iso(openUntil)} unless it reports back first.`,
      });
    }
    if (blocks.length > 0) {
      const at = Math.max(...blocks.map((b) => b.at));
      return { key, state, reason: blocks.map((b) => b.reason).join(' '), nextAttemptAt: iso(at) };
    }
    const used = `${attempts.length} of ${maxAttempts} heal attempts used in the last ${window}.`;
    const reason =
      state === 'half-open'
        ? `${label}: cooldown over, one trial heal allowed (circuit half-open); ${used}`
        : `${label}: circuit closed; ${used}`;
    return { key, state, reason, nextAttemptAt: null };
  }
}

interface Verdict {
  key: string;
  state: BreakerRecord['state'];
  reason: string;
  nextAttemptAt: string | null;
}

function emptyRecord(key: string): BreakerRecord {
  return { key, attempts: [], state: 'closed', openUntil: null, consecutiveFailures: 0, demotedTo: null, updatedAt: '' };
}

function lowerMode(a: Mode, b: Mode): Mode {
  return MODE_ORDER.indexOf(a) <= MODE_ORDER.indexOf(b) ? a : b;
}

/** Ms of an ISO time; an absent or unreadable time counts as long past. */
function timeOf(at: string | null): number {
  const ms = at === null ? Number.NaN : Date.parse(at);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `86_400_000` -> `24 h`, `5_400_000` -> `1 h 30 min`. */
function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(ms));
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${unit}`);
  }
  return parts.length === 0 ? '0 s' : parts.join(' ');
}
