/**
 * Several worker processes on one PostgreSQL and one Redis, healing a real
 * testapp over a real sshd: three heal requests at once make one execution
 * that one worker runs; a worker SIGKILLed mid-apply leaves an execution that
 * another worker recovers once the lease ends (rolled back, byte for byte),
 * and nothing stays running.
 */
import { hashFolder, startSshd, testappPlugin, type RunningSshd } from '@healer/test-utils';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TERMINAL_STATES } from '@healer/core';
import { startTestServer, type TestServer } from './helpers.js';
import { addSshServer, addTestapp, configureTestapp, spawnWorker, until, type WorkerProcess } from './worker-harness.js';

let sshd: RunningSshd;
let t: TestServer;
let serverId: string;
const workers: WorkerProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  sshd = await startSshd();
  t = await startTestServer({ plugins: [testappPlugin] });
  serverId = await addSshServer(t, sshd);
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  for (const c of cleanups) await c();
  await t?.close();
  await sshd?.stop();
});

async function execution(id: string): Promise<{ state: string; attempts: Array<{ actionId: string }>; timeline: Array<{ type: string }>; owner?: { pid: number } }> {
  return (await request(t.runtime.app).get(`/api/v1/executions/${id}`).set(t.auth('viewer')).expect(200)).body;
}

describe('two workers', () => {
  it('three heal requests for one app at once: one execution, run by one worker; the breaker record is the shared one', async () => {
    await configureTestapp(t, { slowApplyMs: 500 });
    const { testapp, appId } = await addTestapp(t, serverId);
    cleanups.push(async () => {
      await testapp.server.stop();
      await testapp.dir.cleanup();
    });
    workers.push(await spawnWorker(t), await spawnWorker(t));

    const replies = await Promise.all([1, 2, 3].map(() => request(t.runtime.app).post(`/api/v1/applications/${appId}/heal`).set(t.auth('engineer')).send({ mode: 'auto' })));
    const accepted = replies.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(1);
    const id = accepted[0]!.body.executionId as string;
    for (const r of replies.filter((x) => x.status !== 202)) expect(r.body.error).toMatchObject({ code: 'HEAL_IN_PROGRESS', details: { executionId: id } });

    const done = await until('the heal to finish', async () => {
      const e = await execution(id);
      return TERMINAL_STATES.includes(e.state as never) ? e : null;
    });
    expect(done.state).toBe('FIXED');
    expect(done.timeline.filter((e) => e.type === 'execution.started')).toHaveLength(1);
    const listed = await request(t.runtime.app).get('/api/v1/executions').query({ application: appId, kind: 'heal' }).set(t.auth('viewer')).expect(200);
    expect(listed.body.items).toHaveLength(1);
    // Both workers judge by the one record in PostgreSQL: the attempt made by whichever worker ran it is there.
    const breaker = await request(t.runtime.app).get(`/api/v1/applications/${appId}/breaker`).set(t.auth('viewer')).expect(200);
    expect(JSON.stringify(breaker.body)).toContain('testapp/reset-status');
  }, 120_000);

  it('a worker SIGKILLed mid-apply: another recovers the execution after the lease ends, rolled back byte for byte, nothing left running', async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await configureTestapp(t, { slowApplyMs: 60_000 });
    const { testapp, appId, root } = await addTestapp(t, serverId);
    cleanups.push(async () => {
      await testapp.server.stop();
      await testapp.dir.cleanup();
    });
    const before = await hashFolder(root);
    const doomed = await spawnWorker(t, { lockTtlMs: 3_000 });
    workers.push(doomed);

    const id = (await request(t.runtime.app).post(`/api/v1/applications/${appId}/heal`).set(t.auth('engineer')).send({ mode: 'auto' }).expect(202)).body.executionId as string;
    await until('the apply to start', async () => (await execution(id)).timeline.some((e) => e.type === 'apply.started'));
    // Half-done: the slow action wrote part of its change and waits.
    await until('the half-done write', async () => (await hashFolder(root)) !== before);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    expect(TERMINAL_STATES).not.toContain((await execution(id)).state);

    workers.push(await spawnWorker(t, { lockTtlMs: 3_000, sweepEveryMs: 500 }));
    const recovered = await until('the recovery', async () => {
      const e = await execution(id);
      return TERMINAL_STATES.includes(e.state as never) ? e : null;
    }, 90_000);
    expect(recovered.state).toBe('ROLLED_BACK');
    expect(recovered.timeline.map((e) => e.type)).toContain('recovered');
    expect(await hashFolder(root)).toBe(before);
    const open = await t.runtime.orm.em.getKnex()('executions').whereNotIn('state', [...TERMINAL_STATES, 'QUEUED']).count({ n: '*' });
    expect(Number((open[0] as { n: string }).n)).toBe(0);
  }, 180_000);
});
