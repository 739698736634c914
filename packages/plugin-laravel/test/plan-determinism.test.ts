/**
 * Deterministic plans: the Laravel actions, planned twice for one state of a
 * real Laravel app in which they all apply, give the same plan hash; each
 * planning has its own nonce. (`laravel/composer-install` and
 * `laravel/restart-fpm` need states of their own, where the others cannot
 * run: their plans are planned twice in the contract test.)
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { planDifferences, planTwice, startMariadb, type RunningMariadb } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { laravelPlugin } from '../src/plugin.js';
import { laravelHealer } from './helpers/healer.js';
import { createLaravelApp, type LaravelApp } from './helpers/laravel-app.js';

const run = promisify(execFile);
let db: RunningMariadb;
let app: LaravelApp;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  db = await startMariadb();
  app = await createLaravelApp(db, { serve: 'apache', env: { QUEUE_CONNECTION: 'database' } });
}, 120_000);

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) process.kill(-worker.pid!, 'SIGKILL');
  await app?.stop();
  await db?.cleanup();
}, 60_000);

describe('plans of the Laravel actions', () => {
  it('planned twice for one app state: same hash, its own nonce each time', async () => {
    await app.artisan('down');
    await app.artisan('config:cache');
    const old = new Date(Date.now() - 60_000);
    await utimes(join(app.root, 'bootstrap/cache/config.php'), old, old);
    await writeFile(join(app.root, 'database/migrations/2030_01_01_000000_create_orders_table.php'), "<?php\nuse Illuminate\\Database\\Migrations\\Migration;\nclass CreateOrdersTable extends Migration { public function up() {} public function down() {} }\n");
    worker = spawn('php', ['artisan', 'queue:work', '--sleep=1'], { cwd: app.root, stdio: 'ignore', detached: true });
    await new Promise((r) => setTimeout(r, 1_500));
    await app.setEnv({ APP_KEY: '' });
    await chmod(join(app.root, '.env'), 0o644);
    await run('chown', ['-R', 'root:root', join(app.root, 'storage')]);
    await run('chmod', ['-R', 'go-w', join(app.root, 'storage')]);

    const settings = { url: app.url, webServerRoots: app.server!.roots };
    const healer = laravelHealer(app, { settings });
    const detected = await healer.detect(app.root).finally(() => healer.close());
    expect(detected.app, 'detected').not.toBeNull();
    const [first, second] = await planTwice(laravelPlugin, detected.app!, { config: app.config, settings });

    const planned = [...first.autoHeal, ...first.requireApproval].map((a) => a.actionId).sort();
    const expected = laravelPlugin.actions.map((a) => a.id).filter((id) => id !== 'laravel/composer-install' && id !== 'laravel/restart-fpm').sort();
    expect(planned, JSON.stringify(first.cannotHeal)).toEqual(expected);
    expect(planDifferences(first, second)).toEqual([]);
    expect(second.planHash).toBe(first.planHash);
  }, 180_000);
});
