/**
 * The routes that act on hosts, without a worker: validation (400 listing
 * every issue), unknown ids (404), what is refused before anything is queued
 * (a disabled application, approval of a changed plan), and the event
 * stream of a finished execution (replayed from PostgreSQL, resumed after
 * Last-Event-ID, nothing twice).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeEvent, makeExecution } from '@healer/core/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationEntity, ServerEntity } from '../src/db/entities.js';
import { startTestServer, type TestServer } from './helpers.js';
import { readEvents } from './sse-client.js';

let t: TestServer;
let http: Server;
let base: string;
let appId: string;
const finished = 'ex_ops00000001_abcdef0123';

beforeAll(async () => {
  t = await startTestServer();
  const em = t.runtime.orm.em.fork();
  const server = em.create(ServerEntity, { name: 'ops', host: '127.0.0.1', port: 9, user: 'u', authKind: 'agent' });
  const app = em.create(ApplicationEntity, { server, path: '/srv/ops', stack: 'nodejs', enabled: false });
  await em.flush();
  appId = app.id;
  const timeline = [1, 2, 3, 4].map((seq) => makeEvent(seq, { type: seq === 4 ? 'execution.finished' : 'state', state: seq === 4 ? 'FIXED' : 'DIAGNOSING' }));
  await t.runtime.fleet.store.createExecution(makeExecution(finished, { state: 'FIXED', finishedAt: '2026-01-01T00:01:00.000Z', timeline }));
  http = createServer(t.runtime.app);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(async () => {
  if (http) await new Promise((r) => http.close(r));
  await t?.close();
});

describe('validation and unknown ids', () => {
  it('400 lists every issue', async () => {
    const api = request(t.runtime.app);
    const discover = await api.post(`/api/v1/servers/${randomUUID()}/discover`).set(t.auth('engineer')).send({ roots: ['relative', '/a/../b'], maxDepth: 99, extra: 1 }).expect(400);
    expect(discover.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body', 'body.maxDepth', 'body.roots.0', 'body.roots.1']);
    const heal = await api.post(`/api/v1/applications/${appId}/heal`).set(t.auth('admin')).send({ mode: 'yolo', approve: { planHash: 'x' } }).expect(400);
    expect(heal.body.error.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(['body.mode', 'body.approve.planHash']));
    await api.get('/api/v1/executions/not-an-id').set(t.auth('viewer')).expect(400);
    await api.get('/api/v1/executions').query({ state: 'SLEEPING', limit: 0 }).set(t.auth('viewer')).expect(400);
    await api.get(`/api/v1/executions/${finished}/events`).query({ lastEventId: -1 }).set(t.auth('viewer')).expect(400);
  });

  it('404 for unknown servers, applications, runs and executions', async () => {
    const api = request(t.runtime.app);
    const missing = randomUUID();
    await api.post(`/api/v1/servers/${missing}/discover`).set(t.auth('engineer')).send({}).expect(404);
    await api.post(`/api/v1/applications/${missing}/diagnose`).set(t.auth('engineer')).expect(404);
    await api.get(`/api/v1/applications/${missing}/diagnostics`).set(t.auth('viewer')).expect(404);
    await api.get(`/api/v1/diagnostics/${missing}`).set(t.auth('viewer')).expect(404);
    await api.get(`/api/v1/applications/${missing}/plan`).set(t.auth('engineer')).expect(404);
    await api.post(`/api/v1/applications/${missing}/heal`).set(t.auth('engineer')).send({}).expect(404);
    await api.get('/api/v1/executions').query({ application: missing }).set(t.auth('viewer')).expect(404);
    await api.get('/api/v1/executions/ex_zz0000000_0000000000').set(t.auth('viewer')).expect(404);
    await api.get('/api/v1/executions/ex_zz0000000_0000000000/events').set(t.auth('viewer')).expect(404);
    await api.post('/api/v1/executions/ex_zz0000000_0000000000/rollback').set(t.auth('engineer')).send({}).expect(404);
  });

  it('a disabled application is not healed: 409, nothing recorded', async () => {
    const res = await request(t.runtime.app).post(`/api/v1/applications/${appId}/heal`).set(t.auth('engineer')).send({}).expect(409);
    expect(res.body.error.code).toBe('CONFLICT');
    const rows = await t.runtime.orm.em.getKnex()('executions').where('application_id', appId);
    expect(rows).toEqual([]);
  });
});

describe('the event stream of a finished execution', () => {
  it('replays every event with id = seq and ends; resumes after Last-Event-ID (header or query) with nothing twice', async () => {
    const auth = t.auth('viewer');
    const url = `${base}/api/v1/executions/${finished}/events`;
    const all = await readEvents(url, auth, { timeoutMs: 10_000 });
    expect(all.contentType).toContain('text/event-stream');
    expect(all.events.map((e) => [e.id, e.event])).toEqual([
      [1, 'state'],
      [2, 'state'],
      [3, 'state'],
      [4, 'execution.finished'],
    ]);
    expect((await readEvents(url, { ...auth, 'Last-Event-ID': '2' }, { timeoutMs: 10_000 })).events.map((e) => e.id)).toEqual([3, 4]);
    expect((await readEvents(`${url}?lastEventId=3`, auth, { timeoutMs: 10_000 })).events.map((e) => e.id)).toEqual([4]);
    expect((await readEvents(url, { ...auth, 'Last-Event-ID': '4' }, { timeoutMs: 10_000 })).events).toEqual([]);
  });

  it('a live execution: events published while the stream is open arrive once, in order, a missed publish is read from PostgreSQL', async () => {
    const id = 'ex_ops00000002_abcdef0123';
    const store = t.runtime.fleet.store;
    await store.createExecution(makeExecution(id, { state: 'APPLYING', timeline: [makeEvent(1, { type: 'execution.started' })] }));
    const reading = readEvents(`${base}/api/v1/executions/${id}/events`, t.auth('viewer'), { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    await store.appendEvent(id, makeEvent(2, { type: 'apply.started' }));
    // Written without a publish (a worker that lost Redis): the next live event finds the gap.
    await t.runtime.orm.em.getKnex()('timeline_events').insert({ execution_id: id, seq: 3, type: 'apply.finished', at: new Date(), data: JSON.stringify(makeEvent(3, { type: 'apply.finished' })) });
    await store.appendEvent(id, makeEvent(4, { type: 'verify.result' }));
    await store.appendEvent(id, makeEvent(5, { type: 'execution.finished', state: 'FIXED' }));
    const got = await reading;
    expect(got.events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
  });
});
