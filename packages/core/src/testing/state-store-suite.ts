/**
 * The behaviour every StateStore must have, for the authors of other stores
 * (a database, a key-value service): `describeStateStore(name, factory)`
 * registers the suite with vitest for one implementation; the factory gives
 * a fresh, empty store and a cleanup. Import it from `@healer/core/testing`
 * in a vitest test file.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackupManifest } from '../contract/backup.js';
import type { BreakerRecord, ExecutionPage, LockOwner, StateStore } from '../contract/state.js';
import { isHealerError } from '../errors.js';
import type { Execution, TimelineEvent } from '../schemas.js';

export interface StoreUnderTest {
  store: StateStore;
  /** Another store on the same state (another process would see the same), when the store supports it. */
  reopen?: () => StateStore;
  cleanup?: () => Promise<void>;
}

export function makeExecution(executionId: string, overrides: Partial<Execution> = {}): Execution {
  return {
    executionId,
    kind: 'heal',
    appId: 'local:srv-app',
    target: { host: 'local', path: '/srv/app' },
    plugin: 'nodejs',
    mode: 'supervised',
    state: 'PENDING',
    planHash: null,
    message: '',
    nextAttemptAt: null,
    attempts: [],
    timeline: [],
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: null,
    ...overrides,
  };
}

export function makeEvent(seq: number, overrides: Partial<TimelineEvent> = {}): TimelineEvent {
  return { seq, at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(), type: 'state', message: `step ${seq}`, ...overrides };
}

export function makeBackup(id: string, appId: string, createdAt: string): BackupManifest {
  return {
    id,
    executionId: `exec-${id}`,
    actionId: 'nodejs/restart',
    appId,
    host: 'local',
    appRoot: '/srv/app',
    dir: `/srv/.healer-backups/${id}`,
    createdAt,
    expiresAt: '2026-02-01T00:00:00.000Z',
    roots: ['/srv/app/.env'],
    files: [{ path: '/srv/app/.env', type: 'file', size: 3, sha256: 'ab'.repeat(32), mode: 0o600 }],
    parts: [],
  };
}

function breaker(key: string, consecutiveFailures = 0): BreakerRecord {
  return {
    key,
    attempts: [],
    state: 'closed',
    openUntil: null,
    consecutiveFailures,
    demotedTo: null,
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** The pid of a process that has exited (spawned and waited for). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid;
  await once(child, 'exit');
  if (pid === undefined) throw new Error('child had no pid');
  return pid;
}

const me: LockOwner = { pid: process.pid, hostname: hostname(), purpose: 'test' };

export function describeStateStore(
  name: string,
  factory: () => Promise<StoreUnderTest>,
  options: { reopenable?: boolean } = {},
): void {
  describe(`StateStore conformance: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: StateStore;
    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.cleanup?.();
    });

    describe('executions', () => {
      it('creates, reads back and refuses a second create of the same id', async () => {
        const execution = makeExecution('exec-1', { timeline: [makeEvent(1)] });
        await store.createExecution(execution);
        expect(await store.getExecution('exec-1')).toEqual(execution);
        expect(await store.getExecution('exec-unknown')).toBeNull();
        await expect(store.createExecution(makeExecution('exec-1'))).rejects.toSatisfy((e) => isHealerError(e, 'INVALID_ARGUMENT'));
      });

      it('keeps journal events in the order they were appended', async () => {
        await store.createExecution(makeExecution('exec-1'));
        for (const seq of [1, 2, 3, 4, 5]) await store.appendEvent('exec-1', makeEvent(seq, { state: 'APPLYING', data: { n: seq } }));
        const got = await store.getExecution('exec-1');
        expect(got?.timeline.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(got?.timeline[4]).toEqual(makeEvent(5, { state: 'APPLYING', data: { n: 5 } }));
      });

      it('reads the state and the events after a seq, when it has eventsAfter', async () => {
        if (!store.eventsAfter) return;
        await store.createExecution(makeExecution('exec-1'));
        for (const seq of [1, 2, 3, 4]) await store.appendEvent('exec-1', makeEvent(seq, { data: { n: seq } }));
        await store.updateExecution('exec-1', { state: 'APPLYING' });
        expect(await store.eventsAfter('exec-1', 2)).toEqual({ state: 'APPLYING', events: [makeEvent(3, { data: { n: 3 } }), makeEvent(4, { data: { n: 4 } })] });
        expect(await store.eventsAfter('exec-1', 4)).toEqual({ state: 'APPLYING', events: [] });
        expect((await store.eventsAfter('exec-1', 0))?.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
        expect(await store.eventsAfter('nope', 0)).toBeNull();
      });

      it('rejects events and updates for an unknown execution', async () => {
        await expect(store.appendEvent('nope', makeEvent(1))).rejects.toSatisfy((e) => isHealerError(e, 'EXECUTION_NOT_FOUND'));
        await expect(store.updateExecution('nope', { state: 'FIXED' })).rejects.toSatisfy((e) =>
          isHealerError(e, 'EXECUTION_NOT_FOUND'),
        );
      });

      it('updates header fields and never the timeline or the id', async () => {
        await store.createExecution(makeExecution('exec-1'));
        await store.appendEvent('exec-1', makeEvent(1));
        const sneaky = { state: 'FIXED', finishedAt: '2026-01-01T00:05:00.000Z', timeline: [], executionId: 'other' };
        await store.updateExecution('exec-1', sneaky as Parameters<StateStore['updateExecution']>[1]);
        const got = await store.getExecution('exec-1');
        expect(got).toMatchObject({ executionId: 'exec-1', state: 'FIXED', finishedAt: '2026-01-01T00:05:00.000Z' });
        expect(got?.timeline).toHaveLength(1);
        expect(await store.getExecution('other')).toBeNull();
      });

      it('lists headers newest first, filtered by app, state, kind and time, without timelines', async () => {
        await store.createExecution(makeExecution('a', { startedAt: '2026-01-02T00:00:00.000Z', state: 'FIXED' }));
        await store.createExecution(makeExecution('b', { startedAt: '2026-01-03T00:00:00.000Z', state: 'FAILED', kind: 'rollback' }));
        await store.createExecution(makeExecution('c', { startedAt: '2026-01-01T00:00:00.000Z', appId: 'other' }));
        await store.createExecution(makeExecution('d', { startedAt: '2026-01-04T00:00:00.000Z', state: 'FIXED' }));
        await store.appendEvent('b', makeEvent(1));
        await store.appendEvent('b', makeEvent(2));
        const ids = (page: ExecutionPage) => page.items.map((e) => e.executionId);
        expect(ids(await store.listExecutions())).toEqual(['d', 'b', 'a', 'c']);
        expect(ids(await store.listExecutions({ appId: 'local:srv-app' }))).toEqual(['d', 'b', 'a']);
        expect(ids(await store.listExecutions({ states: ['FIXED'] }))).toEqual(['d', 'a']);
        expect(ids(await store.listExecutions({ kind: 'rollback' }))).toEqual(['b']);
        expect(ids(await store.listExecutions({ since: '2026-01-02T00:00:00.000Z', until: '2026-01-04T00:00:00.000Z' }))).toEqual(['b', 'a']);
        const failed = (await store.listExecutions({ states: ['FAILED'] })).items[0];
        expect(failed).toMatchObject({ executionId: 'b', kind: 'rollback', events: 2 });
        expect(failed).not.toHaveProperty('timeline');
      });

      it('pages with a cursor: every execution once, in order, whatever the page size', async () => {
        // Two share a start time: the id breaks the tie, so no page boundary loses or repeats one.
        const starts = ['2026-01-05', '2026-01-03', '2026-01-03', '2026-01-01', '2026-01-04', '2026-01-02', '2026-01-03'];
        for (const [i, day] of starts.entries()) await store.createExecution(makeExecution(`e${i}`, { startedAt: `${day}T00:00:00.000Z` }));
        const whole = (await store.listExecutions({ limit: 100 })).items.map((e) => e.executionId);
        expect(whole).toEqual(['e0', 'e4', 'e6', 'e2', 'e1', 'e5', 'e3']);
        for (const limit of [1, 2, 3, 7]) {
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await store.listExecutions({ limit, ...(cursor ? { cursor } : {}) });
            expect(page.items.length).toBeLessThanOrEqual(limit);
            seen.push(...page.items.map((e) => e.executionId));
            cursor = page.nextCursor ?? undefined;
            pages += 1;
          } while (cursor && pages < 20);
          expect(seen).toEqual(whole);
          expect(pages).toBe(Math.ceil(whole.length / limit));
        }
        // A page made before a newer execution was added still continues where it stopped.
        const first = await store.listExecutions({ limit: 2 });
        await store.createExecution(makeExecution('newest', { startedAt: '2026-02-01T00:00:00.000Z' }));
        expect((await store.listExecutions({ limit: 2, cursor: first.nextCursor! })).items.map((e) => e.executionId)).toEqual(['e6', 'e2']);
      });

      it('refuses a bad filter before reading anything', async () => {
        for (const filter of [{ limit: 0 }, { limit: 501 }, { limit: 1.5 }, { since: 'yesterday' }, { until: '2026-13-45' }, { cursor: 'not-a-cursor' }]) {
          await expect(store.listExecutions(filter)).rejects.toSatisfy((e) => isHealerError(e, 'INVALID_ARGUMENT'));
        }
      });

      it('accepts ids with separators and dots', async () => {
        for (const id of ['local:/srv/app#1', '../../escape', 'Upper.Case']) {
          await store.createExecution(makeExecution(id));
          await store.appendEvent(id, makeEvent(1));
          expect((await store.getExecution(id))?.executionId).toBe(id);
        }
        expect((await store.listExecutions()).items).toHaveLength(3);
      });

      it('hands out copies: changing a returned object changes nothing stored', async () => {
        const execution = makeExecution('exec-1');
        await store.createExecution(execution);
        execution.state = 'FAILED';
        const got = await store.getExecution('exec-1');
        if (got === null) throw new Error('missing');
        got.timeline.push(makeEvent(9));
        got.state = 'FIXED';
        expect(await store.getExecution('exec-1')).toMatchObject({ state: 'PENDING', timeline: [] });
      });
    });

    describe('locks', () => {
      it('is exclusive, and each acquisition gets a larger fencing token', async () => {
        const first = await store.acquireLock('target:local:/srv/app', me, 60_000);
        expect(first).toMatchObject({ key: 'target:local:/srv/app', owner: me });
        expect(await store.acquireLock('target:local:/srv/app', { ...me, purpose: 'other' }, 60_000)).toBeNull();
        expect((await store.getLock('target:local:/srv/app'))?.token).toBe(first?.token);
        await store.releaseLock(first!);
        expect(await store.getLock('target:local:/srv/app')).toBeNull();
        const second = await store.acquireLock('target:local:/srv/app', me, 60_000);
        expect(second?.token).toBeGreaterThan(first!.token);
        expect(await store.acquireLock('another-key', me, 60_000)).not.toBeNull();
      });

      it('renews its own lease and reports false for a lock it no longer holds', async () => {
        const held = await store.acquireLock('k', me, 60_000);
        expect(await store.renewLock(held!, 120_000)).toBe(true);
        expect(Date.parse((await store.getLock('k'))!.expiresAt)).toBeGreaterThan(Date.now() + 90_000);
        // Close to the end of its lease too.
        const ending = await store.acquireLock('k2', me, 500);
        expect(await store.renewLock(ending!, 60_000)).toBe(true);
        expect(await store.getLock('k2')).toMatchObject({ token: ending!.token });
        expect(Date.parse((await store.getLock('k2'))!.expiresAt)).toBeGreaterThan(Date.now() + 30_000);
        await store.releaseLock(held!);
        expect(await store.renewLock(held!, 60_000)).toBe(false);
      });

      it('takes over a lock whose lease expired; the old holder can neither renew nor release it', async () => {
        const old = await store.acquireLock('k', me, 30);
        await sleep(80);
        const next = await store.acquireLock('k', { ...me, purpose: 'next' }, 60_000);
        expect(next?.token).toBeGreaterThan(old!.token);
        expect(await store.renewLock(old!, 60_000)).toBe(false);
        await store.releaseLock(old!);
        expect(await store.getLock('k')).toMatchObject({ token: next!.token, owner: { purpose: 'next' } });
      });

      it('takes over a lock held by a process of this host that has exited', async () => {
        const pid = await deadPid();
        expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
        const dead = await store.acquireLock('k', { pid, hostname: hostname() }, 3_600_000);
        expect(dead).not.toBeNull();
        const next = await store.acquireLock('k', me, 60_000);
        expect(next?.token).toBeGreaterThan(dead!.token);
        expect((await store.getLock('k'))?.owner.pid).toBe(process.pid);
      });

      it('trusts a holder on another host until its lease ends, even with a pid unknown here', async () => {
        const pid = await deadPid();
        expect(await store.acquireLock('k', { pid, hostname: `not-${hostname()}` }, 3_600_000)).not.toBeNull();
        expect(await store.acquireLock('k', me, 60_000)).toBeNull();
      });

      it('lets exactly one of many concurrent callers take a stale lock', async () => {
        await store.acquireLock('k', me, 20);
        await sleep(60);
        const stores = [store, ...Array.from({ length: 5 }, () => subject.reopen?.() ?? store)];
        const results = await Promise.all(stores.map((s, i) => s.acquireLock('k', { ...me, purpose: `racer-${i}` }, 60_000)));
        const winners = results.filter((r) => r !== null);
        expect(winners).toHaveLength(1);
        expect((await store.getLock('k'))?.token).toBe(winners[0]?.token);
      });
    });

    describe('fencing', () => {
      it('accepts writes fenced by the current token, and writes without a fence', async () => {
        await store.createExecution(makeExecution('exec-1', { state: 'QUEUED' }));
        const lock = await store.acquireLock('app:a', me, 60_000);
        const fence = { key: 'app:a', token: lock!.token };
        await store.appendEvent('exec-1', makeEvent(1), fence);
        await store.updateExecution('exec-1', { state: 'APPLYING' }, fence);
        // A caller that holds no lock (a program annotating a record) writes unchecked.
        await store.appendEvent('exec-1', makeEvent(2));
        await store.updateExecution('exec-1', { message: 'noted' });
        // Releasing the lock does not void its fence: only a newer acquisition does.
        await store.releaseLock(lock!);
        await store.appendEvent('exec-1', makeEvent(3), fence);
        expect(await store.getExecution('exec-1')).toMatchObject({ state: 'APPLYING', message: 'noted', timeline: [{ seq: 1 }, { seq: 2 }, { seq: 3 }] });
      });

      it('refuses, with LOCK_LOST and without writing, a write fenced by a token older than the lock\'s current one', async () => {
        await store.createExecution(makeExecution('exec-1'));
        const old = await store.acquireLock('app:a', me, 30);
        await store.appendEvent('exec-1', makeEvent(1), { key: 'app:a', token: old!.token });
        await sleep(80);
        // The lease ended; another run took the lock over.
        const next = await store.acquireLock('app:a', { ...me, purpose: 'recovery' }, 60_000);
        const stale = { key: 'app:a', token: old!.token };
        await expect(store.appendEvent('exec-1', makeEvent(2), stale)).rejects.toSatisfy((e) => isHealerError(e, 'LOCK_LOST'));
        await expect(store.updateExecution('exec-1', { state: 'FIXED' }, stale)).rejects.toSatisfy((e) => isHealerError(e, 'LOCK_LOST'));
        await store.appendEvent('exec-1', makeEvent(3), { key: 'app:a', token: next!.token });
        await store.updateExecution('exec-1', { state: 'ROLLED_BACK' }, { key: 'app:a', token: next!.token });
        // Another process sees the same refusal.
        const other = subject.reopen?.() ?? store;
        await expect(other.appendEvent('exec-1', makeEvent(4), stale)).rejects.toSatisfy((e) => isHealerError(e, 'LOCK_LOST'));
        const got = await store.getExecution('exec-1');
        expect(got?.timeline.map((e) => e.seq)).toEqual([1, 3]);
        expect(got?.state).toBe('ROLLED_BACK');
        // A fence names its own key: another lock's tokens do not matter.
        await store.acquireLock('app:b', me, 60_000);
        await store.acquireLock('app:b2', me, 60_000);
        await store.appendEvent('exec-1', makeEvent(5), { key: 'app:a', token: next!.token });
      });

      it('an unknown execution is EXECUTION_NOT_FOUND, fenced or not', async () => {
        await expect(store.appendEvent('nope', makeEvent(1), { key: 'app:a', token: 1 })).rejects.toSatisfy((e) => isHealerError(e, 'EXECUTION_NOT_FOUND'));
      });
    });

    describe('breakers', () => {
      it('reads, updates, lists and deletes records', async () => {
        expect(await store.getBreaker('app:x')).toBeNull();
        const seen: Array<BreakerRecord | null> = [];
        await store.updateBreaker('app:x', (current) => {
          seen.push(current);
          return breaker('app:x', 1);
        });
        await store.updateBreaker('app:x', (current) => {
          seen.push(current);
          return { ...current!, consecutiveFailures: current!.consecutiveFailures + 1 };
        });
        await store.updateBreaker('action:x:a/b', () => breaker('action:x:a/b'));
        expect(seen).toEqual([null, breaker('app:x', 1)]);
        expect((await store.getBreaker('app:x'))?.consecutiveFailures).toBe(2);
        expect((await store.listBreakers()).map((r) => r.key).sort()).toEqual(['action:x:a/b', 'app:x']);
        expect(await store.updateBreaker('app:x', () => null)).toBeNull();
        expect(await store.getBreaker('app:x')).toBeNull();
      });

      it('lists only the records whose key starts with a prefix', async () => {
        for (const key of ['app:x', 'action:x:a/b', 'action:x:c/d', 'app:xy', 'action:xy:a/b', 'action:local:srv:a/b']) {
          await store.updateBreaker(key, () => breaker(key));
        }
        const keys = async (prefix?: string) =>
          (await (prefix === undefined ? store.listBreakers() : store.listBreakers({ prefix }))).map((r) => r.key).sort();
        expect(await keys('action:x:')).toEqual(['action:x:a/b', 'action:x:c/d']);
        expect(await keys('app:x')).toEqual(['app:x', 'app:xy']);
        expect(await keys('action:local:srv:')).toEqual(['action:local:srv:a/b']);
        expect(await keys('nothing:')).toEqual([]);
        expect(await keys('')).toHaveLength(6);
        expect(await keys()).toHaveLength(6);
        // Another process sees the same listing.
        const other = subject.reopen?.() ?? store;
        expect((await other.listBreakers({ prefix: 'action:x:' })).map((r) => r.key).sort()).toEqual(['action:x:a/b', 'action:x:c/d']);
      });

      it('serializes concurrent read-modify-writes of one record', async () => {
        const stores = [store, subject.reopen?.() ?? store];
        await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            stores[i % 2]!.updateBreaker('app:count', (current) => {
              const record = current ?? breaker('app:count');
              return { ...record, consecutiveFailures: record.consecutiveFailures + 1 };
            }),
          ),
        );
        expect((await store.getBreaker('app:count'))?.consecutiveFailures).toBe(30);
      });

      it('refuses a record whose key is not the one updated', async () => {
        await expect(store.updateBreaker('app:x', () => breaker('app:y'))).rejects.toSatisfy((e) =>
          isHealerError(e, 'INVALID_ARGUMENT'),
        );
      });
    });

    describe('backups index', () => {
      it('puts, gets, lists newest first by app, and deletes', async () => {
        await store.putBackup(makeBackup('b1', 'app-a', '2026-01-01T00:00:00.000Z'));
        await store.putBackup(makeBackup('b2', 'app-a', '2026-01-03T00:00:00.000Z'));
        await store.putBackup(makeBackup('b3', 'app-b', '2026-01-02T00:00:00.000Z'));
        expect(await store.getBackup('b2')).toEqual(makeBackup('b2', 'app-a', '2026-01-03T00:00:00.000Z'));
        expect(await store.getBackup('missing')).toBeNull();
        expect((await store.listBackups()).map((b) => b.id)).toEqual(['b2', 'b3', 'b1']);
        expect((await store.listBackups({ appId: 'app-a' })).map((b) => b.id)).toEqual(['b2', 'b1']);
        await store.deleteBackup('b2');
        await store.deleteBackup('never-existed');
        expect((await store.listBackups()).map((b) => b.id)).toEqual(['b3', 'b1']);
      });
    });

    describe('baselines', () => {
      it('keeps one value per app and name', async () => {
        expect(await store.getBaseline('app-a', 'response-time')).toBeNull();
        await store.putBaseline('app-a', 'response-time', { p50: 12, p95: 40 });
        await store.putBaseline('app-b', 'response-time', { p50: 99 });
        await store.putBaseline('app-a', 'plugins/list', ['akismet']);
        expect(await store.getBaseline('app-a', 'response-time')).toEqual({ p50: 12, p95: 40 });
        expect(await store.getBaseline('app-b', 'response-time')).toEqual({ p50: 99 });
        expect(await store.getBaseline<string[]>('app-a', 'plugins/list')).toEqual(['akismet']);
        await store.putBaseline('app-a', 'response-time', { p50: 13 });
        expect(await store.getBaseline('app-a', 'response-time')).toEqual({ p50: 13 });
      });
    });

    if (options.reopenable === true) {
      it('shares state with a second store opened on the same state', async () => {
        if (subject.reopen === undefined) throw new Error('the factory must give reopen()');
        await store.createExecution(makeExecution('shared'));
        await store.updateBreaker('app:shared', () => breaker('app:shared', 4));
        const other = subject.reopen();
        expect((await other.getExecution('shared'))?.executionId).toBe('shared');
        expect((await other.getBreaker('app:shared'))?.consecutiveFailures).toBe(4);
      });
    }
  });
}
