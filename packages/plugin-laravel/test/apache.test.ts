/**
 * A Laravel app served by Apache with mod_php (PHP as www-data, found from
 * Apache's configuration): `storage/` taken from PHP -> 500; healed (the
 * folders given to PHP's group, group-writable) -> 200; the rollback puts
 * every mode and owner back. And a site whose DocumentRoot is the app root:
 * `.env` served to anyone.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startMariadb, type RunningMariadb } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { laravelHealer } from './helpers/healer.js';
import { createLaravelApp, type LaravelApp } from './helpers/laravel-app.js';

const run = promisify(execFile);
let db: RunningMariadb;
let app: LaravelApp;

beforeAll(async () => {
  db = await startMariadb();
  app = await createLaravelApp(db, { serve: 'apache', hostName: 'laravel.invalid' });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await db?.cleanup();
}, 60_000);

/** Mode, owner and group of everything under storage/ and bootstrap/cache. */
async function modes(): Promise<string> {
  const r = await run('find', [join(app.root, 'storage'), join(app.root, 'bootstrap/cache'), '-printf', '%m %u %g %p\\n']);
  return r.stdout.split('\n').sort().join('\n');
}

describe('Laravel under Apache', () => {
  it('.env served publicly (the app root as DocumentRoot): FAIL, its content never shown', async () => {
    const exposed = await createLaravelApp(db, { serve: 'apache-root', hostName: 'exposed.invalid' });
    const healer = laravelHealer(exposed, { settings: { webServerRoots: exposed.server!.roots } });
    try {
      expect((await exposed.get('/.env')).body).toContain('APP_KEY=');
      const d = await healer.diagnose(exposed.root);
      const pub = d.results.find((r) => r.id === 'laravel/env-public')!;
      expect(pub).toMatchObject({ status: 'fail', details: { status: 200, connectTo: '127.0.0.1' } });
      expect(pub.message).toContain(`${exposed.root}/public`);
      expect(JSON.stringify(d)).not.toContain(exposed.dbPassword);
      expect(JSON.stringify(d)).not.toContain(exposed.appKey.slice('base64:'.length));
    } finally {
      await healer.close();
      await exposed.stop();
    }
  }, 120_000);

  it('storage/ not writable by PHP: fixed -> 200, the rollback restores the modes', async () => {
    expect(app.url).toMatch(/^http:\/\/laravel\.invalid:\d+$/);
    // A deploy that cleared the compiled views and left storage/ to root.
    await app.artisan('view:clear');
    await run('chown', ['-R', 'root:root', join(app.root, 'storage'), join(app.root, 'bootstrap/cache')]);
    await run('chmod', ['-R', 'go-w', join(app.root, 'storage'), join(app.root, 'bootstrap/cache')]);
    expect((await app.get('/')).status).toBe(500);
    const before = await modes();

    const healer = laravelHealer(app, { mode: 'auto', settings: { webServerRoots: app.server!.roots } });
    try {
      const d = await healer.diagnose(app.root);
      const storage = d.results.find((r) => r.id === 'laravel/storage-writable')!;
      expect(storage.status).toBe('fail');
      expect(storage.details).toMatchObject({ phpUser: { user: 'www-data' } });
      expect(String((storage.details['phpUser'] as { source: string }).source)).toContain('Apache');
      const availability = d.results.find((r) => r.id === 'laravel/availability')!;
      expect(availability).toMatchObject({ status: 'fail', details: { status: 500, connectTo: '127.0.0.1', urlSource: 'APP_URL in .env' } });

      const { execution } = await healer.heal(app.root);
      expect(execution.state, execution.message).toBe('FIXED');
      expect(execution.attempts).toMatchObject([{ actionId: 'laravel/fix-storage-permissions', verified: true }]);
      const page = await app.get('/');
      expect(page.status).toBe(200);
      expect(page.body).toContain('HealerFixture is up');
      const fixed = await modes();
      expect(fixed).toMatch(/^775 root www-data .*\/storage\/framework\/views$/m);
      expect(fixed).not.toMatch(/^\d\d[2367] /m);

      const back = await healer.rollback(execution.executionId);
      expect(back.state, back.message).toBe('ROLLED_BACK');
      expect(await modes()).toBe(before);
    } finally {
      await healer.close();
    }
  }, 180_000);
});
