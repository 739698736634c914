/**
 * Issue 10, deterministic plans: every shipped Next.js action, planned twice
 * for the same state of a real Next.js app (the pinned fixture, installed),
 * gives the same plan hash; each planning has its own nonce.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { planDifferences, planTwice } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextjsPlugin } from '../src/plugin.js';
import { REBUILD } from '../src/checks/ids.js';
import { createNextApp, healerFor, installNext, statusOf, type NextApp, type NextCache } from './helpers/next-app.js';

let cache: NextCache;
let app: NextApp;
let stale: ChildProcess | undefined;

beforeAll(async () => {
  cache = await installNext();
  app = await createNextApp(cache);
}, 300_000);

afterAll(async () => {
  stale?.kill('SIGKILL');
  await app?.cleanup();
  await cache?.cleanup();
}, 60_000);

describe('plans of the shipped Next.js actions', () => {
  it('every action planned twice for one app state: same hash, its own nonce each time', async () => {
    // A state every action applies to: a build and its cache, and a stale copy of the app holding its port.
    await mkdir(join(app.root, '.next/cache/images'), { recursive: true });
    await writeFile(join(app.root, '.next/BUILD_ID'), 'a-previous-build\n');
    await writeFile(join(app.root, 'app.pid'), '999999');
    const server = `require('http').createServer((q, s) => s.end('stale')).listen(${app.port}, '127.0.0.1')`;
    stale = spawn(process.execPath, ['-e', server], { cwd: app.root, stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    while ((await statusOf(app.url)) !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    const healer = healerFor(app);
    const detected = await healer.detect(app.root).finally(() => healer.close());
    expect(detected.app, 'detected').not.toBeNull();
    const [first, second] = await planTwice(nextjsPlugin, detected.app!, { config: app.config, settings: { url: app.url, port: app.port } });

    expect(first.cannotHeal, JSON.stringify(first.cannotHeal)).toEqual([]);
    const planned = [...first.autoHeal, ...first.requireApproval];
    expect(planned.map((a) => a.actionId).sort()).toEqual(nextjsPlugin.actions.map((a) => a.id).sort());
    expect(planDifferences(first, second)).toEqual([]);
    expect(second.planHash).toBe(first.planHash);
    // The rebuild's build folder is named from the nonce: the hash does not depend on it.
    const rebuild = planned.find((a) => a.actionId === REBUILD)!;
    expect(rebuild.steps.map((s) => s.display).join('\n')).toContain(`nextjs-builds/${basename(app.root)}-${rebuild.nonce}`);
  }, 120_000);
});
