import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isHealerError } from '../errors.js';
import { MemoryStateStore } from '../state/memory-store.js';
import { CircuitBreaker, DEFAULT_BREAKER_POLICY } from './breaker.js';

const HOUR = 3_600_000;
const MIN = 60_000;
const T0 = Date.parse('2026-03-01T08:00:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();

describe('CircuitBreaker', () => {
  let store: MemoryStateStore;
  let breaker: CircuitBreaker;
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
    store = new MemoryStateStore();
    breaker = new CircuitBreaker(store);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('defaults to 3 attempts per 24 h, a 30 min cooldown and demotion after 2 failures', () => {
    expect(DEFAULT_BREAKER_POLICY).toEqual({ maxAttempts: 3, windowMs: 24 * HOUR, cooldownMs: 30 * MIN, demoteAfter: 2 });
  });

  it('blocks the 4th attempt in 24 h until the oldest one leaves the window', async () => {
    await breaker.recordAttempt('wp');
    vi.setSystemTime(T0 + 2 * HOUR);
    await breaker.recordAttempt('wp');
    vi.setSystemTime(T0 + 5 * HOUR);
    expect(await breaker.check('wp')).toMatchObject({ allowed: true, state: 'closed', nextAttemptAt: null });
    await breaker.recordAttempt('wp');
    vi.setSystemTime(T0 + 6 * HOUR);
    const blocked = await breaker.check('wp');
    expect(blocked).toMatchObject({ allowed: false, state: 'closed', nextAttemptAt: at(T0 + 24 * HOUR), blockedBy: 'app:wp' });
    expect(blocked.reason).toBe(
      `App wp: 3 heal attempts in the last 24 h (limit 3); next attempt allowed at ${at(T0 + 24 * HOUR)}.`,
    );
    vi.setSystemTime(T0 + 24 * HOUR - 1);
    expect((await breaker.check('wp')).allowed).toBe(false);
    vi.setSystemTime(T0 + 24 * HOUR);
    expect(await breaker.check('wp')).toMatchObject({ allowed: true, nextAttemptAt: null });
  });

  it('slides the window: each old attempt frees one slot as it expires', async () => {
    for (const h of [0, 1, 2]) {
      vi.setSystemTime(T0 + h * HOUR);
      await breaker.recordAttempt('wp');
    }
    vi.setSystemTime(T0 + 24 * HOUR);
    await breaker.recordAttempt('wp');
    expect(await breaker.check('wp')).toMatchObject({ allowed: false, nextAttemptAt: at(T0 + 25 * HOUR) });
    vi.setSystemTime(T0 + 25 * HOUR);
    expect((await breaker.check('wp')).allowed).toBe(true);
    // Attempts that left the window are pruned from the record on the next write.
    const record = await breaker.recordAttempt('wp');
    expect(record?.attempts).toEqual([at(T0 + 2 * HOUR), at(T0 + 24 * HOUR), at(T0 + 25 * HOUR)]);
  });

  it('opens for the cooldown after a failure, then allows exactly one trial (half-open)', async () => {
    await breaker.recordAttempt('wp');
    vi.setSystemTime(T0 + MIN);
    await breaker.recordFailure('wp');
    vi.setSystemTime(T0 + 20 * MIN);
    const open = await breaker.check('wp');
    expect(open).toMatchObject({ allowed: false, state: 'open', nextAttemptAt: at(T0 + 31 * MIN) });
    expect(open.reason).toBe(`App wp: circuit open after 1 failure in a row; the 30 min cooldown ends at ${at(T0 + 31 * MIN)}.`);

    vi.setSystemTime(T0 + 31 * MIN);
    const trial = await breaker.check('wp');
    expect(trial).toMatchObject({ allowed: true, state: 'half-open' });
    expect(trial.reason).toContain('one trial heal allowed');
    await breaker.recordAttempt('wp');
    vi.setSystemTime(T0 + 32 * MIN);
    const second = await breaker.check('wp');
    expect(second).toMatchObject({ allowed: false, state: 'half-open', nextAttemptAt: at(T0 + 61 * MIN) });
    expect(second.reason).toContain('trial heal after the cooldown is under way');
  });

  it('closes the circuit on a successful trial', async () => {
    await breaker.recordFailure('wp');
    vi.setSystemTime(T0 + 30 * MIN);
    await breaker.recordAttempt('wp');
    await breaker.recordSuccess('wp');
    expect(await breaker.check('wp')).toMatchObject({ allowed: true, state: 'closed' });
    expect((await store.getBreaker('app:wp'))?.consecutiveFailures).toBe(0);
  });

  it('opens again when the trial fails', async () => {
    await breaker.recordFailure('wp');
    vi.setSystemTime(T0 + 30 * MIN);
    await breaker.recordAttempt('wp');
    await breaker.recordFailure('wp', undefined, { mode: 'manual' });
    expect(await breaker.check('wp')).toMatchObject({ allowed: false, state: 'open', nextAttemptAt: at(T0 + 60 * MIN) });
  });

  it('demotes auto -> supervised after 2 failures in a row, then to manual, and stays there', async () => {
    expect(await breaker.effectiveMode('wp', 'auto')).toBe('auto');
    await breaker.recordFailure('wp', undefined, { mode: 'auto' });
    expect(await breaker.effectiveMode('wp', 'auto')).toBe('auto');
    await breaker.recordFailure('wp', undefined, { mode: 'auto' });
    expect(await breaker.effectiveMode('wp', 'auto')).toBe('supervised');
    // A success resets the streak but keeps the demotion until a person resets it.
    await breaker.recordSuccess('wp');
    expect(await breaker.effectiveMode('wp', 'auto')).toBe('supervised');
    await breaker.recordFailure('wp', undefined, { mode: 'auto' });
    expect(await breaker.effectiveMode('wp', 'auto')).toBe('supervised');
    await breaker.recordFailure('wp', undefined, { mode: 'auto' });
    expect(await breaker.effectiveMode('wp', 'auto')).toBe('manual');
    await breaker.recordFailure('wp', undefined, { mode: 'auto' });
    await breaker.recordFailure('wp', undefined, { mode: 'auto' });
    expect((await store.getBreaker('app:wp'))?.demotedTo).toBe('manual');
    // The effective mode never exceeds the configured one.
    expect(await breaker.effectiveMode('wp', 'supervised')).toBe('manual');
  });

  it('steps down from the configured mode it is told about', async () => {
    await breaker.recordFailure('wp', undefined, { mode: 'supervised' });
    await breaker.recordFailure('wp', undefined, { mode: 'supervised' });
    expect(await breaker.effectiveMode('wp', 'supervised')).toBe('manual');
  });

  it('never demotes on action failures', async () => {
    for (let i = 0; i < 4; i++) await breaker.recordFailure('wp', 'wordpress/clear-cache');
    expect(await breaker.effectiveMode('wp', 'auto')).toBe('auto');
  });

  it('reset restores the app and all its actions, and nothing of other apps', async () => {
    for (let i = 0; i < 3; i++) await breaker.recordAttempt('wp');
    await breaker.recordFailure('wp');
    await breaker.recordFailure('wp');
    await breaker.recordFailure('wp', 'wordpress/clear-cache');
    await breaker.recordFailure('other', 'wordpress/clear-cache');
    expect((await breaker.check('wp', 'wordpress/clear-cache')).allowed).toBe(false);
    await breaker.reset('wp');
    expect(await breaker.check('wp', 'wordpress/clear-cache')).toMatchObject({ allowed: true, state: 'closed' });
    expect(await breaker.effectiveMode('wp', 'auto')).toBe('auto');
    expect((await breaker.check('other', 'wordpress/clear-cache')).allowed).toBe(false);
  });

  it('keeps each action circuit independent of the others', async () => {
    await breaker.recordAttempt('wp', 'wordpress/clear-cache');
    await breaker.recordFailure('wp', 'wordpress/clear-cache');
    const blocked = await breaker.check('wp', 'wordpress/clear-cache');
    expect(blocked).toMatchObject({ allowed: false, state: 'open', blockedBy: 'action:wp:wordpress/clear-cache' });
    expect(blocked.reason).toMatch(/^Action wordpress\/clear-cache on wp: circuit open/);
    expect(await breaker.check('wp', 'wordpress/restart-php-fpm')).toMatchObject({ allowed: true, state: 'closed' });
    expect((await breaker.check('wp')).allowed).toBe(true);
  });

  it('blocks every action while the app circuit is open, and reports the latest release time', async () => {
    await breaker.recordFailure('wp');
    vi.setSystemTime(T0 + 10 * MIN);
    await breaker.recordFailure('wp', 'wordpress/clear-cache');
    const both = await breaker.check('wp', 'wordpress/clear-cache');
    expect(both).toMatchObject({ allowed: false, nextAttemptAt: at(T0 + 40 * MIN), blockedBy: 'action:wp:wordpress/clear-cache' });
    expect(both.reason).toContain('App wp: circuit open');
    expect((await breaker.check('wp', 'wordpress/restart-php-fpm')).nextAttemptAt).toBe(at(T0 + 30 * MIN));
  });

  it('shows the records as of now in status()', async () => {
    await breaker.recordAttempt('wp');
    await breaker.recordFailure('wp');
    await breaker.recordFailure('wp', 'b/action');
    await breaker.recordFailure('wp', 'a/action');
    vi.setSystemTime(T0 + 25 * HOUR);
    const status = await breaker.status('wp');
    expect(status.app).toMatchObject({ key: 'app:wp', state: 'half-open', attempts: [], consecutiveFailures: 1 });
    expect(status.actions.map((r) => r.key)).toEqual(['action:wp:a/action', 'action:wp:b/action']);
    expect(status.decision).toMatchObject({ allowed: true, state: 'half-open' });
  });

  it('honours a custom policy and clock', async () => {
    let now = T0;
    const custom = new CircuitBreaker(store, { maxAttempts: 1, windowMs: HOUR, cooldownMs: MIN, now: () => now });
    await custom.recordAttempt('wp');
    now += 30 * MIN;
    expect((await custom.check('wp')).reason).toBe(
      `App wp: 1 heal attempt in the last 1 h (limit 1); next attempt allowed at ${at(T0 + HOUR)}.`,
    );
    now = T0 + HOUR;
    expect((await custom.check('wp')).allowed).toBe(true);
    expect(() => new CircuitBreaker(store, { demoteAfter: 0 })).toThrow(
      expect.toSatisfy((e: unknown) => isHealerError(e, 'INVALID_ARGUMENT')),
    );
  });
});
