/**
 * Healing real Express apps: missing dependencies are reinstalled with the
 * app's own package manager and the app answers again; rollback puts the
 * previous state back, also when the app never answers after the restart; a
 * crash from a missing variable is diagnosed by name and left alone; a stale
 * copy holding the port is stopped on approval (KILLed when it ignores TERM).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashFolder } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpressApp, healerFor, installExpress, statusOf, type ExpressApp, type ExpressCache } from './helpers/express-app.js';

let cache: ExpressCache;
let backupRoot: string;
const apps: ExpressApp[] = [];

beforeAll(async () => {
  cache = await installExpress();
  backupRoot = await realpath(await mkdtemp(join(tmpdir(), 'healer-node-backups-')));
}, 240_000);

afterAll(async () => {
  for (const app of apps) await app.cleanup();
  await cache?.cleanup();
  if (backupRoot) await rm(backupRoot, { recursive: true, force: true });
});

async function newApp(options: Parameters<typeof createExpressApp>[1] = {}): Promise<ExpressApp> {
  const app = await createExpressApp(cache, options);
  apps.push(app);
  return app;
}

describe('an Express app without node_modules', () => {
  it('is diagnosed, healed by a reinstall that makes it answer 200, and rolled back to the previous state', async () => {
    const app = await newApp();
    await rm(join(app.root, 'node_modules'), { recursive: true });
    const before = await hashFolder(app.root, { ignore: ['app.log', 'app.pid'] });
    expect(await app.start()).toBe('exited');
    expect(await app.log()).toContain("Cannot find module 'express'");

    const healer = healerFor(app, {}, { backupRoot });
    try {
      const diagnosis = await healer.diagnose(app.root);
      const byId = new Map(diagnosis.results.map((r) => [r.id, r]));
      expect(byId.get('nodejs/dependencies-installed')?.status).toBe('fail');
      expect(byId.get('nodejs/app-answers')?.status).toBe('fail');
      expect(byId.get('nodejs/recent-errors')?.message).toContain("Cannot find module 'express'");

      const { execution } = await healer.heal(app.root, { mode: 'auto' });
      expect(execution.state, execution.message).toBe('FIXED');
      const fixed = execution.attempts.filter((a) => a.verified).map((a) => a.actionId);
      expect(fixed).toEqual(['nodejs/reinstall-dependencies']);
      // The restart alone was refused: it cannot help an app that cannot load express.
      expect(execution.attempts.map((a) => a.actionId)).not.toContain('nodejs/restart');
      expect(await statusOf(app.url)).toBe(200);
      expect(await readdir(join(app.root, 'node_modules'))).toContain('express');

      const undo = await healer.rollback(execution.executionId);
      expect(undo.rollbackOf).toBe(execution.executionId);
      // The previous state: no node_modules, package.json and lockfile as they were, no marker left.
      expect(await readdir(app.root)).not.toContain('node_modules');
      expect((await readdir(app.root)).filter((f) => f.startsWith('.healer-'))).toEqual([]);
      expect(await hashFolder(app.root, { ignore: ['app.log', 'app.pid'] })).toEqual(before);
      expect(await statusOf(app.url)).toBe(null);
    } finally {
      await healer.close();
    }
  }, 240_000);

  it('rollback of a reinstall puts the exact previous node_modules back', async () => {
    const app = await newApp();
    // A partial install: express itself is gone, the rest is there.
    await rm(join(app.root, 'node_modules/express'), { recursive: true });
    await writeFile(join(app.root, 'node_modules/marker.txt'), 'the old tree');
    const before = await hashFolder(join(app.root, 'node_modules'));
    const healer = healerFor(app, { only: ['nodejs/dependencies-installed'] }, { backupRoot });
    try {
      const { execution } = await healer.heal(app.root, { mode: 'auto' });
      expect(execution.state, execution.message).toBe('FIXED');
      expect(await statusOf(app.url)).toBe(200);
      expect(await readdir(join(app.root, 'node_modules'))).not.toContain('marker.txt');
      await healer.rollback(execution.executionId);
      expect(await hashFolder(join(app.root, 'node_modules'))).toEqual(before);
      expect((await readdir(app.root)).filter((f) => f.startsWith('.healer-'))).toEqual([]);
    } finally {
      await healer.close();
    }
  }, 240_000);
});

describe('a reinstall after which the app never answers', () => {
  it('is not verified (settle() waits for the URL in vain) and is rolled back to the previous node_modules', async () => {
    // The routes file keeps the process alive but stops Express from listening: the app runs and never answers.
    const routes = "module.exports = function routes(app) {\n  app.listen = () => undefined;\n  setInterval(() => undefined, 1000);\n};\n";
    const app = await newApp({ files: { 'lib/routes.js': routes } });
    await rm(join(app.root, 'node_modules/express'), { recursive: true });
    await writeFile(join(app.root, 'node_modules/marker.txt'), 'the old tree');
    const before = await hashFolder(join(app.root, 'node_modules'));
    const healer = healerFor(app, { only: ['nodejs/dependencies-installed'], config: { startTimeoutMs: 3000 } }, { backupRoot });
    try {
      const { execution } = await healer.heal(app.root, { mode: 'auto' });
      expect(execution.state, execution.message).not.toBe('FIXED');
      const attempt = execution.attempts.find((a) => a.actionId === 'nodejs/reinstall-dependencies');
      expect(attempt, JSON.stringify(execution.attempts)).toBeDefined();
      expect([attempt!.verified, attempt!.rolledBack]).toEqual([false, true]);
      expect(attempt!.message).toMatch(/did not settle after the change: .*did not answer within 3000 ms/);
      // The install ran (express is back in the new tree) and was undone: the exact previous tree, nothing kept aside.
      expect(await hashFolder(join(app.root, 'node_modules'))).toEqual(before);
      expect((await readdir(app.root)).filter((f) => f.startsWith('.healer-'))).toEqual([]);
      expect(await statusOf(app.url)).toBe(null);
    } finally {
      await healer.close();
    }
  }, 240_000);
});

describe('an Express app crashing on start from a missing variable', () => {
  it('is diagnosed with the variable name and not auto-healed', async () => {
    const app = await newApp({ requireEnv: ['DATABASE_URL'], example: ['DATABASE_URL'] });
    expect(await app.start()).toBe('exited');
    const healer = healerFor(app, {}, { backupRoot });
    try {
      const { execution, diagnosis } = await healer.heal(app.root, { mode: 'auto' });
      const byId = new Map(diagnosis!.results.map((r) => [r.id, r]));
      const env = byId.get('nodejs/env-vars')!;
      expect(env.status).toBe('fail');
      expect(env.message).toContain('DATABASE_URL');
      expect(byId.get('nodejs/recent-errors')?.message).toContain('Missing required environment variable DATABASE_URL');
      expect(byId.get('nodejs/dependencies-installed')?.status).toBe('pass');
      // Nothing was changed: no action ran, and the app is still down.
      expect(execution.attempts.filter((a) => a.backupId !== null || a.verified)).toEqual([]);
      expect(execution.state).not.toBe('FIXED');
      expect(await statusOf(app.url)).toBe(null);
      expect((await readdir(app.root)).filter((f) => f.startsWith('.healer-'))).toEqual([]);
    } finally {
      await healer.close();
    }
  }, 120_000);
});

describe('a stopped Express app', () => {
  it('is restarted by the configured start command (low risk, supervised mode) and answers 200', async () => {
    const app = await newApp({ env: { NODE_ENV: 'production' } });
    expect(await statusOf(app.url)).toBe(null);
    const healer = healerFor(app, {}, { backupRoot });
    try {
      const { execution } = await healer.heal(app.root, { mode: 'supervised' });
      expect(execution.state, execution.message).toBe('FIXED');
      expect(execution.attempts.map((a) => [a.actionId, a.verified])).toEqual([['nodejs/restart', true]]);
      expect(await statusOf(app.url)).toBe(200);
      expect(await app.pid()).not.toBe(null);
    } finally {
      await healer.close();
    }
  }, 120_000);
});

describe('an Express app whose lib/routes.js has a syntax error', () => {
  it('a restart that does not help and cannot be rolled back is ESCALATED (a person is needed), naming the broken file', async () => {
    const routes = "module.exports = function routes(app) {\n  app.get('/hi', (req, res) => {\n    res.send('hi'\n  });\n};\n";
    const app = await newApp({ env: { NODE_ENV: 'production' }, files: { 'lib/routes.js': routes } });
    const healer = healerFor(app, {}, { backupRoot });
    try {
      const { execution } = await healer.heal(app.root, { mode: 'supervised' });
      expect(execution.state, execution.message).toBe('ESCALATED');
      expect(execution.message).toContain('a person is needed');
      expect(execution.message).not.toMatch(/rollback failed|backup is kept/);
      expect(execution.attempts.map((a) => [a.actionId, a.verified, a.rolledBack, a.backupId])).toEqual([['nodejs/restart', false, false, null]]);
      const diagnosis = await healer.diagnose(app.root, { since: new Date(Date.now() - 120_000) });
      const errors = diagnosis.results.find((r) => r.id === 'nodejs/recent-errors');
      expect(errors?.message).toContain(`SyntaxError: missing ) after argument list at ${join(app.root, 'lib/routes.js')}:3.`);
    } finally {
      await healer.close();
    }
    expect(await statusOf(app.url)).toBe(null);
  }, 120_000);
});

describe('a stale copy of the app holding its port', () => {
  it('is reported, and stopped on approval so the app itself runs', async () => {
    const app = await newApp();
    const stale = spawn('node', ['server.js'], { cwd: app.root, stdio: 'ignore', detached: true });
    try {
      await waitFor(async () => (await statusOf(app.url)) === 200);
      // The pid file names a process that is gone: the app's own copy died, the stale one kept the port.
      await writeFile(join(app.root, 'app.pid'), '999999');
      const healer = healerFor(app, { only: ['nodejs/port-held', 'nodejs/app-answers'] }, { backupRoot });
      try {
        const plan = await healer.plan(app.root, { mode: 'auto' });
        expect(plan.requireApproval.map((a) => a.actionId)).toContain('nodejs/free-port');
        const { execution } = await healer.heal(app.root, { mode: 'auto', approve: { actions: ['nodejs/free-port'], planHash: plan.planHash } });
        expect(execution.state, execution.message).toBe('FIXED');
        expect(stale.exitCode !== null || stale.signalCode !== null).toBe(true);
        const pid = await app.pid();
        expect(pid).not.toBe(stale.pid);
        expect(await statusOf(app.url)).toBe(200);
      } finally {
        await healer.close();
      }
    } finally {
      stale.kill('SIGKILL');
    }
  }, 120_000);
});

describe('a stale copy of the app that ignores SIGTERM', () => {
  it('is KILLed after the grace period, and the app itself then runs', async () => {
    const app = await newApp();
    const stale = spawn('node', ['-e', "process.on('SIGTERM', () => console.log('ignored')); require('./server.js')"], { cwd: app.root, stdio: 'ignore', detached: true });
    try {
      await waitFor(async () => (await statusOf(app.url)) === 200);
      await writeFile(join(app.root, 'app.pid'), '999999');
      const healer = healerFor(app, { only: ['nodejs/port-held', 'nodejs/app-answers'] }, { backupRoot });
      try {
        const plan = await healer.plan(app.root, { mode: 'auto' });
        const { execution } = await healer.heal(app.root, { mode: 'auto', approve: { actions: ['nodejs/free-port'], planHash: plan.planHash } });
        expect(execution.state, execution.message).toBe('FIXED');
        await waitFor(async () => stale.exitCode !== null || stale.signalCode !== null);
        expect(stale.signalCode).toBe('SIGKILL');
        expect(await app.pid()).not.toBe(stale.pid);
        expect(await statusOf(app.url)).toBe(200);
      } finally {
        await healer.close();
      }
    } finally {
      stale.kill('SIGKILL');
    }
  }, 120_000);
});

async function waitFor(fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out waiting');
}
