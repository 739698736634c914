import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

describe('plugins', () => {
  it('lists the loaded plugins, enabled with an empty config by default', async () => {
    const res = await request(t.runtime.app).get('/api/v1/plugins').set(t.auth('viewer')).expect(200);
    expect(res.body.items).toEqual([
      { name: 'demo', version: '1.2.3', description: 'A test plugin', stacks: ['demo'], enabled: true, config: {} },
      { name: 'plain', version: '0.1.0', description: null, stacks: ['plain'], enabled: true, config: {} },
    ]);
  });

  it('disables a plugin and stores a configuration its schema accepts', async () => {
    const res = await request(t.runtime.app).patch('/api/v1/plugins/demo').set(t.auth('admin')).send({ enabled: false, config: { threshold: 3, label: 'x' } }).expect(200);
    expect(res.body).toMatchObject({ name: 'demo', enabled: false, config: { threshold: 3, label: 'x' } });
    const list = await request(t.runtime.app).get('/api/v1/plugins').set(t.auth('viewer')).expect(200);
    expect(list.body.items[0]).toMatchObject({ name: 'demo', enabled: false, config: { threshold: 3, label: 'x' } });
    // A plugin without a schema takes any JSON object.
    await request(t.runtime.app).patch('/api/v1/plugins/plain').set(t.auth('admin')).send({ config: { anything: [1, { a: true }] } }).expect(200);
  });

  it("rejects a configuration against the plugin's schema, listing every issue", async () => {
    const res = await request(t.runtime.app).patch('/api/v1/plugins/demo').set(t.auth('admin')).send({ config: { threshold: 0, label: 5, extra: true } }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.config', 'body.config.label', 'body.config.threshold']);
    const shape = await request(t.runtime.app).patch('/api/v1/plugins/demo').set(t.auth('admin')).send({ enabled: 'no', config: [1] }).expect(400);
    expect(shape.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.config', 'body.enabled']);
  });

  it('404 for a plugin that is not loaded, 400 for a malformed name', async () => {
    expect((await request(t.runtime.app).patch('/api/v1/plugins/rails').set(t.auth('admin')).send({ enabled: true }).expect(404)).body.error.code).toBe('NOT_FOUND');
    expect((await request(t.runtime.app).patch('/api/v1/plugins/Bad..Name').set(t.auth('admin')).send({ enabled: true }).expect(400)).body.error.issues[0].path).toBe('params.name');
  });
});

describe('tokens', () => {
  it('creates a token shown once, lists without values, revokes it', async () => {
    const created = await request(t.runtime.app).post('/api/v1/tokens').set(t.auth('admin')).send({ name: 'ci', role: 'engineer' }).expect(201);
    const token = created.body.token as string;
    expect(token).toMatch(/^hlr_[A-Za-z0-9_-]{43}$/);
    expect(created.body).toMatchObject({ name: 'ci', role: 'engineer', revokedAt: null, lastUsedAt: null });

    await request(t.runtime.app).get('/api/v1/applications').set('Authorization', `Bearer ${token}`).expect(200);
    const list = await request(t.runtime.app).get('/api/v1/tokens').set(t.auth('admin')).expect(200);
    expect(JSON.stringify(list.body)).not.toContain(token);
    const row = list.body.items.find((x: { id: string }) => x.id === created.body.id);
    expect(row).toMatchObject({ name: 'ci', role: 'engineer' });
    expect(row.lastUsedAt).not.toBeNull();
    expect(row).not.toHaveProperty('hash');

    const revoked = await request(t.runtime.app).delete(`/api/v1/tokens/${created.body.id}`).set(t.auth('admin')).expect(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const refused = await request(t.runtime.app).get('/api/v1/applications').set('Authorization', `Bearer ${token}`).expect(401);
    expect(refused.body.error.code).toBe('UNAUTHENTICATED');
    expect((await request(t.runtime.app).delete(`/api/v1/tokens/${created.body.id}`).set(t.auth('admin')).expect(409)).body.error.code).toBe('CONFLICT');

    const active = await request(t.runtime.app).get('/api/v1/tokens').set(t.auth('admin')).expect(200);
    expect(active.body.items.map((x: { id: string }) => x.id)).not.toContain(created.body.id);
    const all = await request(t.runtime.app).get('/api/v1/tokens?includeRevoked=true').set(t.auth('admin')).expect(200);
    expect(all.body.items.map((x: { id: string }) => x.id)).toContain(created.body.id);
    expect(t.logs.text()).not.toContain(token);
  });

  it('validates, and 404s an unknown token', async () => {
    const bad = await request(t.runtime.app).post('/api/v1/tokens').set(t.auth('admin')).send({ name: '', role: 'root' }).expect(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.name', 'body.role']);
    await request(t.runtime.app).delete('/api/v1/tokens/00000000-0000-4000-8000-000000000000').set(t.auth('admin')).expect(404);
    await request(t.runtime.app).get('/api/v1/tokens?includeRevoked=maybe').set(t.auth('admin')).expect(400);
  });

  it('401 for a missing, malformed or unknown token', async () => {
    for (const header of [undefined, 'Basic dXNlcjpwYXNz', 'Bearer hlr_not-a-real-token', 'Bearer']) {
      const req = request(t.runtime.app).get('/api/v1/servers');
      if (header) req.set('Authorization', header);
      const res = await req.expect(401);
      expect(res.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' }, requestId: expect.any(String) });
    }
  });
});

describe('audit', () => {
  it('records every mutation with actor and request id, newest first, paged', async () => {
    await request(t.runtime.app).post('/api/v1/tokens').set(t.auth('admin')).set('X-Request-Id', 'audit-req-1').send({ name: 'audited', role: 'viewer' }).expect(201);
    const res = await request(t.runtime.app).get('/api/v1/audit?pageSize=1').set(t.auth('admin')).expect(200);
    expect(res.body).toMatchObject({ page: 1, pageSize: 1 });
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({ action: 'token.create', actorName: 'admin-token', requestId: 'audit-req-1', details: { name: 'audited', role: 'viewer' } });
    expect(res.body.items[0].actorTokenId).toEqual(expect.any(String));
    expect(res.body.total).toBeGreaterThanOrEqual(5);
    const actions = new Set(((await request(t.runtime.app).get('/api/v1/audit?pageSize=100').set(t.auth('admin')).expect(200)).body.items as { action: string }[]).map((e) => e.action));
    expect([...actions].sort()).toEqual(['plugin.update', 'token.create', 'token.revoke']);
    const page2 = await request(t.runtime.app).get('/api/v1/audit?pageSize=1&page=2').set(t.auth('admin')).expect(200);
    expect(page2.body.items[0].id).not.toBe(res.body.items[0].id);
    await request(t.runtime.app).get('/api/v1/audit?pageSize=0').set(t.auth('admin')).expect(400);
  });
});
