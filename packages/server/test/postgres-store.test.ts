import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStateStore, makeEvent, makeExecution } from '@healer/core/testing';
import type { BreakerRecord } from '@healer/core';
import { migrateUp, openOrm } from '../src/db/orm.js';
import { PostgresStateStore } from '../src/state/postgres-store.js';
import { createTestDatabase, type TestDatabase } from './helpers.js';

/** One migrated database per store under test; every store opened on it is closed after. */
async function migratedDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  const orm = await openOrm({ databaseUrl: db.url, poolMax: 2 });
  try {
    await migrateUp(orm);
  } finally {
    await orm.close(true);
  }
  return db;
}

describeStateStore(
  'PostgresStateStore',
  async () => {
    const db = await migratedDatabase();
    const stores: PostgresStateStore[] = [];
    const open = () => {
      const store = new PostgresStateStore({ databaseUrl: db.url, poolMax: 4 });
      stores.push(store);
      return store;
    };
    return {
      store: open(),
      reopen: open,
      async cleanup() {
        await Promise.all(stores.map((s) => s.close()));
        await db.drop();
      },
    };
  },
  { reopenable: true },
);

const CHILD = fileURLToPath(new URL('./fixtures/store-racer.mjs', import.meta.url));

interface RacerReport {
  holds: Array<{ token: number; from: number; to: number }>;
  increments: number;
}

/** A separate Node process racing on the same database (it uses the built package). */
async function runRacer(url: string, rounds: number): Promise<RacerReport> {
  const child = spawn(process.execPath, [CHILD, url, String(rounds)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`racer exited ${code}: ${err}`);
  return JSON.parse(out) as RacerReport;
}

describe('PostgresStateStore across processes', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await migratedDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('child processes and separate pools agree: one lock holder at a time, N breaker increments give N', async () => {
    const rounds = 15;
    const local = [new PostgresStateStore({ databaseUrl: db.url, poolMax: 2 }), new PostgresStateStore({ databaseUrl: db.url, poolMax: 2 })];
    const inProcess = async (store: PostgresStateStore): Promise<RacerReport> => {
      const report: RacerReport = { holds: [], increments: 0 };
      for (let i = 0; i < rounds; i += 1) {
        const lock = await store.acquireLock('app:shared', { pid: process.pid, hostname: hostname(), purpose: `round-${i}` }, 10_000);
        if (lock !== null) {
          const from = Date.now();
          await new Promise((r) => setTimeout(r, 5));
          report.holds.push({ token: lock.token, from, to: Date.now() });
          await store.releaseLock(lock);
        }
        await store.updateBreaker('app:count', (c) => bump(c));
        report.increments += 1;
      }
      return report;
    };
    try {
      const reports = await Promise.all([runRacer(db.url, rounds), runRacer(db.url, rounds), ...local.map(inProcess)]);
      const total = reports.reduce((n, r) => n + r.increments, 0);
      expect(total).toBe(rounds * 4);
      expect((await local[0]!.getBreaker('app:count'))?.consecutiveFailures).toBe(total);
      // Every acquisition got its own token, and no two holds overlap in time.
      const holds = reports.flatMap((r) => r.holds).sort((a, b) => a.token - b.token);
      expect(holds.length).toBeGreaterThan(0);
      expect(new Set(holds.map((h) => h.token)).size).toBe(holds.length);
      for (let i = 1; i < holds.length; i += 1) expect(holds[i]!.from).toBeGreaterThanOrEqual(holds[i - 1]!.to);
      // A write fenced by the first holder's token is refused now.
      await local[0]!.createExecution(makeExecution('exec-race'));
      await expect(local[1]!.appendEvent('exec-race', makeEvent(1), { key: 'app:shared', token: holds[0]!.token })).rejects.toMatchObject({
        code: 'LOCK_LOST',
      });
      expect((await local[0]!.getExecution('exec-race'))?.timeline).toEqual([]);
    } finally {
      await Promise.all(local.map((s) => s.close()));
    }
  });
});

describe('PostgresStateStore keys', () => {
  let db: TestDatabase;
  let store: PostgresStateStore;
  beforeAll(async () => {
    db = await migratedDatabase();
    store = new PostgresStateStore({ databaseUrl: db.url, poolMax: 2 });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('takes keys and application ids as long as a deep path makes them', async () => {
    const appId = `web-1:/srv/${'deep/'.repeat(80)}app`;
    const lock = await store.acquireLock(`app:${appId}`, { pid: process.pid, hostname: hostname(), purpose: 'x'.repeat(300) }, 60_000);
    expect(lock?.owner.purpose).toHaveLength(300);
    expect((await store.updateBreaker(`action:${appId}:nodejs/restart`, () => bump(null, `action:${appId}:nodejs/restart`)))?.consecutiveFailures).toBe(1);
    await store.createExecution(makeExecution('exec-long', { appId }));
    expect((await store.listExecutions({ appId })).items.map((e) => e.executionId)).toEqual(['exec-long']);
    await store.putBaseline(appId, 'response-time', { p50: 1 });
    expect(await store.getBaseline(appId, 'response-time')).toEqual({ p50: 1 });
  });

  it('refuses a cursor whose time is not one, before querying', async () => {
    const forged = Buffer.from(JSON.stringify(['not a time', 'e1']), 'utf8').toString('base64url');
    await expect(store.listExecutions({ cursor: forged })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('judges a lease by the database clock', async () => {
    const lock = await store.acquireLock('app:clock', { pid: process.pid, hostname: hostname() }, 60_000);
    const other = await openOrm({ databaseUrl: db.url, poolMax: 1 });
    try {
      const { rows } = (await other.em.getKnex().raw(`select (extract(epoch from expires_at - now()) * 1000)::float8 as left_ms from locks where key = 'app:clock'`)) as {
        rows: Array<{ left_ms: number }>;
      };
      expect(rows[0]!.left_ms).toBeGreaterThan(55_000);
      expect(rows[0]!.left_ms).toBeLessThanOrEqual(60_000);
      // Ending the lease in the database frees the lock, whatever this process's clock says.
      await other.em.getKnex().raw(`update locks set expires_at = now() - interval '1 second' where key = 'app:clock'`);
    } finally {
      await other.close(true);
    }
    expect(await store.getLock('app:clock')).toBeNull();
    expect((await store.acquireLock('app:clock', { pid: process.pid, hostname: hostname() }, 60_000))?.token).toBe(lock!.token + 1);
  });
});

function bump(current: BreakerRecord | null, key = 'app:count'): BreakerRecord {
  const record = current ?? { key, attempts: [], state: 'closed', openUntil: null, consecutiveFailures: 0, demotedTo: null, updatedAt: '' };
  return { ...record, consecutiveFailures: record.consecutiveFailures + 1 };
}
