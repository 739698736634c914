/**
 * The scenarios on a real Laravel app (Debian's framework, a private
 * MariaDB, served by `php -S` as www-data), through the public healer API,
 * the address and the PHP user found by the plugin.
 */
import { rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnosis } from '@healer/core';
import { startMariadb, type RunningMariadb } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { laravelHealer } from './helpers/healer.js';
import { createLaravelApp, type LaravelApp, MIGRATION } from './helpers/laravel-app.js';

let db: RunningMariadb;
const apps: LaravelApp[] = [];

beforeAll(async () => {
  db = await startMariadb();
}, 120_000);

afterAll(async () => {
  for (const app of apps) await app.stop();
  await db?.cleanup();
}, 60_000);

async function newApp(options: Parameters<typeof createLaravelApp>[1] = {}): Promise<LaravelApp> {
  const app = await createLaravelApp(db, options);
  apps.push(app);
  return app;
}

async function until(ok: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ok()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return ok();
}

const result = (d: Diagnosis, id: string) => d.results.find((r) => r.id === id)!;

/** Nothing the run printed holds a secret of `.env`. */
function expectNoSecrets(app: LaravelApp, ...outputs: unknown[]): void {
  const text = JSON.stringify(outputs);
  expect(text).not.toContain(app.dbPassword);
  expect(text).not.toContain(app.appKey.slice('base64:'.length));
}

describe('Laravel scenarios (php -S)', () => {
  it('a healthy app: every Laravel check passes or is skipped, the address and the PHP user found', async () => {
    const app = await newApp();
    expect((await app.get('/')).status).toBe(200);
    const healer = laravelHealer(app);
    try {
      const d = await healer.diagnose(app.root);
      expect(d.app?.stack).toBe('laravel');
      expect(d.app?.version).toBe('8.83.26');
      const bad = d.results.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => `${r.id}: ${r.message}`);
      expect(bad).toEqual([]);
      expect(result(d, 'laravel/storage-writable').details).toMatchObject({ phpUser: { user: 'www-data' } });
      expect(result(d, 'laravel/env-public')).toMatchObject({ status: 'pass', details: { status: 404 } });
      expect(result(d, 'laravel/database').status).toBe('pass');
      expect(result(d, 'laravel/cache-store').status).toBe('pass');
      expect(result(d, 'laravel/pending-migrations').status).toBe('pass');
      expectNoSecrets(app, d);
      // Healer's own reading of the app (as root) rewrites bootstrap/cache/packages.php: that stays fine for PHP.
      await rm(join(app.root, 'bootstrap/cache/packages.php'), { force: true });
      await healer.diagnose(app.root);
      const again = await healer.diagnose(app.root);
      expect(result(again, 'laravel/storage-writable').status).toBe('pass');
    } finally {
      await healer.close();
    }
  }, 120_000);

  it('APP_KEY missing: named, never generated without a person', async () => {
    const app = await newApp();
    await app.setEnv({ APP_KEY: '' });
    const healer = laravelHealer(app, { mode: 'auto' });
    try {
      const d = await healer.diagnose(app.root);
      const key = result(d, 'laravel/app-key');
      expect(key.status).toBe('fail');
      expect(key.message).toContain('APP_KEY is not set');
      const plan = await healer.plan(app.root, { mode: 'auto' });
      expect(plan.autoHeal.map((a) => a.actionId)).not.toContain('laravel/generate-key');
      const planned = plan.requireApproval.find((a) => a.actionId === 'laravel/generate-key')!;
      expect(planned.risk).toBe('critical');
      expect(planned.steps.map((s) => s.description ?? s.display).join('\n')).toMatch(/cannot decrypt/);
      const { execution } = await healer.heal(app.root, { mode: 'auto' });
      // Left for a person, with the check's evidence in the diagnosis.
      expect(execution.state).toBe('AWAITING_APPROVAL');
      expect(execution.message).toContain('laravel/generate-key (critical)');
      expect(key.evidence).toEqual(['.env: APP_KEY is not set']);
      // Even "approve all" does not reach a critical action.
      const all = await healer.heal(app.root, { mode: 'auto', approve: { planHash: plan.planHash, all: true } });
      expect(all.execution.attempts.map((a) => a.actionId)).not.toContain('laravel/generate-key');
      expect(all.execution.state).toBe('AWAITING_APPROVAL');
      expect(await app.readEnv()).toMatch(/^APP_KEY=$/m);
      expectNoSecrets(app, d, plan, execution);
    } finally {
      await healer.close();
    }
  }, 120_000);

  it('maintenance mode left on for two hours: up -> 200', async () => {
    const app = await newApp();
    await app.artisan('down');
    const old = new Date(Date.now() - 2 * 3600_000);
    await utimes(join(app.root, 'storage/framework/down'), old, old);
    expect((await app.get('/')).status).toBe(503);
    const healer = laravelHealer(app, { mode: 'supervised' });
    try {
      const d = await healer.diagnose(app.root);
      const down = result(d, 'laravel/maintenance-mode');
      expect(down.status).toBe('fail');
      expect(down.message).toContain('2 hours');
      const { execution } = await healer.heal(app.root);
      expect(execution.state, execution.message).toBe('FIXED');
      expect(execution.attempts).toMatchObject([{ actionId: 'laravel/up', verified: true }]);
      expect((await app.get('/')).status).toBe(200);
    } finally {
      await healer.close();
    }
  }, 120_000);

  it('config cache stale after an .env change: rebuilt, the new value served', async () => {
    const app = await newApp();
    await app.artisan('config:cache');
    expect((await app.get('/')).body).toContain('HealerFixture is up');
    await app.setEnv({ APP_NAME: 'RenamedApp' });
    const old = new Date(Date.now() - 60_000);
    await utimes(join(app.root, 'bootstrap/cache/config.php'), old, old);
    expect((await app.get('/')).body).toContain('HealerFixture is up');
    const healer = laravelHealer(app, { mode: 'supervised' });
    try {
      const d = await healer.diagnose(app.root);
      const stale = result(d, 'laravel/cache-stale');
      expect(stale.status).toBe('fail');
      expect(stale.message).toContain('.env');
      const { execution } = await healer.heal(app.root);
      expect(execution.state, execution.message).toBe('FIXED');
      expect(execution.attempts[0]).toMatchObject({ actionId: 'laravel/rebuild-caches', verified: true });
      // PHP's opcache looks at the cached file again within 2 s.
      expect(await until(async () => (await app.get('/')).body.includes('RenamedApp is up'))).toBe(true);
    } finally {
      await healer.close();
    }
  }, 120_000);

  it('a pending migration: found, applied only with approval, the dump restored on rollback', async () => {
    const app = await newApp();
    const name = '2030_01_01_000000_create_orders_table';
    await writeFile(join(app.root, `database/migrations/${name}.php`), MIGRATION);
    const healer = laravelHealer(app, { mode: 'auto' });
    const tables = async (): Promise<string[]> => (await db.rows('SHOW TABLES', { database: app.database })).map((r) => r[0]!);
    const ran = async (): Promise<string[]> => (await db.rows('SELECT migration FROM migrations ORDER BY id', { database: app.database })).map((r) => r[0]!);
    try {
      const d = await healer.diagnose(app.root);
      expect(result(d, 'laravel/pending-migrations')).toMatchObject({ status: 'fail', details: { pending: [name] } });

      // Auto mode does not run it.
      const unapproved = await healer.heal(app.root, { mode: 'auto' });
      expect(unapproved.execution.attempts.map((a) => a.actionId)).not.toContain('laravel/migrate');
      expect(await tables()).not.toContain('orders');

      const beforeRan = await ran();
      await db.sql("INSERT INTO failed_jobs (uuid, connection, queue, payload, exception) VALUES ('u-1', 'database', 'default', '{}', 'boom')", { database: app.database });
      const plan = await healer.plan(app.root, { mode: 'auto' });
      const migrate = plan.requireApproval.find((a) => a.actionId === 'laravel/migrate')!;
      expect(migrate.risk).toBe('high');
      expect(migrate.steps.map((s) => s.description ?? s.display).join('\n')).toContain(name);
      const { execution } = await healer.heal(app.root, { mode: 'auto', approve: { planHash: plan.planHash, actions: ['laravel/migrate'] } });
      expect(execution.state, execution.message).toBe('FIXED');
      expect(await tables()).toContain('orders');
      expect(await ran()).toContain(name);

      const back = await healer.rollback(execution.executionId);
      expect(back.state, back.message).toBe('ROLLED_BACK');
      expect(await tables()).not.toContain('orders');
      expect(await ran()).toEqual(beforeRan);
      expect(await db.rows('SELECT uuid FROM failed_jobs', { database: app.database })).toEqual([['u-1']]);
      expectNoSecrets(app, d, plan, execution, back);
    } finally {
      await healer.close();
    }
  }, 180_000);

  it('.env served publicly (the app root as document root): FAIL, its content never shown', async () => {
    const app = await newApp({ serve: 'php-s-root' });
    expect((await app.get('/.env')).status).toBe(200);
    const healer = laravelHealer(app);
    try {
      const d = await healer.diagnose(app.root);
      const pub = result(d, 'laravel/env-public');
      expect(pub.status).toBe('fail');
      expect(pub.message).toContain('/.env');
      expect(d.status).toBe('fail');
      expectNoSecrets(app, d);
    } finally {
      await healer.close();
    }
  }, 120_000);
});
