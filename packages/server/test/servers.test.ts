import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint, startTestServer, type TestServer } from './helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const PASSWORD = 'correct-horse-battery-staple-7f3a';
const PRIVATE_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----';

describe('servers', () => {
  it('creates a server; the secret is sealed in the database and never returned', async () => {
    const fp = fingerprint();
    const res = await request(t.runtime.app)
      .post('/api/v1/servers')
      .set(t.auth('admin'))
      .send({ name: 'web-1', host: 'web-1.example.com', port: 2222, user: 'deploy', auth: { kind: 'password', password: PASSWORD }, hostKeyFingerprint: fp })
      .expect(201);
    expect(res.body).toMatchObject({ name: 'web-1', host: 'web-1.example.com', port: 2222, user: 'deploy', authKind: 'password', hasSecret: true, hostKeyFingerprint: fp });
    expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    expect(res.body).not.toHaveProperty('secret');

    const rows = await t.runtime.orm.em.fork().getConnection().execute<{ secret: string; secret_key_id: string }[]>('select secret, secret_key_id from servers where id = ?', [res.body.id]);
    const sealed = rows[0]!.secret;
    expect(sealed).toMatch(/^v1:k1:/);
    expect(sealed).not.toContain(PASSWORD);
    expect(rows[0]!.secret_key_id).toBe('k1');
    expect(JSON.parse(t.runtime.secrets.decrypt(sealed))).toEqual({ password: PASSWORD });

    const got = await request(t.runtime.app).get(`/api/v1/servers/${res.body.id}`).set(t.auth('viewer')).expect(200);
    expect(got.body).toEqual(res.body);
    const list = await request(t.runtime.app).get('/api/v1/servers').set(t.auth('viewer')).expect(200);
    expect(list.body.items.map((s: { name: string }) => s.name)).toContain('web-1');
    expect(JSON.stringify(list.body)).not.toContain(PASSWORD);
    expect(t.logs.text()).not.toContain(PASSWORD);
  });

  it('accepts key and agent auth, IPv4 and IPv6 hosts, and defaults the port to 22', async () => {
    const key = await request(t.runtime.app)
      .post('/api/v1/servers')
      .set(t.auth('admin'))
      .send({ name: 'db-1', host: '10.0.0.7', user: 'root', auth: { kind: 'key', privateKey: PRIVATE_KEY, passphrase: 'pp-secret-991' } })
      .expect(201);
    expect(key.body).toMatchObject({ port: 22, authKind: 'key', hasSecret: true, hostKeyFingerprint: null });
    expect(JSON.stringify(key.body)).not.toContain('OPENSSH');
    const agent = await request(t.runtime.app).post('/api/v1/servers').set(t.auth('admin')).send({ name: 'v6', host: '::1', user: 'ops', auth: { kind: 'agent' } }).expect(201);
    expect(agent.body).toMatchObject({ authKind: 'agent', hasSecret: false });
    expect(t.logs.text()).not.toContain('pp-secret-991');
  });

  it('lists every validation issue at once', async () => {
    const res = await request(t.runtime.app)
      .post('/api/v1/servers')
      .set(t.auth('admin'))
      .send({ name: '', host: '-oProxyCommand=sh', port: 70000, user: '-l', auth: { kind: 'key' }, hostKeyFingerprint: 'MD5:aa:bb', extra: 1 })
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const paths = [...new Set(res.body.error.issues.map((i: { path: string }) => i.path))].sort();
    expect(paths).toEqual(['body', 'body.auth.privateKey', 'body.host', 'body.hostKeyFingerprint', 'body.name', 'body.port', 'body.user'].sort());
    for (const issue of res.body.error.issues) expect(issue.message).toEqual(expect.any(String));
    expect(res.body.requestId).toEqual(expect.any(String));
    expect(res.body.error).not.toHaveProperty('stack');
  });

  it('rejects a body that is not JSON, and an unknown auth kind', async () => {
    const bad = await request(t.runtime.app).post('/api/v1/servers').set(t.auth('admin')).set('Content-Type', 'application/json').send('{"name":').expect(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: 'body' }] });
    const kind = await request(t.runtime.app).post('/api/v1/servers').set(t.auth('admin')).send({ name: 'x', host: 'x', user: 'x', auth: { kind: 'kerberos' } }).expect(400);
    expect(kind.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['body.auth.kind']);
  });

  it('answers 409 for a duplicate name and 404 for unknown ids', async () => {
    const body = { name: 'dup', host: 'dup.example.com', user: 'u', auth: { kind: 'agent' } };
    await request(t.runtime.app).post('/api/v1/servers').set(t.auth('admin')).send(body).expect(201);
    const dup = await request(t.runtime.app).post('/api/v1/servers').set(t.auth('admin')).send(body).expect(409);
    expect(dup.body.error.code).toBe('CONFLICT');
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const method of ['get', 'patch', 'delete'] as const) {
      const res = await request(t.runtime.app)[method](`/api/v1/servers/${missing}`).set(t.auth('admin')).send(method === 'patch' ? { port: 23 } : undefined).expect(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    const badId = await request(t.runtime.app).get('/api/v1/servers/not-a-uuid').set(t.auth('admin')).expect(400);
    expect(badId.body.error.issues[0].path).toBe('params.id');
  });

  it('patches fields, replaces the secret, and deletes', async () => {
    const created = await request(t.runtime.app).post('/api/v1/servers').set(t.auth('admin')).send({ name: 'edit-me', host: 'a.example.com', user: 'u', auth: { kind: 'agent' } }).expect(201);
    const id = created.body.id as string;
    const patched = await request(t.runtime.app)
      .patch(`/api/v1/servers/${id}`)
      .set(t.auth('admin'))
      .send({ host: 'b.example.com', port: 2200, auth: { kind: 'password', password: 'new-pass-4242' }, hostKeyFingerprint: null })
      .expect(200);
    expect(patched.body).toMatchObject({ host: 'b.example.com', port: 2200, authKind: 'password', hasSecret: true, hostKeyFingerprint: null });
    expect(JSON.stringify(patched.body)).not.toContain('new-pass-4242');
    await request(t.runtime.app).patch(`/api/v1/servers/${id}`).set(t.auth('admin')).send({ port: 0, user: '' }).expect(400);
    await request(t.runtime.app).delete(`/api/v1/servers/${id}`).set(t.auth('admin')).expect(204);
    await request(t.runtime.app).get(`/api/v1/servers/${id}`).set(t.auth('admin')).expect(404);

    const audit = await request(t.runtime.app).get('/api/v1/audit?pageSize=100').set(t.auth('admin')).expect(200);
    const actions = audit.body.items.filter((e: { target: string }) => e.target === `server:${id}`).map((e: { action: string }) => e.action);
    expect(actions).toEqual(['server.delete', 'server.update', 'server.create']);
    expect(JSON.stringify(audit.body)).not.toContain('new-pass-4242');
  });

  it('pages the list with a maximum page size', async () => {
    const page = await request(t.runtime.app).get('/api/v1/servers?page=1&pageSize=2').set(t.auth('viewer')).expect(200);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.total).toBeGreaterThanOrEqual(4);
    const over = await request(t.runtime.app).get('/api/v1/servers?pageSize=101&page=0').set(t.auth('viewer')).expect(400);
    expect(over.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['query.page', 'query.pageSize']);
  });
});
