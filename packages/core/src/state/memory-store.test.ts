import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { BackupManifest } from '../contract/backup.js';
import type { BreakerRecord } from '../contract/state.js';
import { isHealerError } from '../errors.js';
import { MemoryStateStore } from './memory-store.js';
import { makeExecution } from '../testing/state-store-suite.js';

const execution = makeExecution('e1', { appId: 'app', mode: 'auto' });

const record: BreakerRecord = {
  key: 'app:app',
  attempts: ['2026-01-01T00:00:00.000Z'],
  state: 'closed',
  openUntil: null,
  consecutiveFailures: 0,
  demotedTo: null,
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('MemoryStateStore', () => {
  it('stores a copy of what it is given', async () => {
    const store = new MemoryStateStore();
    const mine = structuredClone(execution);
    await store.createExecution(mine);
    const event = { seq: 1, at: '2026-01-01T00:00:01.000Z', type: 'state' as const, message: 'one', data: { n: 1 } };
    await store.appendEvent('e1', event);
    const patch = { message: 'patched' };
    await store.updateExecution('e1', patch);
    mine.state = 'FAILED';
    event.data.n = 99;
    patch.message = 'changed later';
    expect(await store.getExecution('e1')).toMatchObject({ state: 'PENDING', message: 'patched', timeline: [{ data: { n: 1 } }] });
  });

  it('gives the update function a copy and keeps only what it returns', async () => {
    const store = new MemoryStateStore();
    await store.updateBreaker('app:app', () => structuredClone(record));
    const returned = await store.updateBreaker('app:app', (current) => {
      current!.attempts.push('mutated-in-place');
      return { ...record, consecutiveFailures: 1 };
    });
    returned!.consecutiveFailures = 42;
    expect(await store.getBreaker('app:app')).toEqual({ ...record, consecutiveFailures: 1 });
    const listed = await store.listBreakers();
    listed[0]!.state = 'open';
    expect((await store.getBreaker('app:app'))?.state).toBe('closed');
  });

  it('copies backups, baselines and lock handles both ways', async () => {
    const store = new MemoryStateStore();
    const manifest = { id: 'b', appId: 'app', createdAt: '2026-01-01T00:00:00.000Z', roots: ['/srv/app'] } as BackupManifest;
    await store.putBackup(manifest);
    manifest.roots.push('/etc');
    (await store.getBackup('b'))!.roots.push('/var');
    expect((await store.listBackups())[0]?.roots).toEqual(['/srv/app']);

    const baseline = { p95: 40 };
    await store.putBaseline('app', 'latency', baseline);
    baseline.p95 = 1;
    (await store.getBaseline<{ p95: number }>('app', 'latency'))!.p95 = 2;
    expect(await store.getBaseline('app', 'latency')).toEqual({ p95: 40 });

    const handle = await store.acquireLock('k', { pid: process.pid, hostname: hostname() }, 60_000);
    handle!.token = 1000;
    expect(await store.renewLock(handle!, 60_000)).toBe(false);
    expect((await store.getLock('k'))?.token).toBe(1);
  });

  it('refuses a lease that is not a positive duration', async () => {
    const store = new MemoryStateStore();
    await expect(store.acquireLock('k', { pid: process.pid, hostname: hostname() }, 0)).rejects.toSatisfy((e) =>
      isHealerError(e, 'INVALID_ARGUMENT'),
    );
  });
});
