import { describe, expect, it } from 'vitest';
import type { BreakerRecord } from '../contract/state.js';
import { isHealerError } from '../errors.js';
import {
  DEFAULT_BREAKER_POLICY,
  effectiveMode,
  emptyBreakerRecord,
  judge,
  resolveBreakerPolicy,
  transition,
  type BreakerEvent,
  type BreakerJudgement,
} from './breaker-machine.js';
import { describeBreaker, formatDuration } from './breaker-wording.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const at = (ms: number) => new Date(ms).toISOString();
const policy = DEFAULT_BREAKER_POLICY;

function rec(overrides: Partial<BreakerRecord> = {}): BreakerRecord {
  return { ...emptyBreakerRecord('app:wp'), updatedAt: at(T0 - HOUR), ...overrides };
}

/** Freezes a record deeply, so a function that changes its input throws. */
function frozen(record: BreakerRecord): BreakerRecord {
  Object.freeze(record.attempts);
  return Object.freeze(record);
}

describe('judge', () => {
  const cases: Array<{ name: string; record: BreakerRecord | null; now?: number; expected: Partial<BreakerJudgement> }> = [
    {
      name: 'a record never used allows a heal',
      record: null,
      expected: { allowed: true, state: 'closed', attempts: 0, blocks: [], nextAttemptAt: null },
    },
    {
      name: 'a closed circuit under the limit allows a heal',
      record: rec({ attempts: [at(T0 - 2 * HOUR), at(T0 - HOUR)] }),
      expected: { allowed: true, state: 'closed', attempts: 2, maxAttempts: 3, windowMs: 24 * HOUR, blocks: [] },
    },
    {
      name: 'the limit of attempts in the window blocks until the oldest leaves it',
      record: rec({ attempts: [at(T0 - 3 * HOUR), at(T0 - 2 * HOUR), at(T0 - HOUR)] }),
      expected: {
        allowed: false,
        state: 'closed',
        attempts: 3,
        blocks: [{ kind: 'attempt-limit', attempts: 3, maxAttempts: 3, windowMs: 24 * HOUR, until: at(T0 + 21 * HOUR) }],
        nextAttemptAt: at(T0 + 21 * HOUR),
      },
    },
    {
      name: 'attempts that left the window do not count',
      record: rec({ attempts: [at(T0 - 25 * HOUR), at(T0 - 24 * HOUR), at(T0 - HOUR)] }),
      expected: { allowed: true, attempts: 1 },
    },
    {
      name: 'an open circuit blocks until its cooldown ends',
      record: rec({ state: 'open', openUntil: at(T0 + 10 * MIN), consecutiveFailures: 2 }),
      expected: {
        allowed: false,
        state: 'open',
        blocks: [{ kind: 'cooling-down', consecutiveFailures: 2, cooldownMs: 30 * MIN, until: at(T0 + 10 * MIN) }],
        nextAttemptAt: at(T0 + 10 * MIN),
      },
    },
    {
      name: 'an open circuit whose cooldown ended is half-open and allows one trial',
      record: rec({ state: 'open', openUntil: at(T0), consecutiveFailures: 1 }),
      expected: { allowed: true, state: 'half-open', blocks: [], nextAttemptAt: null },
    },
    {
      name: 'a half-open circuit whose trial runs blocks until it reports back or the hold ends',
      record: rec({ state: 'half-open', openUntil: at(T0 + 5 * MIN), attempts: [at(T0 - 25 * MIN)] }),
      expected: { allowed: false, state: 'half-open', blocks: [{ kind: 'trial-running', until: at(T0 + 5 * MIN) }], nextAttemptAt: at(T0 + 5 * MIN) },
    },
    {
      name: 'with two blocks, the later release time wins',
      record: rec({ state: 'open', openUntil: at(T0 + 40 * MIN), consecutiveFailures: 1, attempts: [at(T0 - 23.5 * HOUR), at(T0 - HOUR), at(T0 - MIN)] }),
      expected: { allowed: false, state: 'open', nextAttemptAt: at(T0 + 40 * MIN) },
    },
    {
      name: 'an open circuit with an unreadable end counts as cooled down',
      record: rec({ state: 'open', openUntil: 'not a time', consecutiveFailures: 1 }),
      expected: { allowed: true, state: 'half-open' },
    },
  ];
  it.each(cases)('$name', ({ record, now, expected }) => {
    const judgement = judge(record === null ? null : frozen(record), policy, now ?? T0);
    expect(judgement).toMatchObject(expected);
    expect(judgement.allowed).toBe(judgement.blocks.length === 0);
  });

  it('reports two blocks when both the limit and the cooldown hold', () => {
    const judgement = judge(rec({ state: 'open', openUntil: at(T0 + MIN), consecutiveFailures: 1, attempts: [at(T0 - 3), at(T0 - 2), at(T0 - 1)] }), policy, T0);
    expect(judgement.blocks.map((b) => b.kind)).toEqual(['attempt-limit', 'cooling-down']);
    expect(judgement.nextAttemptAt).toBe(at(T0 - 3 + 24 * HOUR));
  });
});

describe('transition', () => {
  const cases: Array<{ name: string; record: BreakerRecord; event: BreakerEvent; expected: Partial<BreakerRecord> | null }> = [
    {
      name: 'an attempt on a new record counts it',
      record: emptyBreakerRecord('app:wp'),
      event: { type: 'attempt', at: T0 },
      expected: { key: 'app:wp', attempts: [at(T0)], state: 'closed', openUntil: null, updatedAt: at(T0) },
    },
    {
      name: 'an attempt drops the attempts that left the window',
      record: rec({ attempts: [at(T0 - 25 * HOUR), at(T0 - HOUR)] }),
      event: { type: 'attempt', at: T0 },
      expected: { attempts: [at(T0 - HOUR), at(T0)] },
    },
    {
      name: 'an attempt after the cooldown takes the trial and holds the circuit for one cooldown',
      record: rec({ state: 'open', openUntil: at(T0 - MIN), consecutiveFailures: 1 }),
      event: { type: 'attempt', at: T0 },
      expected: { state: 'half-open', openUntil: at(T0 + 30 * MIN), consecutiveFailures: 1 },
    },
    {
      name: 'an attempt during the cooldown leaves the circuit open',
      record: rec({ state: 'open', openUntil: at(T0 + MIN), consecutiveFailures: 1 }),
      event: { type: 'attempt', at: T0 },
      expected: { state: 'open', openUntil: at(T0 + MIN), attempts: [at(T0)] },
    },
    {
      name: 'a success closes the circuit and keeps a demotion',
      record: rec({ state: 'half-open', openUntil: at(T0 + MIN), consecutiveFailures: 3, demotedTo: 'supervised' }),
      event: { type: 'success', at: T0 },
      expected: { state: 'closed', openUntil: null, consecutiveFailures: 0, demotedTo: 'supervised', updatedAt: at(T0) },
    },
    {
      name: 'a failure opens the circuit for the cooldown',
      record: rec(),
      event: { type: 'failure', at: T0 },
      expected: { state: 'open', openUntil: at(T0 + 30 * MIN), consecutiveFailures: 1, demotedTo: null },
    },
    {
      name: 'a failure without demote never demotes (an action record)',
      record: rec({ key: 'action:wp:a/b', consecutiveFailures: 1 }),
      event: { type: 'failure', at: T0 },
      expected: { consecutiveFailures: 2, demotedTo: null },
    },
    {
      name: 'the first failure of an app does not demote yet',
      record: rec(),
      event: { type: 'failure', at: T0, demote: { mode: 'auto' } },
      expected: { consecutiveFailures: 1, demotedTo: null },
    },
    {
      name: 'the second failure in a row demotes auto to supervised',
      record: rec({ consecutiveFailures: 1 }),
      event: { type: 'failure', at: T0, demote: { mode: 'auto' } },
      expected: { consecutiveFailures: 2, demotedTo: 'supervised' },
    },
    {
      name: 'the step starts from the configured mode',
      record: rec({ consecutiveFailures: 1 }),
      event: { type: 'failure', at: T0, demote: { mode: 'supervised' } },
      expected: { demotedTo: 'manual' },
    },
    {
      name: 'the fourth failure steps down again from the demoted mode',
      record: rec({ consecutiveFailures: 3, demotedTo: 'supervised' }),
      event: { type: 'failure', at: T0, demote: { mode: 'auto' } },
      expected: { consecutiveFailures: 4, demotedTo: 'manual' },
    },
    {
      name: 'manual is the floor',
      record: rec({ consecutiveFailures: 5, demotedTo: 'manual' }),
      event: { type: 'failure', at: T0, demote: { mode: 'auto' } },
      expected: { demotedTo: 'manual' },
    },
    {
      name: 'a tick shows an expired cooldown as half-open, drops old attempts and records nothing',
      record: rec({ state: 'open', openUntil: at(T0 - MIN), attempts: [at(T0 - 25 * HOUR), at(T0 - HOUR)] }),
      event: { type: 'tick', at: T0 },
      expected: { state: 'half-open', openUntil: at(T0 - MIN), attempts: [at(T0 - HOUR)], updatedAt: at(T0 - HOUR) },
    },
    {
      name: 'a tick during the cooldown leaves the circuit open',
      record: rec({ state: 'open', openUntil: at(T0 + MIN) }),
      event: { type: 'tick', at: T0 },
      expected: { state: 'open' },
    },
    {
      name: 'a reset forgets the record',
      record: rec({ state: 'open', openUntil: at(T0 + MIN), consecutiveFailures: 4, demotedTo: 'manual' }),
      event: { type: 'reset' },
      expected: null,
    },
  ];
  it.each(cases)('$name', ({ record, event, expected }) => {
    const before = structuredClone(record);
    const next = transition(frozen(record), event, policy);
    if (expected === null) expect(next).toBeNull();
    else expect(next).toMatchObject(expected);
    expect(record).toEqual(before);
  });

  it('replays a whole story: 3 attempts, failures, a trial, a success', () => {
    const events: BreakerEvent[] = [
      { type: 'attempt', at: T0 },
      { type: 'failure', at: T0 + MIN, demote: { mode: 'auto' } },
      { type: 'attempt', at: T0 + 31 * MIN },
      { type: 'failure', at: T0 + 32 * MIN, demote: { mode: 'auto' } },
      { type: 'attempt', at: T0 + 62 * MIN },
      { type: 'success', at: T0 + 63 * MIN },
    ];
    let record = emptyBreakerRecord('app:wp');
    const seen: Array<[string, boolean]> = [];
    for (const event of events) {
      if (event.type === 'attempt') seen.push([judge(record, policy, event.at).state, judge(record, policy, event.at).allowed]);
      record = transition(record, event as Exclude<BreakerEvent, { type: 'reset' }>, policy);
    }
    expect(seen).toEqual([
      ['closed', true],
      ['half-open', true],
      ['half-open', true],
    ]);
    expect(record).toMatchObject({ state: 'closed', consecutiveFailures: 0, demotedTo: 'supervised', attempts: [at(T0), at(T0 + 31 * MIN), at(T0 + 62 * MIN)] });
    expect(judge(record, policy, T0 + 64 * MIN)).toMatchObject({ allowed: false, blocks: [{ kind: 'attempt-limit', until: at(T0 + 24 * HOUR) }] });
  });
});

describe('effectiveMode', () => {
  it.each([
    { demotedTo: null, configured: 'auto', expected: 'auto' },
    { demotedTo: 'supervised', configured: 'auto', expected: 'supervised' },
    { demotedTo: 'supervised', configured: 'manual', expected: 'manual' },
    { demotedTo: 'manual', configured: 'supervised', expected: 'manual' },
  ] as const)('configured $configured, demoted to $demotedTo -> $expected', ({ demotedTo, configured, expected }) => {
    expect(effectiveMode(rec({ demotedTo }), configured)).toBe(expected);
  });
  it('a missing record keeps the configured mode', () => {
    expect(effectiveMode(null, 'supervised')).toBe('supervised');
  });
});

describe('resolveBreakerPolicy', () => {
  it('fills the defaults and keeps the given limits', () => {
    expect(resolveBreakerPolicy()).toEqual(DEFAULT_BREAKER_POLICY);
    expect(resolveBreakerPolicy({ maxAttempts: 5, cooldownMs: 0 })).toEqual({ ...DEFAULT_BREAKER_POLICY, maxAttempts: 5, cooldownMs: 0 });
  });
  it.each([{ maxAttempts: 0 }, { windowMs: 1.5 }, { cooldownMs: -1 }, { demoteAfter: Number.NaN }])('refuses %o with INVALID_ARGUMENT', (bad) => {
    let error: unknown;
    try {
      resolveBreakerPolicy(bad);
    } catch (e) {
      error = e;
    }
    expect(isHealerError(error) && error.code).toBe('INVALID_ARGUMENT');
  });
});

describe('describeBreaker', () => {
  it.each([
    {
      subject: { appId: 'wp' },
      record: null,
      text: 'App wp: circuit closed; 0 of 3 heal attempts used in the last 24 h.',
    },
    {
      subject: { appId: 'wp', actionId: 'wordpress/clear-cache' },
      record: rec({ state: 'open', openUntil: at(T0 + 10 * MIN), consecutiveFailures: 1 }),
      text: `Action wordpress/clear-cache on wp: circuit open after 1 failure in a row; the 30 min cooldown ends at ${at(T0 + 10 * MIN)}.`,
    },
    {
      subject: { appId: 'wp' },
      record: rec({ state: 'open', openUntil: at(T0), consecutiveFailures: 2, attempts: [at(T0 - HOUR)] }),
      text: 'App wp: cooldown over, one trial heal allowed (circuit half-open); 1 of 3 heal attempts used in the last 24 h.',
    },
    {
      subject: { appId: 'wp' },
      record: rec({ state: 'half-open', openUntil: at(T0 + MIN), attempts: [at(T0 - 3), at(T0 - 2), at(T0 - 1)] }),
      text:
        `App wp: 3 heal attempts in the last 24 h (limit 3); next attempt allowed at ${at(T0 - 3 + 24 * HOUR)}. ` +
        `App wp: a trial heal after the cooldown is under way; next attempt allowed at ${at(T0 + MIN)} unless it reports back first.`,
    },
  ])('$text', ({ subject, record, text }) => {
    expect(describeBreaker(subject, judge(record, policy, T0))).toBe(text);
  });

  it.each([
    [24 * HOUR, '24 h'],
    [90 * MIN, '1 h 30 min'],
    [1500, '1 s 500 ms'],
    [0, '0 s'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
