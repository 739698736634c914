/**
 * Each Node check, passing and failing, on real Express apps running as real
 * processes on loopback ports.
 */
import { rm, writeFile, readFile, appendFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkApp, createExpressApp, installExpress, type ExpressApp, type ExpressCache } from './helpers/express-app.js';

let cache: ExpressCache;
const apps: ExpressApp[] = [];

async function newApp(options: Parameters<typeof createExpressApp>[1] = {}): Promise<ExpressApp> {
  const app = await createExpressApp(cache, options);
  apps.push(app);
  return app;
}

beforeAll(async () => {
  cache = await installExpress();
}, 240_000);

afterAll(async () => {
  for (const app of apps) await app.cleanup();
  await cache?.cleanup();
});

describe('nodejs/dependencies-installed', () => {
  it('passes when node_modules matches package-lock.json', async () => {
    const app = await newApp();
    const r = await checkApp(app, 'nodejs/dependencies-installed');
    expect(r.status, r.message).toBe('pass');
  });

  it('fails when node_modules is missing, and names the fix', async () => {
    const app = await newApp();
    await rm(join(app.root, 'node_modules'), { recursive: true });
    const r = await checkApp(app, 'nodejs/dependencies-installed');
    expect(r.status).toBe('fail');
    expect(r.message).toContain('node_modules is missing');
    expect(r.fixes).toContain('nodejs/reinstall-dependencies');
  });

  it('fails naming a dependency that is not installed', async () => {
    const app = await newApp();
    await rm(join(app.root, 'node_modules/express'), { recursive: true });
    const r = await checkApp(app, 'nodejs/dependencies-installed');
    expect(r.status).toBe('fail');
    expect(r.details?.missing).toEqual(['express']);
  });

  it('fails when the lockfile asks for another version than the one installed', async () => {
    const app = await newApp();
    const path = join(app.root, 'package-lock.json');
    const lock = JSON.parse(await readFile(path, 'utf8')) as { packages: Record<string, { version: string }> };
    lock.packages['node_modules/ms']!.version = '9.9.9';
    await writeFile(path, JSON.stringify(lock));
    const r = await checkApp(app, 'nodejs/dependencies-installed');
    expect(r.status).toBe('fail');
    expect(r.message).toContain('out of step');
    expect(r.evidence?.join('\n')).toContain('ms: lockfile 9.9.9');
  });
});

describe('nodejs/node-engine', () => {
  it('passes when the Node on the target satisfies engines.node', async () => {
    const app = await newApp({ packageJson: { engines: { node: '>=18' } } });
    const r = await checkApp(app, 'nodejs/node-engine');
    expect(r.status, r.message).toBe('pass');
    expect(r.details?.version).toBe(process.version);
  });

  it('fails when it does not', async () => {
    const app = await newApp({ packageJson: { engines: { node: '>=99' } } });
    const r = await checkApp(app, 'nodejs/node-engine');
    expect(r.status).toBe('fail');
    expect(r.message).toContain(`${process.version} does not satisfy engines.node >=99`);
  });
});

describe('nodejs/env-vars', () => {
  it('passes when every variable of .env.example is set', async () => {
    const app = await newApp({ example: ['API_KEY'], env: { API_KEY: 'k-123456' } });
    const r = await checkApp(app, 'nodejs/env-vars');
    expect(r.status, r.message).toBe('pass');
  });

  it('counts the configured environment', async () => {
    const app = await newApp({ example: ['API_KEY'] });
    const r = await checkApp(app, 'nodejs/env-vars', { config: { environment: { API_KEY: 'from-the-unit' } } });
    expect(r.status, r.message).toBe('pass');
  });

  it('fails naming the variables missing from .env and the environment', async () => {
    const app = await newApp({ example: ['DATABASE_URL', 'SESSION_SECRET'], env: { SESSION_SECRET: 'abcdefgh' } });
    const r = await checkApp(app, 'nodejs/env-vars');
    expect(r.status).toBe('fail');
    expect(r.details?.missing).toEqual(['DATABASE_URL']);
    expect(r.message).toContain('DATABASE_URL');
  });
});

describe('nodejs/node-env', () => {
  it('passes when .env sets NODE_ENV=production', async () => {
    const app = await newApp({ env: { NODE_ENV: 'production' } });
    expect((await checkApp(app, 'nodejs/node-env')).status).toBe('pass');
  });

  it('fails when NODE_ENV is development in production', async () => {
    const app = await newApp({ env: { NODE_ENV: 'development' } });
    const r = await checkApp(app, 'nodejs/node-env');
    expect(r.status).toBe('fail');
    expect(r.message).toContain('"development"');
  });

  it('reads the running process environment first', async () => {
    const app = await newApp({ env: { NODE_ENV: 'production' } });
    // The process gets NODE_ENV=development from its environment, which wins over .env.
    const child = spawn('node', ['server.js'], { cwd: app.root, env: { ...process.env, NODE_ENV: 'development' }, stdio: 'ignore', detached: true });
    await writeFile(join(app.root, 'app.pid'), String(child.pid));
    try {
      await waitFor(async () => (await fetch(app.url).then((x) => x.status).catch(() => 0)) === 200);
      const r = await checkApp(app, 'nodejs/node-env');
      expect(r.status).toBe('fail');
      expect(r.details?.sources).toContain(`the environment of process ${child.pid}`);
    } finally {
      child.kill();
    }
  });
});

describe('nodejs/app-answers and nodejs/memory', () => {
  let app: ExpressApp;
  beforeAll(async () => {
    app = await newApp();
  });

  it('fail while the app is stopped (memory: nothing to measure)', async () => {
    const r = await checkApp(app, 'nodejs/app-answers');
    expect(r.status).toBe('fail');
    expect(r.fixes).toContain('nodejs/restart');
    expect((await checkApp(app, 'nodejs/memory')).status).toBe('skip');
  });

  it('pass while it runs; memory fails above the configured limit', async () => {
    expect(await app.start()).toBe('answering');
    expect((await checkApp(app, 'nodejs/app-answers')).status).toBe('pass');
    const m = await checkApp(app, 'nodejs/memory');
    expect(m.status, m.message).toBe('pass');
    expect(m.details?.pids).toEqual([await app.pid()]);
    const over = await checkApp(app, 'nodejs/memory', { config: { memoryWarnBytes: 1024, memoryFailBytes: 2048 } });
    expect(over.status).toBe('fail');
    await app.stop();
  });
});

describe('nodejs/port-held', () => {
  it('passes when the app holds its port', async () => {
    const app = await newApp();
    await app.start();
    const r = await checkApp(app, 'nodejs/port-held');
    expect(r.status, r.message).toBe('pass');
    expect(r.details?.kind).toBe('app');
    await app.stop();
  });

  it('fails when another process holds it', async () => {
    const app = await newApp();
    const other: Server = createServer();
    await new Promise<void>((resolve) => other.listen(app.port, '127.0.0.1', resolve));
    try {
      const r = await checkApp(app, 'nodejs/port-held');
      expect(r.status).toBe('fail');
      expect(r.details).toMatchObject({ kind: 'other', pid: process.pid });
      expect(r.fixes ?? []).not.toContain('nodejs/free-port');
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });
});

describe('nodejs/crash-loop and nodejs/recent-errors (from the app log)', () => {
  it('pass on a clean log', async () => {
    const app = await newApp();
    await app.start();
    await app.stop();
    expect(await app.log()).toContain('listening on');
    const since = new Date(Date.now() - 60_000);
    expect((await checkApp(app, 'nodejs/crash-loop', { since })).status).toBe('pass');
    expect((await checkApp(app, 'nodejs/recent-errors', { since })).status).toBe('pass');
  });

  it('recent-errors fails with the stack trace of a failed request', async () => {
    const app = await newApp();
    await app.start();
    expect((await fetch(new URL('/boom', app.url))).status).toBe(500);
    await app.stop();
    const r = await checkApp(app, 'nodejs/recent-errors', { since: new Date(Date.now() - 60_000) });
    expect(r.status).toBe('fail');
    expect(r.message).toContain('TypeError: the boom handler failed');
    expect(r.message).toContain(join(app.root, 'server.js'));
  });

  it('recent-errors pins a SyntaxError on the broken file Node names, not on the require that loaded it', async () => {
    const routes = "module.exports = function routes(app) {\n  app.get('/hi', (req, res) => {\n    res.send('hi'\n  });\n};\n";
    const app = await newApp({ files: { 'lib/routes.js': routes } });
    expect(await app.start()).toBe('exited');
    expect(await app.log()).toContain(`${join(app.root, 'lib/routes.js')}:3`);
    const r = await checkApp(app, 'nodejs/recent-errors', { since: new Date(Date.now() - 60_000) });
    expect(r.status).toBe('fail');
    expect(r.message).toContain('SyntaxError');
    expect(r.message).toContain(`at ${join(app.root, 'lib/routes.js')}:3.`);
    expect(r.message).not.toContain('server.js');
    // The code frame Node printed comes with it.
    expect(r.evidence?.[0]).toContain("res.send('hi'");
  });

  it('crash-loop fails after repeated crashes on start', async () => {
    const app = await newApp({ requireEnv: ['DATABASE_URL'] });
    for (let i = 0; i < 3; i++) expect(await app.start()).toBe('exited');
    const r = await checkApp(app, 'nodejs/crash-loop', { config: { crashLoopThreshold: 3 }, since: new Date(Date.now() - 60_000) });
    expect(r.status).toBe('fail');
    expect(r.details?.crashes).toBe(3);
  });

  it('the log window follows since for timestamped logs', async () => {
    const app = await newApp();
    const old = new Date(Date.now() - 3 * 3600_000).toISOString();
    const recent = new Date().toISOString();
    await appendFile(join(app.root, 'app.log'), `${old} Error: an old failure\n    at old (${app.root}/server.js:1:1)\n${recent} listening\n`);
    const r = await checkApp(app, 'nodejs/recent-errors', { since: new Date(Date.now() - 3600_000) });
    expect(r.status, r.message).toBe('pass');
    await appendFile(join(app.root, 'app.log'), `${new Date().toISOString()} Error: a new failure\n    at fresh (${app.root}/server.js:2:2)\n`);
    const again = await checkApp(app, 'nodejs/recent-errors', { since: new Date(Date.now() - 3600_000) });
    expect(again.status).toBe('fail');
    expect(again.message).toContain('a new failure');
    expect(again.message).not.toContain('an old failure');
  });
});

async function waitFor(fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out waiting');
}
