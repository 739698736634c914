/**
 * Laravel's checks on a real app (Debian's framework, a private MariaDB,
 * php -S as www-data) in the states they look for: the database out of
 * reach, a cache store that cannot keep a value, failed jobs, a worker whose
 * timeout outlives retry_after, a worker started before .env changed, errors
 * in laravel.log with their file and line, APP_DEBUG on in production.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnosis } from '@healer/core';
import { freePort, startMariadb, type RunningMariadb } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { laravelHealer } from './helpers/healer.js';
import { createLaravelApp, type LaravelApp } from './helpers/laravel-app.js';

let db: RunningMariadb;
let app: LaravelApp;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  db = await startMariadb();
  app = await createLaravelApp(db);
}, 120_000);

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) process.kill(-w.pid!, 'SIGKILL');
  await app?.stop();
  await db?.cleanup();
}, 60_000);

async function diagnose(config: Record<string, unknown> = {}): Promise<Diagnosis> {
  const healer = laravelHealer(app, { config });
  try {
    return await healer.diagnose(app.root);
  } finally {
    await healer.close();
  }
}

const result = (d: Diagnosis, id: string) => d.results.find((r) => r.id === id)!;

describe('Laravel checks on a real app', () => {
  it('the database out of reach: its error number in words; the password never shown', async () => {
    const closed = await freePort();
    await app.setEnv({ DB_PORT: String(closed) });
    try {
      const d = await diagnose();
      const r = result(d, 'laravel/database');
      expect(r.status).toBe('fail');
      expect(r.message).toContain('error 2002');
      expect(r.message).toContain(`127.0.0.1:${closed}`);
      // No server of this machine's option files listens there: no pointer.
      expect(r.details).toMatchObject({ errno: 2002, database: app.database, username: app.dbUser, databaseServer: null });
      expect(result(d, 'laravel/pending-migrations').status).toBe('skip');
      // Healer's readings logged nothing into storage/logs.
      expect(await readdir(join(app.root, 'storage/logs'))).toEqual(['.gitignore']);
      expect(JSON.stringify(d)).not.toContain(app.dbPassword);
    } finally {
      await app.setEnv({ DB_PORT: String(db.port) });
    }
    await app.setEnv({ DB_PASSWORD: 'wrong-password' });
    try {
      const r = result(await diagnose(), 'laravel/database');
      expect(r.message).toMatch(/error 1045: the user name or password is wrong/);
    } finally {
      await app.setEnv({ DB_PASSWORD: app.dbPassword });
    }
    // This machine's own server (port 3306, described by its option files), which has no such account: named for the MySQL plugin.
    await app.setEnv({ DB_PORT: '3306' });
    try {
      const r = result(await diagnose(), 'laravel/database');
      expect(r.status).toBe('fail');
      expect(r.details).toMatchObject({ databaseServer: '/var/lib/mysql' });
      expect(r.message).toContain('`healer diagnose /var/lib/mysql` looks at it');
    } finally {
      await app.setEnv({ DB_PORT: String(db.port) });
    }
  }, 120_000);

  it('a cache store that cannot keep a value (the database store without its table)', async () => {
    await app.setEnv({ CACHE_DRIVER: 'database' });
    await db.sql('DROP TABLE cache', { database: app.database });
    try {
      const r = result(await diagnose(), 'laravel/cache-store');
      expect(r.status).toBe('fail');
      expect(r.message).toContain('database');
      expect(r.message).toMatch(/1146|doesn't exist/);
    } finally {
      await app.setEnv({ CACHE_DRIVER: 'file' });
    }
  }, 120_000);

  it('failed jobs counted', async () => {
    for (let i = 0; i < 3; i++) {
      await db.sql(`INSERT INTO failed_jobs (uuid, connection, queue, payload, exception) VALUES ('f-${i}', 'database', 'default', '{}', 'boom')`, { database: app.database });
    }
    const r = result(await diagnose({ failedJobsFailAt: 3 }), 'laravel/failed-jobs');
    expect(r).toMatchObject({ status: 'fail', details: { count: 3, table: 'failed_jobs' } });
    expect(result(await diagnose(), 'laravel/failed-jobs').status).toBe('warn');
    await db.sql('DELETE FROM failed_jobs', { database: app.database });
  }, 120_000);

  it('queue workers: none running, then one whose timeout outlives retry_after and that predates .env', async () => {
    await app.setEnv({ QUEUE_CONNECTION: 'database', QUEUE_RETRY_AFTER: '90' });
    const none = await diagnose();
    expect(result(none, 'laravel/queue-workers')).toMatchObject({ status: 'fail', details: { connection: 'database', driver: 'database' } });
    expect(result(none, 'laravel/queue-timeout').status).toBe('skip');

    const worker = spawn('php', ['artisan', 'queue:work', '--sleep=1', '--timeout=120'], { cwd: app.root, stdio: 'ignore', detached: true });
    workers.push(worker);
    await new Promise((r) => setTimeout(r, 2_500));
    await app.setEnv({ APP_NAME: 'ChangedAfterTheWorker' });
    const d = await diagnose();
    const timeout = result(d, 'laravel/queue-timeout');
    expect(timeout.status).toBe('fail');
    expect(timeout.message).toContain(`worker ${worker.pid} on "database": --timeout 120 >= retry_after 90`);
    const running = result(d, 'laravel/queue-workers');
    expect(running).toMatchObject({ status: 'warn', fixes: ['laravel/queue-restart'], details: { stale: [worker.pid], changedFile: '.env' } });
    const ended = new Promise((r) => worker.once('exit', r));
    process.kill(-worker.pid!, 'SIGKILL');
    await ended;
    await app.setEnv({ QUEUE_CONNECTION: 'sync' });
  }, 120_000);

  it('errors in laravel.log since the run started: the exception with its file and line', async () => {
    const since = new Date(Date.now() - 1000);
    expect((await app.get('/boom')).status).toBe(500);
    const healer = laravelHealer(app);
    try {
      const d = await healer.diagnose(app.root, { since });
      const r = result(d, 'laravel/log-errors');
      expect(r.status).toBe('fail');
      expect(r.message).toContain('RuntimeException: The healer fixture failed on purpose');
      expect(r.details['latest']).toMatchObject({ exception: 'RuntimeException', file: join(app.root, 'routes/web.php'), log: 'laravel.log' });
      expect(typeof (r.details['latest'] as { line: unknown }).line).toBe('number');
      // Nothing since a later time.
      const later = await healer.diagnose(app.root, { since: new Date(Date.now() + 1000) });
      expect(result(later, 'laravel/log-errors').status).toBe('pass');
    } finally {
      await healer.close();
    }
  }, 120_000);

  it('APP_DEBUG on in production; a malformed APP_KEY named without its value', async () => {
    await app.setEnv({ APP_DEBUG: 'true', APP_KEY: 'base64:dG9vLXNob3J0' });
    try {
      const d = await diagnose();
      expect(result(d, 'laravel/debug-in-production').status).toBe('fail');
      const key = result(d, 'laravel/app-key');
      expect(key.message).toContain('APP_KEY is 9 bytes long where AES-256-CBC needs 32');
      expect(JSON.stringify(d)).not.toContain('dG9vLXNob3J0');
    } finally {
      await app.setEnv({ APP_DEBUG: 'false', APP_KEY: app.appKey });
    }
  }, 120_000);
});
