/**
 * Over SSH: every command, file read, probe and artisan call goes through
 * SshExecutor to a real sshd on loopback. A healthy app diagnoses clean;
 * maintenance mode left on is healed with `up`.
 */
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { SshExecutor } from '@healer/core';
import { sshOptions, startMariadb, startSshd, type RunningMariadb, type RunningSshd } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { laravelHealer } from './helpers/healer.js';
import { createLaravelApp, type LaravelApp } from './helpers/laravel-app.js';

let db: RunningMariadb;
let sshd: RunningSshd;
let app: LaravelApp;

beforeAll(async () => {
  [db, sshd] = await Promise.all([startMariadb(), startSshd()]);
  app = await createLaravelApp(db);
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await sshd?.stop();
  await db?.cleanup();
}, 60_000);

describe('Laravel over SSH', () => {
  it('diagnosed clean, then maintenance mode left on: up over SSH -> FIXED, 200', async () => {
    const healer = laravelHealer(app, { mode: 'supervised', executor: new SshExecutor(sshOptions(sshd)) });
    try {
      const healthy = await healer.diagnose(app.root);
      expect(healthy.transport).toMatchObject({ kind: 'ssh' });
      expect(healthy.results.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => `${r.id}: ${r.message}`)).toEqual([]);
      expect(healthy.results.find((r) => r.id === 'laravel/database')?.status).toBe('pass');
      expect(healthy.results.find((r) => r.id === 'laravel/storage-writable')?.details).toMatchObject({ phpUser: { user: 'www-data' } });
      expect(JSON.stringify(healthy)).not.toContain(app.dbPassword);

      await app.artisan('down');
      const old = new Date(Date.now() - 3 * 3600_000);
      await utimes(join(app.root, 'storage/framework/down'), old, old);
      expect((await app.get('/')).status).toBe(503);
      const { execution } = await healer.heal(app.root);
      expect(execution.state, execution.message).toBe('FIXED');
      expect(execution.target.host).toMatch(/^ssh:\/\//);
      expect(execution.attempts).toMatchObject([{ actionId: 'laravel/up', verified: true }]);
      expect((await app.get('/')).status).toBe(200);
    } finally {
      await healer.close();
    }
  }, 180_000);
});
