/**
 * A stock setup where only the path is given: no settings, core's shared
 * checks on. The plugin finds the address (APP_URL, a name that does not
 * resolve, reached at 127.0.0.1; or, with Laravel's stock APP_URL, the
 * `php -S` serving public/) and the user PHP runs as (that server's owner).
 */
import { createHealer, MemoryStateStore } from '@healer/core';
import { startMariadb, type RunningMariadb } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { laravelPlugin } from '../src/plugin.js';
import { createLaravelApp, type LaravelApp } from './helpers/laravel-app.js';

let db: RunningMariadb;
const apps: LaravelApp[] = [];
/** Checks of the machine, not of the app (this shared test machine is busy). */
const HOST_CHECKS = new Set(['core/load', 'core/memory', 'core/disk-space', 'core/disk-inodes']);

beforeAll(async () => {
  db = await startMariadb();
}, 120_000);

afterAll(async () => {
  for (const a of apps) await a.stop();
  await db?.cleanup();
}, 60_000);

async function diagnoseByPath(root: string) {
  const healer = createHealer({ plugins: [laravelPlugin], state: new MemoryStateStore() });
  try {
    return await healer.diagnose(root);
  } finally {
    await healer.close();
  }
}

describe('only the path', () => {
  it('APP_URL with a name that does not resolve: the app is reached at 127.0.0.1, PHP found as www-data', async () => {
    const app = await createLaravelApp(db, { hostName: 'laravel.invalid' });
    apps.push(app);
    const d = await diagnoseByPath(app.root);
    const bad = d.results.filter((r) => (r.status === 'fail' || r.status === 'error') && !HOST_CHECKS.has(r.id)).map((r) => `${r.id}: ${r.message}`);
    expect(bad).toEqual([]);
    expect(d.results.find((r) => r.id === 'laravel/availability')).toMatchObject({ status: 'pass', details: { url: app.url, connectTo: '127.0.0.1', status: 200, urlSource: 'APP_URL in .env' } });
    const storage = d.results.find((r) => r.id === 'laravel/storage-writable')!;
    expect(storage.details).toMatchObject({ phpUser: { user: 'www-data' } });
    expect(String((storage.details['phpUser'] as { source: string }).source)).toContain('PHP built-in server');
  }, 120_000);

  it("Laravel's stock APP_URL (http://localhost): the address is the php -S serving public/", async () => {
    const app = await createLaravelApp(db, { env: { APP_URL: 'http://localhost' } });
    apps.push(app);
    const d = await diagnoseByPath(app.root);
    const availability = d.results.find((r) => r.id === 'laravel/availability')!;
    expect(availability.status, availability.message).toBe('pass');
    expect(availability.details).toMatchObject({ url: `http://127.0.0.1:${app.port}` });
    expect(String(availability.details['urlSource'])).toContain('PHP built-in server');
    expect(d.results.find((r) => r.id === 'laravel/env-public')?.status).toBe('pass');
  }, 120_000);
});
