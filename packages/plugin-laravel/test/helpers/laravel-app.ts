/**
 * A real Laravel app for tests: the checked-in skeleton (`fixtures/laravel-app`)
 * copied to a temp folder with its path repository beside it
 * (`fixtures/packages/laravel-framework`, which loads Debian's
 * php-laravel-framework from PHP's include path), installed by Composer
 * offline from its checked-in lock, a database and user of its own on a private MariaDB
 * (test-utils' `startMariadb`), a `.env` pointing at them, the migrations
 * run, `storage/` and `bootstrap/cache` given to the PHP user (`www-data`),
 * and served by `php -S` (as that user) or by Apache.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, cp, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, startWebServer, type RunningMariadb, type RunningWebServer } from '@healer/test-utils';

const run = promisify(execFile);
export const FIXTURE = fileURLToPath(new URL('../fixtures/laravel-app', import.meta.url));
export const PACKAGES = fileURLToPath(new URL('../fixtures/packages', import.meta.url));
export const PHP_USER = 'www-data';

export interface LaravelAppOptions {
  /** How the app is served. Default `php -S` on `public/`. */
  serve?: 'php-s' | 'apache' | 'nginx' | 'php-s-root' | 'apache-root' | 'none';
  /** PHP-FPM pool settings when served by nginx. */
  poolSettings?: Record<string, string>;
  /** Host name in APP_URL (it need not resolve). Default `127.0.0.1`. */
  hostName?: string;
  /** Run the migrations at setup. Default true. */
  migrate?: boolean;
  /** Extra or changed `.env` values. */
  env?: Record<string, string>;
}

export interface LaravelApp {
  root: string;
  /** The plugin configuration that keeps Composer offline and inside the temp folder. */
  config: { composerEnv: Record<string, string> };
  /** `composer install` as a person would run it (offline). */
  composerInstall(): Promise<void>;
  /** The parent temp folder (backups land in its `.healer-backups`). */
  dir: string;
  url: string;
  port: number;
  database: string;
  dbUser: string;
  dbPassword: string;
  appKey: string;
  server: RunningWebServer | null;
  /** `php artisan ...` as root in the app. */
  artisan(...args: string[]): Promise<string>;
  /** GET a path through the app's server (127.0.0.1, Host: the app's name). */
  get(path?: string): Promise<{ status: number; body: string }>;
  /** Rewrite `.env` with these values changed. */
  setEnv(values: Record<string, string | null>): Promise<void>;
  readEnv(): Promise<string>;
  stop(): Promise<void>;
}

async function uidOf(user: string): Promise<{ uid: number; gid: number }> {
  const [u, g] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

export function envText(values: Record<string, string>): string {
  return `${Object.entries(values)
    .map(([k, v]) => `${k}=${/[\s#"']/.test(v) ? `"${v}"` : v}`)
    .join('\n')}\n`;
}

/** A fresh app on `db` (its own database and user). */
export async function createLaravelApp(db: RunningMariadb, options: LaravelAppOptions = {}): Promise<LaravelApp> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'healer-laravel-')));
  await chmod(dir, 0o755);
  const root = join(dir, 'app');
  await cp(FIXTURE, root, { recursive: true });
  await cp(PACKAGES, join(dir, 'packages'), { recursive: true });
  const home = join(dir, 'composer-home');
  await mkdir(home);
  const composerEnv = { COMPOSER_HOME: home, COMPOSER_CACHE_DIR: join(home, 'cache'), COMPOSER_DISABLE_NETWORK: '1' };
  const composerInstall = async (): Promise<void> => {
    await run('composer', ['install', '--no-dev', '--no-interaction', '--no-progress'], { cwd: root, env: { ...process.env, ...composerEnv, COMPOSER_ALLOW_SUPERUSER: '1' } });
  };
  await composerInstall();
  const name = `app_${randomBytes(4).toString('hex')}`;
  const dbPassword = `pw-${randomBytes(9).toString('base64url')}`;
  await db.sql(`CREATE DATABASE \`${name}\`; CREATE USER '${name}'@'127.0.0.1' IDENTIFIED BY '${dbPassword}'; GRANT ALL ON \`${name}\`.* TO '${name}'@'127.0.0.1';`);
  const port = await freePort();
  const hostName = options.hostName ?? '127.0.0.1';
  const url = `http://${hostName}:${port}`;
  const appKey = `base64:${randomBytes(32).toString('base64')}`;
  const env: Record<string, string> = {
    APP_NAME: 'HealerFixture',
    APP_ENV: 'production',
    APP_KEY: appKey,
    APP_DEBUG: 'false',
    APP_URL: url,
    LOG_CHANNEL: 'single',
    DB_CONNECTION: 'mysql',
    DB_HOST: '127.0.0.1',
    DB_PORT: String(db.port),
    DB_DATABASE: name,
    DB_USERNAME: name,
    DB_PASSWORD: dbPassword,
    CACHE_DRIVER: 'file',
    QUEUE_CONNECTION: 'sync',
    // No session files: a page view writes nothing under storage/ once the views are compiled.
    SESSION_DRIVER: 'array',
    ...options.env,
  };
  await writeFile(join(root, '.env'), envText(env));
  const php = await uidOf(PHP_USER);
  // .env holds the secrets: readable by PHP's group, not by other users.
  await chown(join(root, '.env'), 0, php.gid);
  await chmod(join(root, '.env'), 0o640);
  const artisan = async (...args: string[]): Promise<string> => (await run('php', ['artisan', ...args, '--no-interaction', '--no-ansi'], { cwd: root, timeout: 120_000 })).stdout;
  if (options.migrate !== false) await artisan('migrate', '--force');
  await run('chown', ['-R', `${PHP_USER}:${PHP_USER}`, join(root, 'storage'), join(root, 'bootstrap/cache')]);

  const serve = options.serve ?? 'php-s';
  let child: ChildProcess | null = null;
  let server: RunningWebServer | null = null;
  if (serve === 'apache' || serve === 'nginx' || serve === 'apache-root') {
    const kind = serve === 'nginx' ? 'nginx' : 'apache';
    server = await startWebServer({ kind, sites: [{ serverName: hostName, docroot: serve === 'apache-root' ? root : join(root, 'public') }], port, ...(options.poolSettings ? { poolSettings: options.poolSettings } : {}) });
  } else if (serve === 'php-s' || serve === 'php-s-root') {
    child = spawn('php', ['-S', `127.0.0.1:${port}`, '-t', serve === 'php-s' ? 'public' : '.'], { cwd: root, uid: php.uid, gid: php.gid, stdio: 'ignore', detached: true });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const up = await fetch(`http://127.0.0.1:${port}/favicon.ico`).then(() => true, () => false);
      if (up) break;
      if (Date.now() > deadline) throw new Error('php -S did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const get = async (path = '/'): Promise<{ status: number; body: string }> => {
    if (server) return server.get(hostName, path);
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { host: `${hostName}:${port}` }, redirect: 'manual' });
    return { status: res.status, body: await res.text() };
  };
  const readEnv = (): Promise<string> => readFile(join(root, '.env'), 'utf8');
  return {
    root,
    config: { composerEnv },
    composerInstall,
    dir,
    url,
    port,
    database: name,
    dbUser: name,
    dbPassword,
    appKey,
    server,
    artisan,
    get,
    readEnv,
    async setEnv(values) {
      const lines = (await readEnv()).split('\n').filter((l) => l !== '');
      const out: string[] = [];
      const seen = new Set<string>();
      for (const line of lines) {
        const key = line.split('=')[0]!;
        if (key in values) {
          seen.add(key);
          if (values[key] !== null) out.push(`${key}=${values[key]}`);
        } else out.push(line);
      }
      for (const [k, v] of Object.entries(values)) if (!seen.has(k) && v !== null) out.push(`${k}=${v}`);
      // Rewritten in place: the file keeps its mode and owner.
      await writeFile(join(root, '.env'), `${out.join('\n')}\n`);
    },
    async stop() {
      if (child && child.exitCode === null) {
        const ended = new Promise((r) => child!.once('exit', r));
        process.kill(-child.pid!, 'SIGKILL');
        await ended;
      }
      await server?.stop();
      await db.sql(`DROP DATABASE IF EXISTS \`${name}\`; DROP USER IF EXISTS '${name}'@'127.0.0.1';`).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A migration that creates an `orders` table: a pending migration once written into `database/migrations/`. */
export const MIGRATION = `<?php

use Illuminate\\Database\\Migrations\\Migration;
use Illuminate\\Database\\Schema\\Blueprint;
use Illuminate\\Support\\Facades\\Schema;

class CreateOrdersTable extends Migration
{
    public function up()
    {
        Schema::create('orders', function (Blueprint $table) {
            $table->id();
            $table->string('reference');
        });
    }

    public function down()
    {
        Schema::dropIfExists('orders');
    }
}
`;
