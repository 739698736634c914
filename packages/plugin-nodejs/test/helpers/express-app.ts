/**
 * Real Express apps for the Node plugin's tests: one `npm ci` of the pinned
 * fixture (`test/fixtures/express-app`) per test file, copied into each
 * app's temporary folder; the app runs as a
 * real `node` process on a free loopback port, started and stopped by the
 * same commands the plugin's restart action uses.
 */
import { freePort, installFixture, statusOf } from '@healer/test-utils';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createHealer, withOnlyChecks, type Diagnosis, type CheckResultEntry } from '@healer/core';
import { expect } from 'vitest';
import type { NodejsConfigInput } from '../../src/config.js';
import { nodejsPlugin } from '../../src/plugin.js';

const run = promisify(execFile);

/** One install of Express shared by a test file. */
export interface ExpressCache {
  dir: string;
  /** The fixture's exact `dependencies`. */
  dependencies: Record<string, string>;
  cleanup(): Promise<void>;
}

const FIXTURE = fileURLToPath(new URL('../fixtures/express-app', import.meta.url));

export async function installExpress(): Promise<ExpressCache> {
  return installFixture(FIXTURE, { timeoutMs: 240_000 });
}

const SERVER_JS = `'use strict';
const fs = require('fs');
const path = require('path');
// A tiny .env loader (no dependency): the process environment wins.
try {
  for (const line of fs.readFileSync(path.join(__dirname, '.env'), 'utf8').split('\\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m && !(m[1] in process.env)) process.env[m[1]] = m[2];
  }
} catch {}
const required = JSON.parse(fs.readFileSync(path.join(__dirname, 'required-env.json'), 'utf8'));
for (const name of required) {
  if (!process.env[name]) throw new Error('Missing required environment variable ' + name);
}
const express = require('express');
const app = express();
app.get('/', (req, res) => res.send('hello from express'));
app.get('/boom', () => { throw new TypeError('the boom handler failed'); });
// More routes, when the app has them.
if (fs.existsSync(path.join(__dirname, 'lib', 'routes.js'))) require('./lib/routes')(app);
// Logged whatever NODE_ENV is (Express's default handler is silent under NODE_ENV=test).
app.use((err, req, res, next) => { console.error(err); res.status(500).send('internal error'); });
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT));
`;

/** The commands the plugin is configured with to start, stop and check the app. */
export const APP_COMMANDS = {
  start: ['sh', '-c', 'NODE_ENV=production node server.js >> app.log 2>&1 < /dev/null & echo $! > app.pid'],
  stop: ['sh', '-c', 'p=$(cat app.pid 2>/dev/null) || exit 0; kill "$p" 2>/dev/null; i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; rm -f app.pid'],
};

export interface ExpressAppOptions {
  /** Variables the server refuses to start without. */
  requireEnv?: string[];
  /** `.env` lines besides PORT. */
  env?: Record<string, string>;
  /** Names written to `.env.example` (PORT is always there). */
  example?: string[];
  /** Fields merged into package.json. */
  packageJson?: Record<string, unknown>;
  /** More files, by path relative to the root (`lib/routes.js` exports `(app) => void`). */
  files?: Record<string, string>;
}

export interface ExpressApp {
  root: string;
  port: number;
  url: string;
  /** The plugin configuration for this app (commands, pid file, log). */
  config: NodejsConfigInput;
  /** Run the configured start command and wait until the app answers, or its process exits. */
  start(): Promise<'answering' | 'exited'>;
  stop(): Promise<void>;
  pid(): Promise<number | null>;
  log(): Promise<string>;
  cleanup(): Promise<void>;
}

export async function createExpressApp(cache: ExpressCache, options: ExpressAppOptions = {}): Promise<ExpressApp> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'healer-express-app-')));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const pkg = { name: 'healer-express-app', version: '1.2.3', private: true, main: 'server.js', scripts: { start: 'node server.js' }, dependencies: cache.dependencies, ...options.packageJson };
  await writeFile(join(root, 'package.json'), JSON.stringify(pkg, null, 2));
  const lock = JSON.parse(await readFile(join(cache.dir, 'package-lock.json'), 'utf8')) as { name: string; packages: Record<string, { name?: string }> };
  lock.name = pkg.name;
  if (lock.packages['']) lock.packages[''].name = pkg.name;
  await writeFile(join(root, 'package-lock.json'), JSON.stringify(lock, null, 2));
  await cp(join(cache.dir, 'node_modules'), join(root, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  await writeFile(join(root, 'server.js'), SERVER_JS);
  for (const [name, text] of Object.entries(options.files ?? {})) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), text);
  }
  await writeFile(join(root, 'required-env.json'), JSON.stringify(options.requireEnv ?? []));
  const env = { PORT: String(port), ...options.env };
  await writeFile(join(root, '.env'), Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''));
  await writeFile(join(root, '.env.example'), ['PORT', ...(options.example ?? [])].map((k) => `${k}=\n`).join(''));

  const pid = async (): Promise<number | null> => {
    const text = await readFile(join(root, 'app.pid'), 'utf8').catch(() => '');
    const n = Number.parseInt(text, 10);
    return Number.isInteger(n) && n > 0 ? n : null;
  };
  const alive = (p: number): boolean => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  const app: ExpressApp = {
    root,
    port,
    url,
    config: { commands: APP_COMMANDS, pidFile: 'app.pid', logFiles: ['app.log'] },
    async start() {
      await run(APP_COMMANDS.start[0]!, APP_COMMANDS.start.slice(1), { cwd: root });
      const p = await pid();
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        if (await answers(url)) return 'answering';
        if (p !== null && !alive(p)) return 'exited';
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the app in ${root} neither answered nor exited`);
    },
    async stop() {
      await run(APP_COMMANDS.stop[0]!, APP_COMMANDS.stop.slice(1), { cwd: root });
    },
    pid,
    log: () => readFile(join(root, 'app.log'), 'utf8').catch(() => ''),
    async cleanup() {
      await app.stop().catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
  return app;
}


async function answers(url: string): Promise<boolean> {
  return (await statusOf(url)) === 200;
}

export interface DiagnoseOptions {
  config?: NodejsConfigInput;
  settings?: Record<string, unknown>;
  since?: Date;
  /** Run only these checks. */
  only?: string[];
}

/** The healer the tests use: this plugin only, the app's URL and port as settings. */
export function healerFor(app: ExpressApp, options: DiagnoseOptions = {}, extra: { backupRoot?: string } = {}): ReturnType<typeof createHealer> {
  const plugin = options.only ? withOnlyChecks(nodejsPlugin, options.only) : nodejsPlugin;
  return createHealer({
    plugins: [{ plugin, config: { ...app.config, ...options.config } }],
    sharedChecks: false,
    checkTimeoutMs: 90_000,
    apps: { [app.root]: { url: app.url, port: app.port, ...options.settings } },
    ...(extra.backupRoot ? { backupRoot: extra.backupRoot } : {}),
  });
}

export async function diagnose(app: ExpressApp, options: DiagnoseOptions = {}): Promise<Diagnosis> {
  const healer = healerFor(app, options);
  try {
    return await healer.diagnose(app.root, options.since ? { since: options.since } : {});
  } finally {
    await healer.close();
  }
}

/** One check's result on the app (the check must run, not error). */
export async function checkApp(app: ExpressApp, id: string, options: DiagnoseOptions = {}): Promise<CheckResultEntry> {
  const d = await diagnose(app, { only: [id], ...options });
  const r = d.results.find((x) => x.id === id);
  expect(r, `check ${id} ran`).toBeDefined();
  expect(r!.status, `${id}: ${r!.message}`).not.toBe('error');
  return r!;
}

export { freePort, statusOf };
