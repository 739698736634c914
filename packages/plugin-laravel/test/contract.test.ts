/**
 * Plugin contract 1.1: every shipped Laravel action (its own and the PHP
 * plugin's, renamed) keeps the action contract (`checkActionContract`) on a
 * real Laravel app in the state it fixes: planned twice, the same hash;
 * applied, verified and rolled back, byte-identical (files, and the
 * database for migrate); a change by a person before the apply or before the
 * rollback refused. Compiled views, the file cache and the logs (written by
 * the app on its own) are left out of the comparison.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, chmod, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MemoryStateStore } from '@healer/core';
import { checkActionContract, hashFolder, startMariadb, type ActionScenario, type ContractApp, type RunningMariadb } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { laravelPlugin } from '../src/plugin.js';
import { createLaravelApp, type LaravelApp, type LaravelAppOptions, MIGRATION } from './helpers/laravel-app.js';

const run = promisify(execFile);
const EMPTY = { planTwice: [], roundTrip: [], driftBeforeApply: [], driftBeforeRollback: [] };
let db: RunningMariadb;

beforeAll(async () => {
  db = await startMariadb();
}, 120_000);

afterAll(async () => {
  await db?.cleanup();
}, 60_000);

/** The app's files (not the compiled views, file cache and logs the app writes on its own), and its tables' checksums. */
async function snapshot(app: LaravelApp): Promise<string> {
  const files = await hashFolder(app.root, { ignore: ['views', 'data', 'logs'] });
  const tables = (await db.rows('SHOW TABLES', { database: app.database })).map((r) => r[0]!);
  const sums = tables.length > 0 ? await db.rows(`CHECKSUM TABLE ${tables.map((t) => `\`${t}\``).join(', ')} EXTENDED`, { database: app.database }) : [];
  return `${files}\n${JSON.stringify(sums)}`;
}

function contractApp(app: LaravelApp, drift: () => Promise<void>, extra: { settings?: Record<string, unknown>; cleanup?: () => Promise<void> } = {}): ContractApp {
  return {
    target: app.root,
    options: { state: new MemoryStateStore(), sharedChecks: false, checkTimeoutMs: 90_000, ...(extra.settings ? { apps: { [app.root]: extra.settings } } : {}) },
    config: app.config,
    drift,
    snapshot: () => snapshot(app),
    async cleanup() {
      await extra.cleanup?.();
      await app.stop();
    },
  };
}

const exists = (path: string): Promise<boolean> => readFile(path).then(() => true, () => false);
const newApp = (options?: LaravelAppOptions): Promise<LaravelApp> => createLaravelApp(db, options);

/** Maintenance mode on since two hours. */
async function downSinceHours(app: LaravelApp): Promise<void> {
  await app.artisan('down');
  const old = new Date(Date.now() - 2 * 3600_000);
  await utimes(join(app.root, 'storage/framework/down'), old, old);
}

/** A cached config older than an edit of .env. */
async function staleConfig(app: LaravelApp): Promise<void> {
  await app.artisan('config:cache');
  const old = new Date(Date.now() - 60_000);
  await utimes(join(app.root, 'bootstrap/cache/config.php'), old, old);
  await app.setEnv({ APP_NAME: 'EditedName' });
}

/** A person edits .env and caches the config again. */
async function recache(app: LaravelApp): Promise<void> {
  await app.setEnv({ APP_NAME: `ByHand${Date.now()}` });
  await app.artisan('config:cache');
}

const scenarios: ActionScenario[] = [
  {
    actionId: 'laravel/up',
    plugin: laravelPlugin,
    async setup() {
      const app = await newApp();
      await downSinceHours(app);
      // A person brings the app up by hand; once up, a deploy takes it down again.
      return contractApp(app, async () => ((await exists(join(app.root, 'storage/framework/down'))) ? void (await app.artisan('up')) : downSinceHours(app)));
    },
  },
  {
    actionId: 'laravel/rebuild-caches',
    plugin: laravelPlugin,
    async setup() {
      const app = await newApp();
      await staleConfig(app);
      return contractApp(app, () => recache(app));
    },
  },
  {
    actionId: 'laravel/optimize-clear',
    plugin: laravelPlugin,
    async setup() {
      const app = await newApp();
      await staleConfig(app);
      return contractApp(app, () => recache(app));
    },
  },
  {
    actionId: 'laravel/fix-storage-permissions',
    plugin: laravelPlugin,
    async setup() {
      const app = await newApp();
      await app.artisan('view:clear');
      await run('chown', ['-R', 'root:root', join(app.root, 'storage'), join(app.root, 'bootstrap/cache')]);
      await run('chmod', ['-R', 'go-w', join(app.root, 'storage'), join(app.root, 'bootstrap/cache')]);
      // A person gives storage/ to PHP by hand.
      return contractApp(app, () => run('chown', ['-R', 'www-data:www-data', join(app.root, 'storage'), join(app.root, 'bootstrap/cache')]).then(() => undefined));
    },
  },
  {
    actionId: 'laravel/queue-restart',
    plugin: laravelPlugin,
    noRollback: 'a restart signal changes no file of the app (it is a key in the cache store)',
    async setup() {
      const app = await newApp({ env: { QUEUE_CONNECTION: 'database' } });
      // A supervisor loop running the workers as PHP's user, as supervisord would.
      const www = { uid: Number((await run('id', ['-u', 'www-data'])).stdout.trim()), gid: Number((await run('id', ['-g', 'www-data'])).stdout.trim()) };
      let supervisor: ChildProcess | null = spawn('sh', ['-c', 'while true; do php artisan queue:work --sleep=1 --timeout=30; done'], { cwd: app.root, stdio: 'ignore', detached: true, ...www });
      await new Promise((r) => setTimeout(r, 2_500));
      // The configuration changed after the workers started.
      await app.setEnv({ APP_NAME: 'ChangedAfterStart' });
      const stop = async (): Promise<void> => {
        const s = supervisor;
        supervisor = null;
        if (!s || s.exitCode !== null || s.signalCode !== null) return;
        const ended = new Promise((r) => s.once('exit', r));
        process.kill(-s.pid!, 'SIGKILL');
        await ended;
      };
      // A person stops the workers.
      return contractApp(app, stop, { cleanup: stop });
    },
  },
  {
    actionId: 'laravel/migrate',
    plugin: laravelPlugin,
    async setup() {
      const app = await newApp();
      await writeFile(join(app.root, 'database/migrations/2030_01_01_000000_create_orders_table.php'), MIGRATION);
      // A person runs the migrations by hand; once run, adds an order.
      return contractApp(app, async () => {
        const tables = (await db.rows('SHOW TABLES', { database: app.database })).map((r) => r[0]);
        if (tables.includes('orders')) await db.sql("INSERT INTO orders (reference) VALUES ('by-hand')", { database: app.database });
        else await app.artisan('migrate', '--force');
      });
    },
  },
  {
    actionId: 'laravel/generate-key',
    plugin: laravelPlugin,
    async setup() {
      const app = await newApp();
      await app.setEnv({ APP_KEY: '' });
      // A person puts the old key back; once a key is set, edits .env.
      return contractApp(app, async () => {
        if (/^APP_KEY=$/m.test(await app.readEnv())) await app.setEnv({ APP_KEY: app.appKey });
        else await app.setEnv({ APP_NAME: 'EditedByHand' });
      });
    },
  },
  {
    actionId: 'laravel/composer-install',
    plugin: laravelPlugin,
    async setup() {
      const app = await newApp();
      await rm(join(app.root, 'vendor'), { recursive: true });
      // A person installs by hand; once installed, deploys an edited composer.json.
      return contractApp(app, async () => {
        if (await exists(join(app.root, 'vendor/autoload.php'))) {
          const path = join(app.root, 'composer.json');
          await writeFile(path, (await readFile(path, 'utf8')).replace('"A minimal Laravel skeleton', '"An edited minimal Laravel skeleton'));
        } else await app.composerInstall();
      });
    },
  },
  {
    actionId: 'laravel/restart-fpm',
    plugin: laravelPlugin,
    noRollback: 'a restart changes no file and runs the same configuration files again',
    async setup() {
      const app = await newApp({ serve: 'nginx', hostName: 'laravel.invalid' });
      const server = app.server!;
      // The pool is edited after FPM started its workers (start times are read to the second: a clear gap).
      await new Promise((r) => setTimeout(r, 3_000));
      await appendFile(join(server.roots.phpFpmRoot!, 'pool.d/www.conf'), '; edited after the start\n');
      return contractApp(
        app,
        async () => {
          // A person reloads FPM by hand, and waits for its new workers.
          await run('kill', ['-USR2', (await readFile(join(server.dir, 'run/php-fpm.pid'), 'utf8')).trim()]);
          await new Promise((r) => setTimeout(r, 2_500));
        },
        // A busy test machine may keep the two FPM workers' answer past the default 10 s: a flip of
        // laravel/availability between the plan and the heal would change the plan.
        { settings: { webServerRoots: server.roots, httpTimeoutMs: 30_000 } },
      );
    },
  },
  {
    actionId: 'laravel/fix-permissions',
    plugin: laravelPlugin,
    async setup() {
      const app = await newApp({ serve: 'apache', hostName: 'laravel.invalid' });
      // A .env every user of the host may read.
      await chmod(join(app.root, '.env'), 0o644);
      // A person makes .env private to its owner by hand.
      return contractApp(app, () => chmod(join(app.root, '.env'), 0o600), { settings: { webServerRoots: app.server!.roots } });
    },
  },
];

describe('the Laravel actions keep the action contract', () => {
  it('lists every shipped action', () => {
    expect(scenarios.map((s) => s.actionId).sort()).toEqual(laravelPlugin.actions.map((a) => a.id).sort());
  });

  for (const scenario of scenarios) {
    it(scenario.actionId, async () => {
      expect(await checkActionContract(scenario)).toEqual(EMPTY);
    }, 600_000);
  }
});
