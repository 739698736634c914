/**
 * Deterministic plans: every shipped PHP action, planned twice for one state
 * of the real fixture app behind nginx + PHP-FPM (vendor/ missing, the pool
 * edited since FPM started, a world-writable folder), gives the same plan
 * hash; each planning has its own nonce.
 */
import { appendFile, chmod, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createHealer, MemoryStateStore } from '@healer/core';
import { planDifferences, planTwice, startWebServer, type RunningWebServer } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phpPlugin } from '../src/plugin.js';
import { createPhpApp, type PhpApp } from './helpers/php-app.js';

let app: PhpApp;
let server: RunningWebServer;

beforeAll(async () => {
  app = await createPhpApp({ vendor: true });
  server = await startWebServer({ kind: 'nginx', sites: [{ serverName: 'php-app.invalid', docroot: app.root }] });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await app?.cleanup();
});

describe('plans of the shipped PHP actions', () => {
  it('every action planned twice for one app state: same hash, its own nonce each time', async () => {
    await rm(join(app.root, 'vendor'), { recursive: true });
    await mkdir(join(app.root, 'cache'));
    await chmod(join(app.root, 'cache'), 0o777);
    await new Promise((r) => setTimeout(r, 1_500));
    await appendFile(join(server.roots.phpFpmRoot!, 'pool.d/www.conf'), '; edited after the start\n');

    const settings = { webServerRoots: server.roots };
    const healer = createHealer({ plugins: [{ plugin: phpPlugin, config: app.config }], state: new MemoryStateStore(), apps: { [app.root]: settings } });
    const detected = await healer.detect(app.root).finally(() => healer.close());
    expect(detected.app, 'detected').not.toBeNull();
    const [first, second] = await planTwice(phpPlugin, detected.app!, { config: app.config, settings });

    expect(first.cannotHeal, JSON.stringify(first.cannotHeal)).toEqual([]);
    const planned = [...first.autoHeal, ...first.requireApproval];
    expect(planned.map((a) => a.actionId).sort()).toEqual(phpPlugin.actions.map((a) => a.id).sort());
    expect(planDifferences(first, second)).toEqual([]);
    expect(second.planHash).toBe(first.planHash);
  }, 120_000);
});
