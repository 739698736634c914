/**
 * Plugin contract 1.1: every shipped Next.js action keeps the action
 * contract (`checkActionContract`) on a real Next.js app in the state it
 * fixes. One `next build` for the file, copied into each fresh app.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MemoryStateStore } from '@healer/core';
import { checkActionContract, hashFolder, startNpmRegistry, type ActionScenario, type ContractApp, type RunningNpmRegistry } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextjsPlugin } from '../src/plugin.js';
import { createNextApp, installNext, statusOf, type NextApp, type NextCache } from './helpers/next-app.js';

const run = promisify(execFile);
let cache: NextCache;
let built: NextApp;
let registry: RunningNpmRegistry;
const DEP = 'healer-audit-fixture';

beforeAll(async () => {
  cache = await installNext();
  built = await createNextApp(cache);
  await run(process.execPath, ['node_modules/next/dist/bin/next', 'build'], { cwd: built.root, env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' }, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  registry = await startNpmRegistry({
    packages: { [DEP]: ['1.0.0', '1.0.1'] },
    advisories: { [DEP]: [{ id: 1, title: 'Test advisory', severity: 'high', vulnerable_versions: '<1.0.1' }] },
  });
}, 900_000);

afterAll(async () => {
  await built?.cleanup();
  await cache?.cleanup();
  await registry?.stop();
}, 60_000);

const EMPTY = { planTwice: [], roundTrip: [], driftBeforeApply: [], driftBeforeRollback: [] };

/** A fresh app with the file's build (copied now: newer than its sources). */
async function builtApp(): Promise<NextApp> {
  const app = await createNextApp(cache);
  await cp(join(built.root, '.next'), join(app.root, '.next'), { recursive: true, verbatimSymlinks: true });
  return app;
}

async function bumpVersion(app: NextApp): Promise<void> {
  const path = join(app.root, 'package.json');
  await writeFile(path, JSON.stringify({ ...(JSON.parse(await readFile(path, 'utf8')) as object), version: '0.1.1' }, null, 2));
}

function contractApp(app: NextApp, drift: () => Promise<void>, extra: { config?: Record<string, unknown>; cleanup?: () => Promise<void> } = {}): ContractApp {
  return {
    target: app.root,
    options: { state: new MemoryStateStore(), sharedChecks: false, checkTimeoutMs: 90_000, apps: { [app.root]: { url: app.url, port: app.port } } },
    config: { ...app.config, npmRegistry: registry.url, ...extra.config },
    drift,
    snapshot: () => hashFolder(app.root, { ignore: ['app.log', 'app.pid'] }),
    async cleanup() {
      await extra.cleanup?.();
      await app.cleanup();
    },
  };
}

const exists = (path: string): Promise<boolean> => readFile(path).then(() => true, (e: NodeJS.ErrnoException) => e.code === 'EISDIR');

const scenarios: ActionScenario[] = [
  {
    actionId: 'nextjs/rebuild',
    plugin: nextjsPlugin,
    async setup() {
      const app = await createNextApp(cache);
      // A person copies a build in by hand (before the apply: there was none; before the rollback: over the rebuilt one).
      return contractApp(app, async () => {
        await rm(join(app.root, '.next'), { recursive: true, force: true });
        await cp(join(built.root, '.next'), join(app.root, '.next'), { recursive: true, verbatimSymlinks: true });
      });
    },
  },
  {
    actionId: 'nextjs/restart',
    plugin: nextjsPlugin,
    noRollback: 'a restart changes no file and starts the same build again',
    async setup() {
      const app = await builtApp();
      return contractApp(app, () => app.start());
    },
  },
  {
    actionId: 'nextjs/clear-cache',
    plugin: nextjsPlugin,
    async setup() {
      const app = await builtApp();
      await mkdir(join(app.root, '.next/cache/images'), { recursive: true });
      await writeFile(join(app.root, '.next/cache/images/filler.bin'), Buffer.alloc(256 * 1024, 1));
      // A person clears the cache by hand; once cleared, Next writes a new one.
      return contractApp(
        app,
        async () => {
          const dir = join(app.root, '.next/cache');
          if (await exists(dir)) await rm(dir, { recursive: true });
          else {
            await mkdir(join(dir, 'images'), { recursive: true });
            await writeFile(join(dir, 'images/new.bin'), 'a new image\n');
          }
        },
        { config: { cacheMaxBytes: 64 * 1024 } },
      );
    },
  },
  {
    actionId: 'nextjs/reinstall-dependencies',
    plugin: nextjsPlugin,
    async setup() {
      const app = await builtApp();
      await rm(join(app.root, 'node_modules'), { recursive: true });
      return contractApp(app, async () => {
        if (await exists(join(app.root, 'node_modules'))) await bumpVersion(app);
        else await run('cp', ['-al', join(cache.dir, 'node_modules'), join(app.root, 'node_modules')]);
      });
    },
  },
  {
    actionId: 'nextjs/free-port',
    plugin: nextjsPlugin,
    async setup() {
      const app = await builtApp();
      let stale: ChildProcess | null = spawn(process.execPath, ['node_modules/next/dist/bin/next', 'start', '-p', String(app.port), '-H', '127.0.0.1'], { cwd: app.root, stdio: 'ignore', detached: true });
      const deadline = Date.now() + 60_000;
      while ((await statusOf(app.url)) !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      await writeFile(join(app.root, 'app.pid'), '999999');
      const stop = async (): Promise<void> => {
        const s = stale;
        stale = null;
        if (!s || s.exitCode !== null || s.signalCode !== null) return;
        process.kill(-s.pid!, 'SIGKILL');
        await new Promise((r) => s.once('exit', r));
      };
      return contractApp(app, async () => (stale && stale.exitCode === null && stale.signalCode === null ? stop() : bumpVersion(app)), { cleanup: stop });
    },
  },
  {
    actionId: 'nextjs/audit-fix',
    plugin: nextjsPlugin,
    async setup() {
      const app = await builtApp();
      const pkgPath = join(app.root, 'package.json');
      const pkg = JSON.parse(await readFile(pkgPath, 'utf8')) as { dependencies: Record<string, string> };
      pkg.dependencies[DEP] = '^1.0.0';
      await writeFile(pkgPath, JSON.stringify(pkg, null, 2));
      const lockPath = join(app.root, 'package-lock.json');
      const lock = JSON.parse(await readFile(lockPath, 'utf8')) as { packages: Record<string, Record<string, unknown>> };
      lock.packages['']!['dependencies'] = { ...(lock.packages['']!['dependencies'] as object), [DEP]: '^1.0.0' };
      lock.packages[`node_modules/${DEP}`] = { ...registry.locked(DEP, '1.0.0'), license: 'MIT' };
      await writeFile(lockPath, JSON.stringify(lock, null, 2));
      // node_modules is hard-linked from the shared install: its record of what is installed is replaced, not edited.
      const hiddenPath = join(app.root, 'node_modules/.package-lock.json');
      const hidden = JSON.parse(await readFile(hiddenPath, 'utf8')) as { packages: Record<string, unknown> };
      hidden.packages[`node_modules/${DEP}`] = lock.packages[`node_modules/${DEP}`];
      await rm(hiddenPath);
      await writeFile(hiddenPath, JSON.stringify(hidden, null, 2));
      await mkdir(join(app.root, 'node_modules', DEP));
      for (const [name, text] of Object.entries(registry.files(DEP, '1.0.0'))) await writeFile(join(app.root, 'node_modules', DEP, name), text);
      // The build is newer than the lockfile written above.
      await cp(join(built.root, '.next'), join(app.root, '.next.fresh'), { recursive: true, verbatimSymlinks: true });
      await rm(join(app.root, '.next'), { recursive: true });
      await run('mv', ['-T', join(app.root, '.next.fresh'), join(app.root, '.next')]);
      // A running app with a vulnerable dependency: the fix is verified on a new build, served after a restart.
      await app.start();
      return contractApp(app, () => run('npm', ['install', `${DEP}@1.0.1`, '--registry', registry.url, '--no-audit', '--no-fund'], { cwd: app.root }).then(() => undefined));
    },
  },
];

/**
 * Actions not yet under contract, each with what fails: open work, listed so that it is seen (and
 * so that an action added later without a scenario still fails the list test below).
 */
const OUTSTANDING: Record<string, string> = {};

describe('the Next.js actions keep the action contract', () => {
  it('lists every shipped action', () => {
    expect(scenarios.map((s) => s.actionId).sort()).toEqual(nextjsPlugin.actions.map((a) => a.id).sort());
    expect(Object.keys(OUTSTANDING).every((id) => scenarios.some((s) => s.actionId === id))).toBe(true);
  });

  for (const scenario of scenarios.filter((s) => !(s.actionId in OUTSTANDING))) {
    it(scenario.actionId, async () => {
      expect(await checkActionContract(scenario)).toEqual(EMPTY);
    }, 1_200_000);
  }
});
