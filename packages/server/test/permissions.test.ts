import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../src/app.js';
import { PERMISSIONS, ROLE_PERMISSIONS } from '../src/auth/permissions.js';
import { makeEvent, makeExecution } from '@healer/core/testing';
import { freePort } from '@healer/test-utils';
import { ApplicationEntity, DiagnosticRunEntity, ServerEntity, type Role } from '../src/db/entities.js';
import { SecretBox } from '../src/secrets.js';
import { demoPlugin, startTestServer, type TestServer } from './helpers.js';

let t: TestServer;
let appId: string;
/** A server on a closed loopback port: routes that reach the host fail there with 502, after the permission check. */
let unreachable: string;
let runId: string;
/** A finished execution (its event stream replays and ends). */
const finishedId = 'ex_perm0000001_0123456789';

async function newServer(): Promise<string> {
  const em = t.runtime.orm.em.fork();
  const id = randomUUID();
  em.create(ServerEntity, { id, name: `s-${id.slice(0, 8)}`, host: 'h.example.com', user: 'u', authKind: 'agent' });
  await em.flush();
  return id;
}
async function newApp(server = unreachable): Promise<string> {
  const em = t.runtime.orm.em.fork();
  const id = randomUUID();
  em.create(ApplicationEntity, { id, server, path: `/srv/app-${id.slice(0, 8)}`, stack: 'nodejs' });
  await em.flush();
  return id;
}
async function newToken(): Promise<string> {
  const res = await request(t.runtime.app).post('/api/v1/tokens').set(t.auth('admin')).send({ name: 'victim', role: 'viewer' }).expect(201);
  return res.body.id as string;
}

async function newWebhook(): Promise<string> {
  const res = await request(t.runtime.app)
    .post('/api/v1/webhooks')
    .set(t.auth('admin'))
    .send({ name: `w-${randomUUID().slice(0, 8)}`, url: 'http://127.0.0.1:9/hook', secret: 'a-webhook-secret-0123456789', events: ['execution.failed'] })
    .expect(201);
  return res.body.id as string;
}

beforeAll(async () => {
  t = await startTestServer();
  const server = await newServer();
  appId = randomUUID();
  const em = t.runtime.orm.em.fork();
  em.create(ApplicationEntity, { id: appId, server, path: '/var/www/site', stack: 'wordpress' });
  unreachable = randomUUID();
  em.create(ServerEntity, { id: unreachable, name: 'closed-port', host: '127.0.0.1', port: await freePort(), user: 'u', authKind: 'agent' });
  const run = em.create(DiagnosticRunEntity, { application: appId, status: 'pass', score: 100 });
  await em.flush();
  runId = run.id;
  await t.runtime.fleet.store.createExecution(
    makeExecution(finishedId, { state: 'FIXED', finishedAt: '2026-01-01T00:01:00.000Z', timeline: [makeEvent(1, { type: 'execution.finished', state: 'FIXED' })] }),
  );
});
afterAll(async () => {
  await t?.close();
});

type Call = { method: 'get' | 'post' | 'patch' | 'delete'; path: string; body?: object };
interface Case {
  /** The route pattern, as declared. */
  route: string;
  what: string;
  allowed: Role[];
  success: number;
  call(): Promise<Call>;
}
const ALL: Role[] = ['viewer', 'engineer', 'admin'];
const HEALERS: Role[] = ['engineer', 'admin'];
const ADMIN: Role[] = ['admin'];

const CASES: Case[] = [
  { route: 'get /servers', what: 'list servers', allowed: ALL, success: 200, call: async () => ({ method: 'get', path: '/servers' }) },
  { route: 'get /servers/:id', what: 'get a server', allowed: ALL, success: 200, call: async () => ({ method: 'get', path: `/servers/${await newServer()}` }) },
  {
    route: 'post /servers',
    what: 'add a server',
    allowed: ADMIN,
    success: 201,
    call: async () => ({ method: 'post', path: '/servers', body: { name: `n-${randomUUID().slice(0, 8)}`, host: 'x.example.com', user: 'u', auth: { kind: 'agent' } } }),
  },
  { route: 'patch /servers/:id', what: 'change a server', allowed: ADMIN, success: 200, call: async () => ({ method: 'patch', path: `/servers/${await newServer()}`, body: { port: 2222 } }) },
  { route: 'delete /servers/:id', what: 'remove a server', allowed: ADMIN, success: 204, call: async () => ({ method: 'delete', path: `/servers/${await newServer()}` }) },
  { route: 'get /applications', what: 'list applications', allowed: ALL, success: 200, call: async () => ({ method: 'get', path: '/applications' }) },
  { route: 'get /applications/:id', what: 'get an application', allowed: ALL, success: 200, call: async () => ({ method: 'get', path: `/applications/${appId}` }) },
  {
    route: 'patch /applications/:id',
    what: 'change mode, enabled, plain settings',
    allowed: HEALERS,
    success: 200,
    call: async () => ({ method: 'patch', path: `/applications/${appId}`, body: { mode: 'supervised', enabled: true, settings: { since: '2h' } } }),
  },
  {
    route: 'patch /applications/:id',
    what: 'change the url setting',
    allowed: ADMIN,
    success: 200,
    call: async () => ({ method: 'patch', path: `/applications/${appId}`, body: { settings: { url: 'http://127.0.0.1:8080/' } } }),
  },
  {
    route: 'patch /applications/:id',
    what: 'change the commands setting',
    allowed: ADMIN,
    success: 200,
    call: async () => ({ method: 'patch', path: `/applications/${appId}`, body: { settings: { commands: { restart: ['true'] } } } }),
  },
  { route: 'get /breakers', what: 'list breakers', allowed: ALL, success: 200, call: async () => ({ method: 'get', path: '/breakers' }) },
  { route: 'get /applications/:id/breaker', what: "see an application's breakers", allowed: ALL, success: 200, call: async () => ({ method: 'get', path: `/applications/${appId}/breaker` }) },
  {
    route: 'post /applications/:id/breaker/reset',
    what: "reset an application's breakers",
    allowed: ADMIN,
    success: 200,
    call: async () => ({ method: 'post', path: `/applications/${appId}/breaker/reset`, body: { reason: 'checked by hand' } }),
  },
  { route: 'get /backups', what: 'list backups', allowed: ALL, success: 200, call: async () => ({ method: 'get', path: `/backups?application=${appId}` }) },
  { route: 'get /plugins', what: 'list plugins', allowed: ALL, success: 200, call: async () => ({ method: 'get', path: '/plugins' }) },
  { route: 'patch /plugins/:name', what: 'configure a plugin', allowed: ADMIN, success: 200, call: async () => ({ method: 'patch', path: `/plugins/${demoPlugin.name}`, body: { enabled: true } }) },
  { route: 'get /tokens', what: 'list tokens', allowed: ADMIN, success: 200, call: async () => ({ method: 'get', path: '/tokens' }) },
  { route: 'post /tokens', what: 'create a token', allowed: ADMIN, success: 201, call: async () => ({ method: 'post', path: '/tokens', body: { name: 'n', role: 'viewer' } }) },
  { route: 'delete /tokens/:id', what: 'revoke a token', allowed: ADMIN, success: 200, call: async () => ({ method: 'delete', path: `/tokens/${await newToken()}` }) },
  { route: 'get /audit', what: 'read the audit log', allowed: ADMIN, success: 200, call: async () => ({ method: 'get', path: '/audit' }) },
  { route: 'post /servers/:id/discover', what: 'discover apps on a server', allowed: HEALERS, success: 202, call: async () => ({ method: 'post', path: `/servers/${await newServer()}/discover`, body: {} }) },
  { route: 'post /applications/:id/diagnose', what: 'diagnose an application', allowed: HEALERS, success: 202, call: async () => ({ method: 'post', path: `/applications/${appId}/diagnose` }) },
  { route: 'get /applications/:id/diagnostics', what: "read an application's diagnostics", allowed: ALL, success: 200, call: async () => ({ method: 'get', path: `/applications/${appId}/diagnostics` }) },
  { route: 'get /diagnostics/:id', what: 'read a diagnostic run', allowed: ALL, success: 200, call: async () => ({ method: 'get', path: `/diagnostics/${runId}` }) },
  { route: 'get /applications/:id/plan', what: 'plan a heal (the host is unreachable: 502)', allowed: HEALERS, success: 502, call: async () => ({ method: 'get', path: `/applications/${await newApp()}/plan` }) },
  { route: 'post /applications/:id/heal', what: 'queue a heal', allowed: HEALERS, success: 202, call: async () => ({ method: 'post', path: `/applications/${await newApp()}/heal`, body: {} }) },
  {
    route: 'post /applications/:id/heal',
    what: 'approve actions of a heal (the host is unreachable: 502)',
    allowed: ADMIN,
    success: 502,
    call: async () => ({ method: 'post', path: `/applications/${await newApp()}/heal`, body: { approve: { all: true, planHash: 'sha256-0123456789' } } }),
  },
  { route: 'get /executions', what: 'list executions', allowed: ALL, success: 200, call: async () => ({ method: 'get', path: '/executions' }) },
  { route: 'get /executions/:id', what: 'read an execution', allowed: ALL, success: 200, call: async () => ({ method: 'get', path: `/executions/${finishedId}` }) },
  { route: 'get /executions/:id/events', what: "stream an execution's events", allowed: ALL, success: 200, call: async () => ({ method: 'get', path: `/executions/${finishedId}/events` }) },
  {
    route: 'post /executions/:id/rollback',
    what: 'roll back an execution (it applied nothing: 409)',
    allowed: HEALERS,
    success: 409,
    call: async () => ({ method: 'post', path: `/executions/${finishedId}/rollback`, body: {} }),
  },
  {
    route: 'post /executions/:id/rollback',
    what: 'force a rollback despite drift (it applied nothing: 409)',
    allowed: ADMIN,
    success: 409,
    call: async () => ({ method: 'post', path: `/executions/${finishedId}/rollback`, body: { force: true } }),
  },
  { route: 'get /webhooks', what: 'list webhooks', allowed: ADMIN, success: 200, call: async () => ({ method: 'get', path: '/webhooks' }) },
  {
    route: 'post /webhooks',
    what: 'add a webhook',
    allowed: ADMIN,
    success: 201,
    call: async () => ({ method: 'post', path: '/webhooks', body: { name: `n-${randomUUID().slice(0, 8)}`, url: 'https://hooks.example.com/x', secret: 'a-webhook-secret-0123456789', events: ['breaker.opened'] } }),
  },
  { route: 'get /webhooks/:id', what: 'get a webhook', allowed: ADMIN, success: 200, call: async () => ({ method: 'get', path: `/webhooks/${await newWebhook()}` }) },
  { route: 'patch /webhooks/:id', what: 'change a webhook', allowed: ADMIN, success: 200, call: async () => ({ method: 'patch', path: `/webhooks/${await newWebhook()}`, body: { enabled: false } }) },
  { route: 'delete /webhooks/:id', what: 'remove a webhook', allowed: ADMIN, success: 204, call: async () => ({ method: 'delete', path: `/webhooks/${await newWebhook()}` }) },
  { route: 'post /webhooks/:id/test', what: 'queue a test delivery', allowed: ADMIN, success: 202, call: async () => ({ method: 'post', path: `/webhooks/${await newWebhook()}/test` }) },
];

describe('roles x permissions', () => {
  it('the matrix is the documented one', () => {
    expect(ROLE_PERMISSIONS).toEqual({
      viewer: ['healer.read'],
      engineer: ['healer.read', 'healer.discover', 'healer.diagnose', 'healer.heal', 'healer.rollback'],
      admin: [...PERMISSIONS],
    });
  });

  it('every API route is in the table below', () => {
    const declared = apiRoutes({ secrets: new SecretBox(new Map([['k', Buffer.alloc(32)]]), 'k'), plugins: [] }).map((r) => `${r.method} ${r.path}`);
    expect([...new Set(CASES.map((c) => c.route))].sort()).toEqual([...declared].sort());
  });

  for (const c of CASES) {
    for (const role of ALL) {
      const allowed = c.allowed.includes(role);
      it(`${role} ${allowed ? 'may' : 'may not'} ${c.what} (${c.route})`, async () => {
        const call = await c.call();
        const req = request(t.runtime.app)[call.method](`/api/v1${call.path}`).set(t.auth(role));
        const res = call.body ? await req.send(call.body) : await req;
        expect(res.status, JSON.stringify(res.body)).toBe(allowed ? c.success : 403);
        if (!allowed) expect(res.body.error.code).toBe('FORBIDDEN');
      });
    }
    it(`nobody without a token may ${c.what} (${c.route})`, async () => {
      const call = await c.call();
      const res = await request(t.runtime.app)[call.method](`/api/v1${call.path}`).send(call.body);
      expect(res.status).toBe(401);
    });
  }
});
