/**
 * The circuit breaker as pure functions: what a record allows now
 * ({@link judge}) and what an event does to a record ({@link transition}).
 * No store, no clock, no wording: the store-backed service in `breaker.ts`
 * loads and saves records around these, and `breaker-wording.ts` puts them in
 * sentences. Times are ms since the epoch on the way in and ISO strings in
 * the data that comes out, like the persisted {@link BreakerRecord}.
 */
import type { Mode } from '../contract/plugin.js';
import type { BreakerRecord } from '../contract/state.js';
import { HealerError } from '../errors.js';
import { ModeSchema } from '../schemas.js';

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

/** A policy with every limit set: what {@link judge} and {@link transition} take. */
export type BreakerLimits = Required<Omit<BreakerPolicy, 'now'>>;

/** The limits used when a {@link BreakerPolicy} field is absent. */
export const DEFAULT_BREAKER_POLICY = {
  maxAttempts: 3,
  windowMs: 24 * 60 * 60 * 1000,
  cooldownMs: 30 * 60 * 1000,
  demoteAfter: 2,
} as const satisfies BreakerLimits;

export type BreakerState = BreakerRecord['state'];

/** One reason a record blocks a heal, as data; `until` is the ISO time it stops blocking. */
export type BreakerBlock =
  /** `attempts` heal attempts inside the window reached `maxAttempts`. */
  | { kind: 'attempt-limit'; attempts: number; maxAttempts: number; windowMs: number; until: string }
  /** A failure opened the circuit; its cooldown has not passed yet. */
  | { kind: 'cooling-down'; consecutiveFailures: number; cooldownMs: number; until: string }
  /** The one trial of a half-open circuit is under way (held until it reports back or one cooldown passes). */
  | { kind: 'trial-running'; until: string };

/** What one record allows now ({@link judge}). */
export interface BreakerJudgement {
  allowed: boolean;
  /** The circuit as of now: an open circuit whose cooldown passed is `half-open`. */
  state: BreakerState;
  /** Attempts inside the window, and the limits they are judged against. */
  attempts: number;
  maxAttempts: number;
  windowMs: number;
  /** Empty when allowed. */
  blocks: BreakerBlock[];
  /** ISO time when every block has let go; null when allowed. */
  nextAttemptAt: string | null;
}

/** What a record guards: an app, or one action on an app. */
export interface BreakerSubject {
  appId: string;
  actionId?: string;
}

/** One record's judgement, with the record it is about. */
export interface BreakerVerdict {
  /** `app:<appId>` or `action:<appId>:<actionId>`. */
  key: string;
  subject: BreakerSubject;
  judgement: BreakerJudgement;
}

/** What can happen to a record ({@link transition}). `at` is ms since the epoch. */
export type BreakerEvent =
  /** A heal attempt starts. Taking the trial of a half-open circuit holds it for one cooldown. */
  | { type: 'attempt'; at: number }
  /** The attempt fixed it: the circuit closes. A demotion stays until a reset. */
  | { type: 'success'; at: number }
  /**
   * The attempt failed: the circuit opens for the cooldown. With `demote`
   * (the app's record), every `demoteAfter` consecutive failures lower the
   * mode one step from `demote.mode`, the app's configured mode.
   */
  | { type: 'failure'; at: number; demote?: { mode: Mode } }
  /** Time passes, nothing is recorded: attempts leave the window, an open circuit whose cooldown ended shows half-open. */
  | { type: 'tick'; at: number }
  /** A person resets the circuit: the record is forgotten. */
  | { type: 'reset' };

/** Modes from the least to the most autonomous (the schema's order). */
export const MODE_ORDER: readonly Mode[] = ModeSchema.options;

/** The key of an app's record. */
export function appBreakerKey(appId: string): string {
  return `app:${appId}`;
}

/** The key of one action's record on one app. */
export function actionBreakerKey(appId: string, actionId: string): string {
  return `action:${appId}:${actionId}`;
}

/** Fills the absent limits with the defaults; a limit that is not a positive integer (cooldown: not negative) is INVALID_ARGUMENT. */
export function resolveBreakerPolicy(policy: BreakerPolicy = {}): BreakerLimits {
  const limits: BreakerLimits = {
    maxAttempts: policy.maxAttempts ?? DEFAULT_BREAKER_POLICY.maxAttempts,
    windowMs: policy.windowMs ?? DEFAULT_BREAKER_POLICY.windowMs,
    cooldownMs: policy.cooldownMs ?? DEFAULT_BREAKER_POLICY.cooldownMs,
    demoteAfter: policy.demoteAfter ?? DEFAULT_BREAKER_POLICY.demoteAfter,
  };
  for (const [name, value] of Object.entries(limits)) {
    // A zero cooldown is allowed: half-open right after a failure.
    const min = name === 'cooldownMs' ? 0 : 1;
    if (!Number.isInteger(value) || value < min) {
      throw new HealerError('INVALID_ARGUMENT', `Breaker policy ${name} must be an integer of at least ${min}, got ${value}`, {
        details: { [name]: value },
      });
    }
  }
  return limits;
}

/** A closed record with no attempts. */
export function emptyBreakerRecord(key: string): BreakerRecord {
  return { key, attempts: [], state: 'closed', openUntil: null, consecutiveFailures: 0, demotedTo: null, updatedAt: '' };
}

/** May a heal start now, judging this one record (null: never used)? */
export function judge(record: BreakerRecord | null, policy: BreakerLimits, now: number): BreakerJudgement {
  const { maxAttempts, windowMs, cooldownMs } = policy;
  const attempts = inWindow(record?.attempts ?? [], windowMs, now);
  const blocks: BreakerBlock[] = [];
  if (attempts.length >= maxAttempts) {
    const until = Math.min(...attempts.map(timeOf)) + windowMs;
    blocks.push({ kind: 'attempt-limit', attempts: attempts.length, maxAttempts, windowMs, until: iso(until) });
  }
  const openUntil = timeOf(record?.openUntil ?? null);
  const state = record === null ? 'closed' : stateAt(record, now);
  if (record !== null && record.state !== 'closed' && now < openUntil) {
    blocks.push(
      record.state === 'open'
        ? { kind: 'cooling-down', consecutiveFailures: record.consecutiveFailures, cooldownMs, until: iso(openUntil) }
        : { kind: 'trial-running', until: iso(openUntil) },
    );
  }
  const nextAttemptAt = blocks.length === 0 ? null : iso(Math.max(...blocks.map((b) => Date.parse(b.until))));
  return { allowed: blocks.length === 0, state, attempts: attempts.length, maxAttempts, windowMs, blocks, nextAttemptAt };
}

/**
 * The record after `event`; null after a reset. Never changes its input. A
 * record never used is {@link emptyBreakerRecord}. Recording events (attempt,
 * success, failure) drop the attempts that left the window and stamp
 * `updatedAt`; a tick only shows the record as of `at`.
 */
export function transition(record: BreakerRecord, event: Exclude<BreakerEvent, { type: 'reset' }>, policy: BreakerLimits): BreakerRecord;
export function transition(record: BreakerRecord, event: BreakerEvent, policy: BreakerLimits): BreakerRecord | null;
export function transition(record: BreakerRecord, event: BreakerEvent, policy: BreakerLimits): BreakerRecord | null {
  if (event.type === 'reset') return null;
  if (event.type === 'tick') {
    return { ...structuredClone(record), attempts: inWindow(record.attempts, policy.windowMs, event.at), state: stateAt(record, event.at) };
  }
  const now = event.at;
  const next = structuredClone(record);
  next.attempts = inWindow(next.attempts, policy.windowMs, now);
  switch (event.type) {
    case 'attempt':
      next.attempts.push(iso(now));
      if (next.state !== 'closed' && now >= timeOf(next.openUntil)) {
        next.state = 'half-open';
        next.openUntil = iso(now + policy.cooldownMs);
      }
      break;
    case 'success':
      next.state = 'closed';
      next.openUntil = null;
      next.consecutiveFailures = 0;
      break;
    case 'failure':
      next.consecutiveFailures += 1;
      next.state = 'open';
      next.openUntil = iso(now + policy.cooldownMs);
      if (event.demote !== undefined && next.consecutiveFailures % policy.demoteAfter === 0) {
        const current = effectiveMode(next, event.demote.mode);
        next.demotedTo = MODE_ORDER[Math.max(0, MODE_ORDER.indexOf(current) - 1)] ?? 'manual';
      }
      break;
  }
  next.updatedAt = iso(now);
  return next;
}

/** The mode to heal with: the lower of the configured one and the record's demotion, if any. */
export function effectiveMode(record: BreakerRecord | null, configured: Mode): Mode {
  const demotedTo = record?.demotedTo ?? null;
  return demotedTo === null ? configured : lowerMode(configured, demotedTo);
}

function lowerMode(a: Mode, b: Mode): Mode {
  return MODE_ORDER.indexOf(a) <= MODE_ORDER.indexOf(b) ? a : b;
}

function stateAt(record: BreakerRecord, now: number): BreakerState {
  return record.state === 'open' && now >= timeOf(record.openUntil) ? 'half-open' : record.state;
}

function inWindow(attempts: readonly string[], windowMs: number, now: number): string[] {
  return attempts.filter((at) => timeOf(at) > now - windowMs);
}

/** Ms of an ISO time; an absent or unreadable time counts as long past. */
function timeOf(at: string | null): number {
  const ms = at === null ? Number.NaN : Date.parse(at);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
