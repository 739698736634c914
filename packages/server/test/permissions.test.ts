import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../src/app.js';
import { PERMISSIONS, ROLE_PERMISSIONS } from '../src/auth/permissions.js';
import { ApplicationEntity, ServerEntity, type Role } from '../src/db/entities.js';
import { SecretBox } from '../src/secrets.js';
import { demoPlugin, startTestServer, type TestServer } from './helpers.js';

let t: TestServer;
let appId: string;

async function newServer(): Promise<string> {
  const em = t.runtime.orm.em.fork();
  const id = randomUUID();
  em.create(ServerEntity, { id, name: `s-${id.slice(0, 8)}`, host: 'h.example.com', user: 'u', authKind: 'agent' });
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
  await em.flush();
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
  { route: 'get /plugins', what: 'list plugins', allowed: ALL, success: 200, call: async () => ({ method: 'get', path: '/plugins' }) },
  { route: 'patch /plugins/:name', what: 'configure a plugin', allowed: ADMIN, success: 200, call: async () => ({ method: 'patch', path: `/plugins/${demoPlugin.name}`, body: { enabled: true } }) },
  { route: 'get /tokens', what: 'list tokens', allowed: ADMIN, success: 200, call: async () => ({ method: 'get', path: '/tokens' }) },
  { route: 'post /tokens', what: 'create a token', allowed: ADMIN, success: 201, call: async () => ({ method: 'post', path: '/tokens', body: { name: 'n', role: 'viewer' } }) },
  { route: 'delete /tokens/:id', what: 'revoke a token', allowed: ADMIN, success: 200, call: async () => ({ method: 'delete', path: `/tokens/${await newToken()}` }) },
  { route: 'get /audit', what: 'read the audit log', allowed: ADMIN, success: 200, call: async () => ({ method: 'get', path: '/audit' }) },
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
