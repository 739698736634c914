/**
 * Scheduled health checks: an application's job scheduler diagnoses it on
 * its interval and heals it by its mode. Over a real sshd, with a broken
 * testapp: `auto` -> a heal is queued by the scheduler and FIXES it;
 * `manual` -> diagnosed only; disabling the application removes its schedule.
 */
import { TERMINAL_STATES } from '@healer/core';
import { startSshd, testappPlugin, type RunningSshd } from '@healer/test-utils';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntimeWorker } from '../src/runtime.js';
import type { RunningWorker } from '../src/jobs/worker.js';
import { startTestServer, type TestServer } from './helpers.js';
import { addSshServer, addTestapp, until } from './worker-harness.js';

let sshd: RunningSshd;
let t: TestServer;
let worker: RunningWorker;
let serverId: string;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  sshd = await startSshd();
  t = await startTestServer({ plugins: [testappPlugin] });
  serverId = await addSshServer(t, sshd);
  worker = startRuntimeWorker(t.runtime, t.config, { sweepEveryMs: 1_000 });
}, 60_000);

afterAll(async () => {
  await worker?.close();
  for (const c of cleanups) await c();
  await t?.close();
  await sshd?.stop();
});

async function schedulers(): Promise<string[]> {
  return (await t.runtime.queues.queue('check').getJobSchedulers()).map((s) => s.key);
}

describe('scheduled checks', () => {
  it('auto: the schedule diagnoses the app and heals it; disabling the app removes its schedule', async () => {
    const { testapp, appId } = await addTestapp(t, serverId);
    cleanups.push(() => testapp.server.stop().then(() => testapp.dir.cleanup()));
    const api = request(t.runtime.app);
    await api.patch(`/api/v1/applications/${appId}`).set(t.auth('engineer')).send({ mode: 'auto', settings: { checkIntervalSeconds: 1 } }).expect(200);
    expect(await schedulers()).toContain(`check-${appId}`);

    const healed = await until('a scheduled heal', async () => {
      const page = await api.get('/api/v1/executions').query({ application: appId, kind: 'heal' }).set(t.auth('viewer')).expect(200);
      const first = page.body.items.at(-1);
      if (!first || !TERMINAL_STATES.includes(first.state)) return null;
      return first as { executionId: string; state: string };
    }, 60_000);
    expect(healed.state).toBe('FIXED');
    const row = await t.runtime.orm.em.getKnex()('executions').where('id', healed.executionId).first();
    expect(row.request).toMatchObject({ mode: 'auto', by: 'scheduler' });
    const runs = await api.get(`/api/v1/applications/${appId}/diagnostics`).set(t.auth('viewer')).expect(200);
    expect(runs.body.items.some((r: { status: string }) => r.status === 'fail')).toBe(true);

    await api.patch(`/api/v1/applications/${appId}`).set(t.auth('engineer')).send({ enabled: false }).expect(200);
    expect(await schedulers()).not.toContain(`check-${appId}`);
  }, 90_000);

  it('manual: the schedule diagnoses the app and queues no heal', async () => {
    const { testapp, appId } = await addTestapp(t, serverId);
    cleanups.push(() => testapp.server.stop().then(() => testapp.dir.cleanup()));
    const api = request(t.runtime.app);
    await api.patch(`/api/v1/applications/${appId}`).set(t.auth('engineer')).send({ mode: 'manual', settings: { checkIntervalSeconds: 1 } }).expect(200);
    await until('two scheduled diagnoses', async () => {
      const runs = await api.get(`/api/v1/applications/${appId}/diagnostics`).set(t.auth('viewer')).expect(200);
      return runs.body.items.filter((r: { finishedAt: string | null }) => r.finishedAt).length >= 2;
    }, 60_000);
    const app = (await api.get(`/api/v1/applications/${appId}`).set(t.auth('viewer')).expect(200)).body;
    expect(app.healthStatus).toBe('unhealthy');
    const page = await api.get('/api/v1/executions').query({ application: appId }).set(t.auth('viewer')).expect(200);
    expect(page.body.items).toEqual([]);
    await api.patch(`/api/v1/applications/${appId}`).set(t.auth('engineer')).send({ settings: { checkIntervalSeconds: 0 } }).expect(200);
    expect(await schedulers()).not.toContain(`check-${appId}`);
  }, 90_000);
});
