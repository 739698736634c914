import { randomUUID } from 'node:crypto';
import { appIdFor, type BackupManifest } from '@healer/core';
import { makeBackup, makeExecution } from '@healer/core/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupPageSchema } from '../src/api/schemas.js';
import { ApplicationEntity, ServerEntity } from '../src/db/entities.js';
import { PostgresStateStore } from '../src/state/postgres-store.js';
import { startTestServer, type TestServer } from './helpers.js';

let t: TestServer;
let store: PostgresStateStore;
let shop: string;
let blog: string;
const HOST = 'ssh://deploy@web1.example.com:22';
const shopId = appIdFor(HOST, '/var/www/shop');
const blogId = appIdFor(HOST, '/var/www/blog');
/** Something a manifest may hold that must never leave the server. */
const SECRET_HASH = 'c0ffee'.repeat(10) + 'beef';
const SECRET_META = 'db-password-hunter2';

/** A backup of `appId` taken by execution `executionId`, `minutesAgo` minutes ago, holding wp-config.php and a folder. */
function manifest(id: string, appId: string, root: string, executionId: string, minutesAgo: number, verified = false): BackupManifest {
  const base = makeBackup(id, appId, new Date(Date.now() - minutesAgo * 60_000).toISOString());
  return {
    ...base,
    executionId,
    actionId: 'wordpress/debug-display-on',
    host: HOST,
    appRoot: root,
    dir: `${root}/../.healer-backups/${id}`,
    expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    roots: [`${root}/wp-config.php`, `${root}/wp-content/mu-plugins`],
    files: [
      { path: `${root}/wp-config.php`, type: 'file', size: 3000, sha256: SECRET_HASH, mode: 0o640 },
      { path: `${root}/wp-content/mu-plugins`, type: 'directory', mode: 0o755 },
      { path: `${root}/wp-content/mu-plugins/a.php`, type: 'file', size: 120, sha256: SECRET_HASH },
      { path: `${root}/wp-content/mu-plugins/link`, type: 'symlink', linkTarget: '/etc/shadow' },
    ],
    parts: [{ name: 'options', plugin: 'wordpress', files: [{ path: 'options.json', sha256: SECRET_HASH, size: 10 }], meta: { password: SECRET_META } }],
    ...(verified ? { left: { recordedAt: new Date().toISOString(), files: [] } } : {}),
  };
}

beforeAll(async () => {
  t = await startTestServer();
  store = new PostgresStateStore({ orm: t.runtime.orm });
  const em = t.runtime.orm.em.fork();
  const server = randomUUID();
  em.create(ServerEntity, { id: server, name: 'web1', host: 'web1.example.com', user: 'deploy', authKind: 'agent' });
  shop = randomUUID();
  blog = randomUUID();
  em.create(ApplicationEntity, { id: shop, server, path: '/var/www/shop', stack: 'wordpress' });
  em.create(ApplicationEntity, { id: blog, server, path: '/var/www/blog', stack: 'wordpress' });
  await em.flush();
  for (const [id, appId] of [['ex-shop-1', shopId], ['ex-shop-2', shopId], ['ex-blog-1', blogId]] as const) {
    await store.createExecution(makeExecution(id, { appId, target: { host: HOST, path: '/var/www' } }));
  }
  // Through the store, as the workers write them: newest last here, newest first in the API.
  await store.putBackup(manifest('bk-shop-old', shopId, '/var/www/shop', 'ex-shop-1', 50));
  await store.putBackup(manifest('bk-shop-mid', shopId, '/var/www/shop', 'ex-shop-2', 40, true));
  await store.putBackup(manifest('bk-blog', blogId, '/var/www/blog', 'ex-blog-1', 30));
  await store.putBackup(manifest('bk-shop-new', shopId, '/var/www/shop', 'ex-shop-2', 20));
  // An execution the database does not hold (no row to link to) and an app no row names.
  await store.putBackup(manifest('bk-orphan', appIdFor('ssh://x@gone.example.com:22', '/srv/x'), '/srv/x', 'ex-unknown', 10));
});
afterAll(async () => {
  await store?.close();
  await t?.close();
});

const get = (query: string) => request(t.runtime.app).get(`/api/v1/backups${query}`).set(t.auth('viewer'));
const ids = (body: { items: { id: string }[] }) => body.items.map((b) => b.id);

describe('GET /backups', () => {
  it('lists the index newest first, with names and sizes only', async () => {
    const res = await get('').expect(200);
    const body = BackupPageSchema.parse(res.body);
    expect(body).toMatchObject({ page: 1, pageSize: 25, total: 5 });
    expect(ids(body)).toEqual(['bk-orphan', 'bk-shop-new', 'bk-blog', 'bk-shop-mid', 'bk-shop-old']);
    const mid = body.items.find((b) => b.id === 'bk-shop-mid')!;
    expect(mid).toEqual({
      id: 'bk-shop-mid',
      applicationId: shop,
      appId: shopId,
      executionId: 'ex-shop-2',
      actionId: 'wordpress/debug-display-on',
      host: HOST,
      appRoot: '/var/www/shop',
      location: '/var/www/shop/../.healer-backups/bk-shop-mid',
      roots: ['/var/www/shop/wp-config.php', '/var/www/shop/wp-content/mu-plugins'],
      fileCount: 2,
      totalBytes: 3120,
      parts: [{ name: 'options', plugin: 'wordpress', fileCount: 1 }],
      verified: true,
      createdAt: mid.createdAt,
      expiresAt: mid.expiresAt,
      prunedAt: null,
    });
    expect(body.items.find((b) => b.id === 'bk-shop-old')!.verified).toBe(false);
    expect(body.items.find((b) => b.id === 'bk-orphan')).toMatchObject({ applicationId: null, executionId: 'ex-unknown' });
    // Hashes, link targets and plugin data stay in the database.
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(SECRET_HASH);
    expect(text).not.toContain(SECRET_META);
    expect(text).not.toContain('/etc/shadow');
  });

  it('filters by application and by execution', async () => {
    expect(ids((await get(`?application=${shop}`).expect(200)).body)).toEqual(['bk-shop-new', 'bk-shop-mid', 'bk-shop-old']);
    expect(ids((await get(`?application=${blog}`).expect(200)).body)).toEqual(['bk-blog']);
    expect(ids((await get('?execution=ex-shop-2').expect(200)).body)).toEqual(['bk-shop-new', 'bk-shop-mid']);
    expect(ids((await get(`?application=${shop}&execution=ex-shop-1`).expect(200)).body)).toEqual(['bk-shop-old']);
    expect(ids((await get(`?application=${blog}&execution=ex-shop-1`).expect(200)).body)).toEqual([]);
    expect((await get(`?application=${randomUUID()}`).expect(200)).body).toMatchObject({ items: [], total: 0 });
    expect((await get('?execution=ex-none').expect(200)).body).toMatchObject({ items: [], total: 0 });
    // An execution the database holds no row of: found by the manifest's execution id.
    expect(ids((await get('?execution=ex-unknown').expect(200)).body)).toEqual(['bk-orphan']);
    expect((await get(`?execution=${encodeURIComponent("x' or '1'='1")}`).expect(200)).body).toMatchObject({ items: [], total: 0 });
  });

  it('pages without overlap', async () => {
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const res = await get(`?pageSize=2&page=${page}`).expect(200);
      expect(res.body).toMatchObject({ page, pageSize: 2, total: 5 });
      seen.push(...ids(res.body));
    }
    expect(seen).toEqual(['bk-orphan', 'bk-shop-new', 'bk-blog', 'bk-shop-mid', 'bk-shop-old']);
  });

  it('answers 400 listing every bad parameter', async () => {
    const res = await get(`?application=shop&execution=&pageSize=101&page=0&sort=id`).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['query', 'query.application', 'query.execution', 'query.page', 'query.pageSize']);
  });
});
