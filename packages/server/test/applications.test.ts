import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationEntity, ServerEntity, type AppMode, type HealthStatus } from '../src/db/entities.js';
import { startTestServer, type TestServer } from './helpers.js';

let t: TestServer;
let serverA: string;
let serverB: string;
const appIds: string[] = [];

beforeAll(async () => {
  t = await startTestServer();
  const em = t.runtime.orm.em.fork();
  serverA = randomUUID();
  serverB = randomUUID();
  em.create(ServerEntity, { id: serverA, name: 'a', host: 'a.example.com', user: 'u', authKind: 'agent' });
  em.create(ServerEntity, { id: serverB, name: 'b', host: 'b.example.com', user: 'u', authKind: 'agent' });
  const rows: [string, string, string, HealthStatus, number | null, AppMode, boolean][] = [
    [serverA, '/var/www/blog', 'wordpress', 'healthy', 95, 'auto', true],
    [serverA, '/var/www/shop', 'wordpress', 'degraded', 60, 'supervised', true],
    [serverA, '/srv/api', 'nodejs', 'unhealthy', 20, 'manual', false],
    [serverB, '/var/www/blog', 'wordpress', 'unknown', null, 'manual', true],
    [serverB, '/srv/web', 'nextjs', 'healthy', 88, 'auto', true],
  ];
  for (const [server, path, stack, healthStatus, healthScore, mode, enabled] of rows) {
    const id = randomUUID();
    appIds.push(id);
    em.create(ApplicationEntity, { id, server, path, stack, healthStatus, healthScore, mode, enabled, settings: { keep: 1 }, lastCheckAt: healthScore === null ? null : new Date() });
  }
  await em.flush();
});
afterAll(async () => {
  await t?.close();
});

const list = (query: string) => request(t.runtime.app).get(`/api/v1/applications${query}`).set(t.auth('viewer'));
const paths = (body: { items: { path: string; serverId: string }[] }) => body.items.map((a) => `${a.serverId === serverA ? 'a' : 'b'}:${a.path}`);

describe('applications', () => {
  it('lists, filters and sorts', async () => {
    const all = (await list('').expect(200)).body as { items: { path: string }[]; total: number };
    expect(all.items.map((a) => a.path)).toEqual(['/srv/api', '/srv/web', '/var/www/blog', '/var/www/blog', '/var/www/shop']);
    expect(all.total).toBe(5);
    expect(paths((await list(`?server=${serverB}`).expect(200)).body)).toEqual(['b:/srv/web', 'b:/var/www/blog']);
    expect(paths((await list('?stack=wordpress&healthStatus=degraded').expect(200)).body)).toEqual(['a:/var/www/shop']);
    expect(paths((await list('?mode=auto&sort=-healthScore').expect(200)).body)).toEqual(['a:/var/www/blog', 'b:/srv/web']);
    expect(paths((await list('?enabled=false').expect(200)).body)).toEqual(['a:/srv/api']);
    // Unknown health sorts last either way.
    expect(paths((await list('?sort=healthScore').expect(200)).body)).toEqual(['a:/srv/api', 'a:/var/www/shop', 'b:/srv/web', 'a:/var/www/blog', 'b:/var/www/blog']);
  });

  it('pages without overlap, and caps the page size', async () => {
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const res = await list(`?pageSize=2&page=${page}&sort=-path`).expect(200);
      expect(res.body).toMatchObject({ page, pageSize: 2, total: 5 });
      seen.push(...paths(res.body));
    }
    expect(new Set(seen).size).toBe(5);
    const bad = await list('?pageSize=500&sort=name&healthStatus=sick&enabled=yes&server=x&mode=FULL_AUTO&color=red').expect(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(
      ['query', 'query.enabled', 'query.healthStatus', 'query.mode', 'query.pageSize', 'query.server', 'query.sort'].sort(),
    );
  });

  it('gets one, 404 for an unknown id', async () => {
    const res = await request(t.runtime.app).get(`/api/v1/applications/${appIds[0]}`).set(t.auth('viewer')).expect(200);
    expect(res.body).toMatchObject({ id: appIds[0], serverId: serverA, path: '/var/www/blog', stack: 'wordpress', healthScore: 95, mode: 'auto', enabled: true, settings: { keep: 1 } });
    const missing = await request(t.runtime.app).get(`/api/v1/applications/${randomUUID()}`).set(t.auth('viewer')).expect(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });

  it('patches mode, enabled and settings (merged; null removes a key)', async () => {
    const id = appIds[1]!;
    const res = await request(t.runtime.app)
      .patch(`/api/v1/applications/${id}`)
      .set(t.auth('engineer'))
      .set('X-Request-Id', 'patch-app-1')
      .send({ mode: 'manual', enabled: false, settings: { since: '1h', keep: null } })
      .expect(200);
    expect(res.body).toMatchObject({ mode: 'manual', enabled: false, settings: { since: '1h' } });
    expect(res.body.settings).not.toHaveProperty('keep');
    const audit = await request(t.runtime.app).get('/api/v1/audit?action=application.update').set(t.auth('admin')).expect(200);
    expect(audit.body.items[0]).toMatchObject({ action: 'application.update', target: `application:${id}`, actorName: 'engineer-token', requestId: 'patch-app-1' });
    await request(t.runtime.app).patch(`/api/v1/applications/${randomUUID()}`).set(t.auth('admin')).send({ mode: 'auto' }).expect(404);
  });

  it('needs healer.configure to change the url or commands settings', async () => {
    const id = appIds[2]!;
    const url = { settings: { url: 'https://api.example.com/health' } };
    const commands = { settings: { commands: { restart: ['systemctl', 'restart', 'api'] } } };
    for (const body of [url, commands]) {
      const denied = await request(t.runtime.app).patch(`/api/v1/applications/${id}`).set(t.auth('engineer')).send(body).expect(403);
      expect(denied.body.error.code).toBe('FORBIDDEN');
      await request(t.runtime.app).patch(`/api/v1/applications/${id}`).set(t.auth('admin')).send(body).expect(200);
    }
    const res = await request(t.runtime.app).get(`/api/v1/applications/${id}`).set(t.auth('viewer')).expect(200);
    expect(res.body.settings).toMatchObject({ url: 'https://api.example.com/health', commands: { restart: ['systemctl', 'restart', 'api'] } });
  });

  it('lists every issue of a bad patch', async () => {
    const res = await request(t.runtime.app)
      .patch(`/api/v1/applications/${appIds[0]}`)
      .set(t.auth('admin'))
      .send({ mode: 'FULL_AUTO', enabled: 'yes', settings: { url: 'ftp://x', commands: { 'Bad Name': [] } }, stack: 'php' })
      .expect(400);
    expect([...new Set(res.body.error.issues.map((i: { path: string }) => i.path))].sort()).toEqual(
      ['body', 'body.enabled', 'body.mode', 'body.settings.commands.Bad Name', 'body.settings.url'].sort(),
    );
  });
});
