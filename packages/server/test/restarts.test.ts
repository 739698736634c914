/**
 * The services restarted under the server, each a private instance on a
 * free loopback port started by the test:
 * - Redis restarted (empty: no persistence) with heals queued and one asked
 *   for during the outage: /health/ready says 503 meanwhile, no heal is lost
 *   (the workers add the jobs again from PostgreSQL) and none runs twice;
 * - PostgreSQL stopped and started: /health/ready answers 503 meanwhile and
 *   the API recovers by itself.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TERMINAL_STATES } from '@healer/core';
import { freePort, startSshd, testappPlugin, type RunningSshd } from '@healer/test-utils';
import pg from 'pg';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, startRuntimeWorker } from '../src/runtime.js';
import { migrateUp } from '../src/db/orm.js';
import { startTestServer, testConfig, LogCapture, type TestServer } from './helpers.js';
import { addSshServer, addTestapp, until } from './worker-harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await until('redis to answer', async () => {
    try {
      execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  }, 20_000);
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('Redis restarted under load', () => {
  let sshd: RunningSshd;
  let t: TestServer;

  it('no heal is lost, none runs twice; /health/ready is 503 meanwhile', async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    cleanups.push(() => stopChild(redis));
    sshd = await startSshd();
    cleanups.push(() => sshd.stop());
    t = await startTestServer({ plugins: [testappPlugin], config: { redisUrl: `redis://127.0.0.1:${port}` } });
    cleanups.push(() => t.close());
    const serverId = await addSshServer(t, sshd);
    const apps = await Promise.all([1, 2, 3].map(() => addTestapp(t, serverId)));
    for (const a of apps) cleanups.push(() => a.testapp.server.stop().then(() => a.testapp.dir.cleanup()));
    const api = request(t.runtime.app);

    // Two heals queued while no worker runs, then Redis goes away with their jobs.
    const ids: string[] = [];
    for (const a of apps.slice(0, 2)) ids.push((await api.post(`/api/v1/applications/${a.appId}/heal`).set(t.auth('engineer')).send({ mode: 'auto' }).expect(202)).body.executionId);
    await stopChild(redis);
    const down = await api.get('/health/ready').expect(503);
    expect(down.body.checks.redis.ok).toBe(false);
    // Asked for during the outage: recorded in PostgreSQL, accepted.
    const during = await api.post(`/api/v1/applications/${apps[2]!.appId}/heal`).set(t.auth('engineer')).send({ mode: 'auto' });
    expect(during.status, JSON.stringify(during.body)).toBe(202);
    ids.push(during.body.executionId);

    // Back, empty. A worker starts: the queued executions get their jobs again.
    redis = await startRedis(port);
    await until('/health/ready', async () => (await api.get('/health/ready')).status === 200, 30_000);
    const worker = startRuntimeWorker(t.runtime, t.config, { sweepEveryMs: 500, requeueAfterMs: 500 });
    cleanups.push(() => worker.close());
    for (const id of ids) {
      const done = await until(`execution ${id}`, async () => {
        const e = (await api.get(`/api/v1/executions/${id}`).set(t.auth('viewer')).expect(200)).body;
        return TERMINAL_STATES.includes(e.state) ? e : null;
      }, 90_000);
      expect(done.state, done.message).toBe('FIXED');
      expect(done.timeline.filter((e: { type: string }) => e.type === 'execution.started')).toHaveLength(1);
    }
    // One heal per request: nothing more ran.
    const all = await api.get('/api/v1/executions').query({ kind: 'heal', limit: 50 }).set(t.auth('viewer')).expect(200);
    expect(all.body.items.map((e: { executionId: string }) => e.executionId).sort()).toEqual([...ids].sort());
  }, 240_000);
});

/** A private PostgreSQL cluster (as the `postgres` user), started and stopped by the test. */
async function privatePostgres(): Promise<{ url: string; start(): void; stop(): void; remove(): Promise<void> }> {
  const bin = execFileSync('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1']).toString().trim();
  const dir = await mkdtemp(join(tmpdir(), 'healer-pg-'));
  await chmod(dir, 0o777);
  const data = join(dir, 'data');
  const port = await freePort();
  const asPostgres = (args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'pipe', timeout: 60_000 });
  asPostgres([`${bin}/initdb`, '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const start = () => void asPostgres([`${bin}/pg_ctl`, '-D', data, '-w', '-l', join(dir, 'log'), '-o', `-p ${port} -h 127.0.0.1 -k ${dir} -c fsync=off`, 'start']);
  const stop = () => void asPostgres([`${bin}/pg_ctl`, '-D', data, '-w', '-m', 'fast', 'stop']);
  start();
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, start, stop, remove: () => rm(dir, { recursive: true, force: true }) };
}

describe('PostgreSQL restarted', () => {
  it('/health/ready answers 503 while it is down, and the API recovers by itself', async () => {
    const db = await privatePostgres();
    cleanups.push(async () => {
      try {
        db.stop();
      } catch {
        // already stopped
      }
      await db.remove();
    });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.end();
    const runtime = await createRuntime(testConfig({ databaseUrl: db.url }), { logDestination: new LogCapture() });
    cleanups.push(() => runtime.close());
    await migrateUp(runtime.orm);
    const api = request(runtime.app);
    expect((await api.get('/health/ready')).status).toBe(200);

    db.stop();
    const down = await api.get('/health/ready');
    expect(down.status).toBe(503);
    expect(down.body.checks.database.ok).toBe(false);
    expect((await api.get('/health')).status).toBe(200);

    db.start();
    await until('/health/ready', async () => (await api.get('/health/ready')).status === 200, 30_000);
    expect((await api.get('/health/ready')).body.checks).toMatchObject({ database: { ok: true }, redis: { ok: true } });
  }, 180_000);
});
