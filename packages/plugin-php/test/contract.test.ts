/**
 * Plugin contract 1.1: every shipped PHP action keeps the action contract
 * (`checkActionContract`) on the real fixture app in the state it fixes:
 * planned twice, the same hash; applied, verified and rolled back,
 * byte-identical (a restart: a rollback refused that changes nothing);
 * a change by a person before the apply or before the rollback refused.
 */
import { chmod, mkdir, readFile, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryStateStore } from '@healer/core';
import { checkActionContract, hashFolder, startWebServer, type ActionScenario, type ContractApp, type RunningWebServer } from '@healer/test-utils';
import { describe, expect, it } from 'vitest';
import { phpPlugin } from '../src/plugin.js';
import { createPhpApp, run, type PhpApp } from './helpers/php-app.js';

const EMPTY = { planTwice: [], roundTrip: [], driftBeforeApply: [], driftBeforeRollback: [] };
const NAME = 'php-app.invalid';

function contractApp(app: PhpApp, drift: () => Promise<void>, server?: RunningWebServer): ContractApp {
  return {
    target: app.root,
    options: { state: new MemoryStateStore(), sharedChecks: false, checkTimeoutMs: 60_000, ...(server ? { apps: { [app.root]: { webServerRoots: server.roots } } } : {}) },
    config: app.config,
    drift,
    snapshot: () => hashFolder(app.root),
    async cleanup() {
      await server?.stop();
      await app.cleanup();
    },
  };
}

/** A person deploys a new description (composer.json is in the action's backup). */
async function editComposerJson(app: PhpApp): Promise<void> {
  const path = join(app.root, 'composer.json');
  await writeFile(path, (await readFile(path, 'utf8')).replace('"A generic PHP app', '"An edited generic PHP app'));
}

/** The pid of the FPM master of a test server. */
async function fpmPid(server: RunningWebServer): Promise<number> {
  return Number((await readFile(join(server.dir, 'run/php-fpm.pid'), 'utf8')).trim());
}

const scenarios: ActionScenario[] = [
  {
    actionId: 'php/composer-install',
    plugin: phpPlugin,
    async setup() {
      const app = await createPhpApp({ vendor: false });
      // A person installs by hand; once installed, deploys an edited composer.json.
      return contractApp(app, async () => ((await hashFolder(join(app.root, 'vendor')).then(() => true, () => false)) ? editComposerJson(app) : app.composerInstall()));
    },
  },
  {
    actionId: 'php/restart-fpm',
    plugin: phpPlugin,
    noRollback: 'a restart changes no file and runs the same configuration files again',
    async setup() {
      const app = await createPhpApp({ vendor: true });
      const server = await startWebServer({ kind: 'nginx', sites: [{ serverName: NAME, docroot: app.root }], poolSettings: { 'pm.status_path': '/fpm-status' } });
      // The pool is edited after FPM started its workers.
      await new Promise((r) => setTimeout(r, 1_500));
      await appendFile(join(server.roots.phpFpmRoot!, 'pool.d/www.conf'), '; edited after the start\n');
      return contractApp(
        app,
        async () => {
          // A person reloads FPM by hand, and waits for its new workers.
          await run('kill', ['-USR2', String(await fpmPid(server))]);
          await new Promise((r) => setTimeout(r, 2_500));
        },
        server,
      );
    },
  },
  {
    actionId: 'php/fix-permissions',
    plugin: phpPlugin,
    async setup() {
      const app = await createPhpApp({ vendor: true });
      // Uploads PHP (www-data) writes only because everyone may; a .env everyone may read.
      await mkdir(join(app.root, 'uploads'));
      await chmod(join(app.root, 'uploads'), 0o777);
      await writeFile(join(app.root, '.env'), 'APP_SECRET=not-for-others\n');
      await chmod(join(app.root, '.env'), 0o644);
      const server = await startWebServer({ kind: 'apache', sites: [{ serverName: NAME, docroot: app.root }] });
      // A person makes .env private to its owner by hand.
      return contractApp(app, () => chmod(join(app.root, '.env'), 0o600), server);
    },
  },
];

describe('the PHP actions keep the action contract', () => {
  it('lists every shipped action', () => {
    expect(scenarios.map((s) => s.actionId).sort()).toEqual(phpPlugin.actions.map((a) => a.id).sort());
  });

  for (const scenario of scenarios) {
    it(scenario.actionId, async () => {
      expect(await checkActionContract(scenario)).toEqual(EMPTY);
    }, 600_000);
  }
});
