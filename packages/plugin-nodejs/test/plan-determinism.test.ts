/**
 * Issue 10, deterministic plans: every shipped Node.js action, planned twice
 * for the same state of a real Express app (the pinned fixture, installed),
 * gives the same plan hash; each planning has its own nonce.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { planDifferences, planTwice } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodejsPlugin } from '../src/plugin.js';
import { createExpressApp, healerFor, installExpress, statusOf, type ExpressApp, type ExpressCache } from './helpers/express-app.js';

let cache: ExpressCache;
let app: ExpressApp;
let stale: ChildProcess | undefined;

beforeAll(async () => {
  cache = await installExpress();
  app = await createExpressApp(cache);
}, 300_000);

afterAll(async () => {
  stale?.kill('SIGKILL');
  await app?.cleanup();
  await cache?.cleanup();
}, 60_000);

describe('plans of the shipped Node.js actions', () => {
  it('every action planned twice for one app state: same hash, its own nonce each time', async () => {
    // A state every action applies to: installed, and a stale copy of the app (not its managed pid) holding its port.
    stale = spawn(process.execPath, ['server.js'], { cwd: app.root, stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    while ((await statusOf(app.url)) !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await writeFile(join(app.root, 'app.pid'), '999999');

    const healer = healerFor(app);
    const detected = await healer.detect(app.root).finally(() => healer.close());
    expect(detected.app, 'detected').not.toBeNull();
    const [first, second] = await planTwice(nodejsPlugin, detected.app!, { config: app.config, settings: { url: app.url, port: app.port } });

    expect(first.cannotHeal, JSON.stringify(first.cannotHeal)).toEqual([]);
    const planned = [...first.autoHeal, ...first.requireApproval];
    expect(planned.map((a) => a.actionId).sort()).toEqual(nodejsPlugin.actions.map((a) => a.id).sort());
    expect(planDifferences(first, second)).toEqual([]);
    expect(second.planHash).toBe(first.planHash);
  }, 120_000);
});
