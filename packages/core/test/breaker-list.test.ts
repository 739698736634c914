/**
 * The breaker service's listing, against the stores Healer ships: in memory,
 * and the folder the CLI uses (read back by a second store, as another
 * process would).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../src/contract/state.js';
import { CircuitBreaker } from '../src/engine/breaker.js';
import { describeBreaker } from '../src/engine/breaker-wording.js';
import { createHealer } from '../src/healer.js';
import { FolderStateStore } from '../src/state/folder-store.js';
import { MemoryStateStore } from '../src/state/memory-store.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const at = (ms: number) => new Date(ms).toISOString();

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const stores: Array<[string, () => Promise<{ store: StateStore; reader: StateStore }>]> = [
  [
    'MemoryStateStore',
    async () => {
      const store = new MemoryStateStore();
      return { store, reader: store };
    },
  ],
  [
    'FolderStateStore',
    async () => {
      const home = await mkdtemp(join(tmpdir(), 'healer-breaker-list-'));
      cleanups.push(() => rm(home, { recursive: true, force: true }));
      return { store: new FolderStateStore({ home }), reader: new FolderStateStore({ home }) };
    },
  ],
];

describe.each(stores)('CircuitBreaker.listBreakers on %s', (_name, open) => {
  it('lists the records under a prefix as of now, sorted by key, and nothing of other apps', async () => {
    const { store, reader } = await open();
    let now = T0;
    const breaker = new CircuitBreaker(store, { now: () => now });
    await breaker.recordAttempt('local:srv-app');
    await breaker.recordFailure('local:srv-app', 'wp/restart');
    await breaker.recordAttempt('local:srv-app', 'wp/clear-cache');
    await breaker.recordFailure('local:srv-app2', 'wp/restart');
    await breaker.recordAttempt('local:srv-app2');

    now = T0 + 31 * MIN;
    const listed = await new CircuitBreaker(reader, { now: () => now }).listBreakers({ prefix: 'action:local:srv-app:' });
    expect(listed.map((r) => r.key)).toEqual(['action:local:srv-app:wp/clear-cache', 'action:local:srv-app:wp/restart']);
    // As of now: the failed action's cooldown (30 min) has passed.
    expect(listed[1]).toMatchObject({ state: 'half-open', consecutiveFailures: 1, openUntil: at(T0 + 30 * MIN) });
    expect(listed[0]).toMatchObject({ state: 'closed', attempts: [at(T0)] });
    // The store keeps what was recorded; the listing only reads.
    expect((await reader.getBreaker('action:local:srv-app:wp/restart'))?.state).toBe('open');

    expect((await breaker.listBreakers({ prefix: 'app:local:srv-app' })).map((r) => r.key)).toEqual(['app:local:srv-app', 'app:local:srv-app2']);
    expect(await breaker.listBreakers()).toHaveLength(5);

    await breaker.reset('local:srv-app');
    expect((await breaker.listBreakers()).map((r) => r.key)).toEqual(['action:local:srv-app2:wp/restart', 'app:local:srv-app2']);
  });

  it('drops attempts that left the window from the listing', async () => {
    const { store } = await open();
    let now = T0;
    const breaker = new CircuitBreaker(store, { now: () => now, windowMs: 10 * MIN });
    await breaker.recordAttempt('a', 'x/y');
    now = T0 + 5 * MIN;
    await breaker.recordAttempt('a', 'x/y');
    now = T0 + 11 * MIN;
    expect((await breaker.listBreakers({ prefix: 'action:a:' }))[0]?.attempts).toEqual([at(T0 + 5 * MIN)]);
  });
});

describe('healer.breaker.list', () => {
  it('lists the records of the healer store under a prefix', async () => {
    const state = new MemoryStateStore();
    const seeded = new CircuitBreaker(state, { now: () => T0 });
    await seeded.recordFailure('local:app', 'nodejs/restart');
    await seeded.recordFailure('local:other', 'nodejs/restart');
    const healer = createHealer({ state, now: () => new Date(T0 + MIN) });
    try {
      const listed = await healer.breaker.list({ prefix: 'action:local:app:' });
      expect(listed.map((r) => r.key)).toEqual(['action:local:app:nodejs/restart']);
      expect(listed[0]).toMatchObject({ state: 'open', consecutiveFailures: 1 });
      expect(await healer.breaker.list()).toHaveLength(2);
    } finally {
      await healer.close();
    }
  });
});

describe('CircuitBreaker.check gives the why as data', () => {
  it('carries each judged circuit, and its reason is describeBreaker of them', async () => {
    const breaker = new CircuitBreaker(new MemoryStateStore(), { now: () => T0 });
    await breaker.recordFailure('wp', 'wordpress/clear-cache');
    const decision = await breaker.check('wp', 'wordpress/clear-cache');
    expect(decision.verdicts).toEqual([
      {
        key: 'app:wp',
        subject: { appId: 'wp' },
        judgement: { allowed: true, state: 'closed', attempts: 0, maxAttempts: 3, windowMs: 24 * 60 * MIN, blocks: [], nextAttemptAt: null },
      },
      {
        key: 'action:wp:wordpress/clear-cache',
        subject: { appId: 'wp', actionId: 'wordpress/clear-cache' },
        judgement: {
          allowed: false,
          state: 'open',
          attempts: 0,
          maxAttempts: 3,
          windowMs: 24 * 60 * MIN,
          blocks: [{ kind: 'cooling-down', consecutiveFailures: 1, cooldownMs: 30 * MIN, until: at(T0 + 30 * MIN) }],
          nextAttemptAt: at(T0 + 30 * MIN),
        },
      },
    ]);
    expect(decision.reason).toBe(describeBreaker(decision.verdicts[1]!.subject, decision.verdicts[1]!.judgement));
    expect(decision).toMatchObject({ allowed: false, blockedBy: 'action:wp:wordpress/clear-cache', nextAttemptAt: at(T0 + 30 * MIN) });
  });
});
