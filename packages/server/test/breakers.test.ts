import { randomUUID } from 'node:crypto';
import { CircuitBreaker, appIdFor, createHealer } from '@healer/core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationBreakerSchema, BreakerPageSchema } from '../src/api/schemas.js';
import { ApplicationEntity, AuditEventEntity, ServerEntity } from '../src/db/entities.js';
import { PostgresStateStore } from '../src/state/postgres-store.js';
import { startTestServer, type TestServer } from './helpers.js';

const MIN = 60_000;
let t: TestServer;
let store: PostgresStateStore;
/** The application with records, its core id, and one of another application. */
let shop: string;
let shopId: string;
let blog: string;
let blogId: string;
/** A core id no application row has (an app removed from the server, say). */
const orphanId = appIdFor('ssh://gone@old.example.com:22', '/srv/old');
/** When the app's failures were recorded, and the action's (long enough ago for its cooldown to have passed). */
const failedAt = Date.now() - 5 * MIN;
const actionFailedAt = Date.now() - 120 * MIN;

/** Core's breaker on the server's store, with its clock set to `at`. */
const breakerAt = (at: number) => new CircuitBreaker(store, { now: () => at });

beforeAll(async () => {
  t = await startTestServer();
  store = new PostgresStateStore({ orm: t.runtime.orm });
  const em = t.runtime.orm.em.fork();
  const server = randomUUID();
  em.create(ServerEntity, { id: server, name: 'web1', host: 'web1.example.com', port: 2222, user: 'deploy', authKind: 'agent' });
  shop = randomUUID();
  blog = randomUUID();
  em.create(ApplicationEntity, { id: shop, server, path: '/var/www/shop', stack: 'wordpress', mode: 'auto' });
  em.create(ApplicationEntity, { id: blog, server, path: '/var/www/blog', stack: 'wordpress' });
  await em.flush();
  // Core's ids, spelled out: the executor's host name and the application's path.
  shopId = appIdFor('ssh://deploy@web1.example.com:2222', '/var/www/shop');
  blogId = appIdFor('ssh://deploy@web1.example.com:2222', '/var/www/blog');

  // Two failed heals of the shop (open, demoted one step), one failed action two hours ago (half-open by now).
  for (const at of [failedAt - 2 * MIN, failedAt]) {
    await breakerAt(at - MIN).recordAttempt(shopId);
    await breakerAt(at).recordFailure(shopId, undefined, { mode: 'auto' });
  }
  await breakerAt(actionFailedAt - MIN).recordAttempt(shopId, 'wordpress/debug-display-on');
  await breakerAt(actionFailedAt).recordFailure(shopId, 'wordpress/debug-display-on');
  // A healthy blog and an orphan record.
  await breakerAt(Date.now() - MIN).recordAttempt(blogId);
  await breakerAt(Date.now() - MIN).recordSuccess(blogId);
  await breakerAt(Date.now() - 10 * MIN).recordFailure(orphanId);
});
afterAll(async () => {
  await store?.close();
  await t?.close();
});

const iso = (ms: number) => new Date(ms).toISOString();
const get = (path: string, role: 'viewer' | 'engineer' | 'admin' = 'viewer') => request(t.runtime.app).get(`/api/v1${path}`).set(t.auth(role));
const reset = (id: string, body?: object) => request(t.runtime.app).post(`/api/v1/applications/${id}/breaker/reset`).set(t.auth('admin')).send(body);
const keys = (body: { items: { key: string }[] }) => body.items.map((b) => b.key);

describe('GET /breakers', () => {
  it('lists every record as of now, sorted by key, with the application it belongs to', async () => {
    const res = await get('/breakers').expect(200);
    const body = BreakerPageSchema.parse(res.body);
    expect(body).toMatchObject({ page: 1, pageSize: 25, total: 4 });
    expect(keys(body)).toEqual([`action:${shopId}:wordpress/debug-display-on`, `app:${blogId}`, `app:${orphanId}`, `app:${shopId}`].sort());
    const byKey = new Map(body.items.map((b) => [b.key, b]));
    expect(byKey.get(`app:${shopId}`)).toEqual({
      key: `app:${shopId}`,
      kind: 'app',
      appId: shopId,
      applicationId: shop,
      actionId: null,
      state: 'open',
      failures: 2,
      attempts: 2,
      openedAt: iso(failedAt),
      until: iso(failedAt + 30 * MIN),
      demotedTo: 'supervised',
      updatedAt: iso(failedAt),
    });
    // Its cooldown passed: half-open now, though the row still says open.
    expect(byKey.get(`action:${shopId}:wordpress/debug-display-on`)).toMatchObject({
      kind: 'action',
      appId: shopId,
      applicationId: shop,
      actionId: 'wordpress/debug-display-on',
      state: 'half-open',
      failures: 1,
      openedAt: iso(actionFailedAt),
      until: iso(actionFailedAt + 30 * MIN),
    });
    expect(byKey.get(`app:${blogId}`)).toMatchObject({ applicationId: blog, state: 'closed', failures: 0, attempts: 1, openedAt: null, until: null });
    expect(byKey.get(`app:${orphanId}`)).toMatchObject({ applicationId: null, state: 'open', failures: 1 });
  });

  it('filters by state, kind and application, and pages', async () => {
    expect(keys((await get('/breakers?state=open').expect(200)).body)).toEqual([`app:${orphanId}`, `app:${shopId}`].sort());
    expect(keys((await get('/breakers?state=half-open').expect(200)).body)).toEqual([`action:${shopId}:wordpress/debug-display-on`]);
    expect(keys((await get('/breakers?kind=action').expect(200)).body)).toEqual([`action:${shopId}:wordpress/debug-display-on`]);
    expect(keys((await get(`/breakers?application=${shop}`).expect(200)).body)).toEqual([`action:${shopId}:wordpress/debug-display-on`, `app:${shopId}`]);
    expect(keys((await get(`/breakers?application=${shop}&kind=app`).expect(200)).body)).toEqual([`app:${shopId}`]);
    expect((await get(`/breakers?application=${randomUUID()}`).expect(200)).body).toMatchObject({ items: [], total: 0 });
    const all = keys((await get('/breakers').expect(200)).body);
    const pages: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const res = await get(`/breakers?pageSize=2&page=${page}`).expect(200);
      expect(res.body).toMatchObject({ page, pageSize: 2, total: 4 });
      pages.push(...keys(res.body));
    }
    expect(pages).toEqual(all);
  });

  it('answers 400 listing every bad parameter', async () => {
    const res = await get('/breakers?state=broken&kind=host&application=nope&pageSize=0').expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['query.application', 'query.kind', 'query.pageSize', 'query.state']);
  });
});

describe('GET /applications/:id/breaker', () => {
  it("shows the app's circuit, its actions' and what blocks a heal", async () => {
    const body = ApplicationBreakerSchema.parse((await get(`/applications/${shop}/breaker`).expect(200)).body);
    expect(body).toMatchObject({ applicationId: shop, appId: shopId, allowed: false, state: 'open', blockedBy: `app:${shopId}`, nextAttemptAt: iso(failedAt + 30 * MIN) });
    expect(body.reason).toMatch(/open|failed|cool/i);
    expect(body.app).toMatchObject({ key: `app:${shopId}`, state: 'open', demotedTo: 'supervised' });
    expect(body.actions.map((a) => a.key)).toEqual([`action:${shopId}:wordpress/debug-display-on`]);

    const quiet = ApplicationBreakerSchema.parse((await get(`/applications/${blog}/breaker`).expect(200)).body);
    expect(quiet).toMatchObject({ allowed: true, state: 'closed', blockedBy: null, nextAttemptAt: null, actions: [] });
  });

  it('answers 404 for an unknown application and 400 for a malformed id', async () => {
    expect((await get(`/applications/${randomUUID()}/breaker`).expect(404)).body.error.code).toBe('NOT_FOUND');
    expect((await get('/applications/not-a-uuid/breaker').expect(400)).body.error.issues[0].path).toBe('params.id');
  });
});

describe('POST /applications/:id/breaker/reset', () => {
  it('refuses an unknown application (404) and a body with unknown fields (400), writing no audit row', async () => {
    expect((await reset(randomUUID()).expect(404)).body.error.code).toBe('NOT_FOUND');
    const bad = await reset(shop, { reason: 'ok', force: true }).expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(await t.runtime.orm.em.fork().count(AuditEventEntity, { action: 'breaker.reset' })).toBe(0);
    expect((await store.getBreaker(`app:${shopId}`))?.state).toBe('open');
  });

  it('resets nothing when the audit event cannot be written (one transaction)', async () => {
    const conn = t.runtime.orm.em.fork().getConnection();
    // A fault injected for this test only: the audit insert of a reset fails.
    await conn.execute(`create function fail_reset_audit() returns trigger language plpgsql as $$ begin raise exception 'audit unavailable'; end $$`);
    await conn.execute(`create trigger fail_reset_audit before insert on audit_events for each row when (new.action = 'breaker.reset') execute function fail_reset_audit()`);
    try {
      expect((await reset(shop).expect(500)).body.error.code).toBe('INTERNAL');
    } finally {
      await conn.execute(`drop trigger fail_reset_audit on audit_events`);
      await conn.execute(`drop function fail_reset_audit()`);
    }
    expect((await store.getBreaker(`app:${shopId}`))?.state).toBe('open');
    expect(await store.listBreakers({ prefix: `action:${shopId}:` })).toHaveLength(1);
  });

  it("clears the app's and its actions' records the way core resets them, leaves other apps alone, and audits it", async () => {
    const res = await reset(shop, { reason: 'disk replaced' }).expect(200);
    expect(ApplicationBreakerSchema.parse(res.body)).toMatchObject({ applicationId: shop, allowed: true, state: 'closed', app: null, actions: [] });

    expect(await store.getBreaker(`app:${shopId}`)).toBeNull();
    expect(await store.listBreakers({ prefix: `action:${shopId}:` })).toEqual([]);
    expect((await store.getBreaker(`app:${orphanId}`))?.state).toBe('open');
    expect((await store.getBreaker(`app:${blogId}`))?.attempts).toHaveLength(1);
    // Core sees a fresh record: heals allowed, no demotion.
    const breaker = new CircuitBreaker(store);
    expect((await breaker.check(shopId, 'wordpress/debug-display-on')).allowed).toBe(true);
    expect(await breaker.effectiveMode(shopId, 'auto')).toBe('auto');

    const audit = await t.runtime.orm.em.fork().find(AuditEventEntity, { action: 'breaker.reset' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorName: 'admin-token', target: `application:${shop}` });
    expect(audit[0]!.details).toEqual({
      appId: shopId,
      reason: 'disk replaced',
      cleared: [
        { key: `action:${shopId}:wordpress/debug-display-on`, state: 'half-open', failures: 1, demotedTo: null },
        { key: `app:${shopId}`, state: 'open', failures: 2, demotedTo: 'supervised' },
      ],
    });

    // A reset of an app without records is fine, and audited too.
    await reset(blog).expect(200);
    expect(await t.runtime.orm.em.fork().count(AuditEventEntity, { action: 'breaker.reset' })).toBe(2);
  });

  it("is the reset core's healer does: records written after it start again from nothing", async () => {
    const healer = createHealer({ state: store });
    await breakerAt(Date.now()).recordFailure(shopId);
    expect((await healer.breaker.status(shopId)).decision.allowed).toBe(false);
    await reset(shop).expect(200);
    expect((await healer.breaker.status(shopId)).app).toBeNull();
    await healer.close();
  });
});
