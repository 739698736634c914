/**
 * Plugin contract 1.1: every shipped Node.js action keeps the action
 * contract (`checkActionContract`) on a real Express app in the state it
 * fixes: planned twice, the same hash; applied, verified and rolled back,
 * byte-identical; drift before the apply or the rollback refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryStateStore } from '@healer/core';
import { checkActionContract, hashFolder, startNpmRegistry, type ActionScenario, type ContractApp, type RunningNpmRegistry } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodejsPlugin } from '../src/plugin.js';
import { createExpressApp, installExpress, statusOf, type ExpressApp, type ExpressCache } from './helpers/express-app.js';

let cache: ExpressCache;
let registry: RunningNpmRegistry;
const DEP = 'healer-audit-fixture';

beforeAll(async () => {
  cache = await installExpress();
  registry = await startNpmRegistry({
    packages: { [DEP]: ['1.0.0', '1.0.1'] },
    advisories: { [DEP]: [{ id: 1, title: 'Test advisory', severity: 'high', vulnerable_versions: '<1.0.1' }] },
  });
}, 300_000);

afterAll(async () => {
  await cache?.cleanup();
  await registry?.stop();
});

const EMPTY = { planTwice: [], roundTrip: [], driftBeforeApply: [], driftBeforeRollback: [] };

/** A person edits package.json (a deploy bumping the version): what the backup holds. */
async function bumpVersion(app: ExpressApp): Promise<void> {
  const path = join(app.root, 'package.json');
  const pkg = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  await writeFile(path, JSON.stringify({ ...pkg, version: '1.2.4' }, null, 2));
}

async function waitFor(fn: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

/** The contract app around an Express app: the process's own log and pid file are not part of the compared state. */
function contractApp(app: ExpressApp, drift: () => Promise<void>, extra: { config?: Record<string, unknown>; cleanup?: () => Promise<void> } = {}): ContractApp {
  return {
    target: app.root,
    options: { state: new MemoryStateStore(), sharedChecks: false, checkTimeoutMs: 90_000, apps: { [app.root]: { url: app.url, port: app.port } } },
    // A registry that knows no advisory for express: the audit check passes without network.
    config: { ...app.config, npmRegistry: registry.url, ...extra.config },
    drift,
    snapshot: () => hashFolder(app.root, { ignore: ['app.log', 'app.pid'] }),
    async cleanup() {
      await extra.cleanup?.();
      await app.cleanup();
    },
  };
}

const scenarios: ActionScenario[] = [
  {
    actionId: 'nodejs/restart',
    plugin: nodejsPlugin,
    // A restart changes no file: there is nothing to put back.
    noRollback: 'a restart changes no file and starts the same code again',
    async setup() {
      // Stopped: nodejs/app-answers fails.
      const app = await createExpressApp(cache);
      // A person starts the app by hand.
      return contractApp(app, async () => void (await app.start()));
    },
  },
  {
    actionId: 'nodejs/reinstall-dependencies',
    plugin: nodejsPlugin,
    async setup() {
      const app = await createExpressApp(cache);
      await rm(join(app.root, 'node_modules'), { recursive: true });
      return contractApp(app, async () => {
        // A person installs the dependencies by hand; once installed, deploys a new version.
        if (await statusOf(app.url).then(() => readFile(join(app.root, 'node_modules/express/package.json')).then(() => true, () => false))) await bumpVersion(app);
        else await cp(join(cache.dir, 'node_modules'), join(app.root, 'node_modules'), { recursive: true, verbatimSymlinks: true });
      });
    },
  },
  {
    actionId: 'nodejs/free-port',
    plugin: nodejsPlugin,
    async setup() {
      const app = await createExpressApp(cache);
      let stale: ChildProcess | null = spawn(process.execPath, ['server.js'], { cwd: app.root, stdio: 'ignore', detached: true });
      await waitFor(async () => (await statusOf(app.url)) === 200);
      // The app's own copy died; the stale one kept the port.
      await writeFile(join(app.root, 'app.pid'), '999999');
      const stop = async (): Promise<void> => {
        const s = stale;
        stale = null;
        if (!s || s.exitCode !== null || s.signalCode !== null) return;
        s.kill('SIGKILL');
        await new Promise((r) => s.once('exit', r));
      };
      // A person stops the stale copy by hand; once it is gone, deploys a new version.
      return contractApp(app, async () => ((stale && stale.exitCode === null && stale.signalCode === null) ? stop() : bumpVersion(app)), { cleanup: stop });
    },
  },
  {
    actionId: 'nodejs/audit-fix',
    plugin: nodejsPlugin,
    async setup() {
      // Express plus a dependency the loopback registry has a high advisory for, fixed in 1.0.1.
      const app = await createExpressApp(cache, { packageJson: { dependencies: { ...cache.dependencies, [DEP]: '^1.0.0' } } });
      const lockPath = join(app.root, 'package-lock.json');
      const lock = JSON.parse(await readFile(lockPath, 'utf8')) as { packages: Record<string, Record<string, unknown>> };
      lock.packages['']!['dependencies'] = { ...(lock.packages['']!['dependencies'] as object), [DEP]: '^1.0.0' };
      lock.packages[`node_modules/${DEP}`] = { ...registry.locked(DEP, '1.0.0'), license: 'MIT' };
      await writeFile(lockPath, JSON.stringify(lock, null, 2));
      await mkdir(join(app.root, 'node_modules', DEP));
      for (const [name, text] of Object.entries(registry.files(DEP, '1.0.0'))) await writeFile(join(app.root, 'node_modules', DEP, name), text);
      // npm's record of what is installed names it too, as an install would have left it.
      const hiddenPath = join(app.root, 'node_modules/.package-lock.json');
      const hidden = JSON.parse(await readFile(hiddenPath, 'utf8')) as { packages: Record<string, unknown> };
      hidden.packages[`node_modules/${DEP}`] = lock.packages[`node_modules/${DEP}`];
      await writeFile(hiddenPath, JSON.stringify(hidden, null, 2));
      expect(await app.start()).toBe('answering');
      // A person upgrades the package by hand.
      return contractApp(app, async () => {
        const { execFile } = await import('node:child_process');
        await new Promise<void>((resolve, reject) => execFile('npm', ['install', `${DEP}@1.0.1`, '--registry', registry.url, '--no-audit', '--no-fund'], { cwd: app.root }, (e) => (e ? reject(e) : resolve())));
      });
    },
  },
];

describe('the Node.js actions keep the action contract', () => {
  it('lists every shipped action', () => {
    expect(scenarios.map((s) => s.actionId).sort()).toEqual(nodejsPlugin.actions.map((a) => a.id).sort());
  });

  for (const scenario of scenarios) {
    it(scenario.actionId, async () => {
      expect(await checkActionContract(scenario)).toEqual(EMPTY);
    }, 600_000);
  }
});
