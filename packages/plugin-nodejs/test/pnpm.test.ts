/**
 * An Express app installed with pnpm: the lockfile comparison uses pnpm's
 * own record, and the reinstall uses `pnpm install --frozen-lockfile`.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { checkApp, createExpressApp, healerFor, installExpress, statusOf, type ExpressApp, type ExpressCache } from './helpers/express-app.js';

const run = promisify(execFile);
let cache: ExpressCache;
let app: ExpressApp;
let backupRoot: string;

beforeAll(async () => {
  cache = await installExpress();
  app = await createExpressApp(cache, { env: { NODE_ENV: 'production' } });
  // The same app, installed by pnpm instead of npm: the versions pinned by the
  // fixture's package-lock.json, converted by `pnpm import`.
  await rm(join(app.root, 'node_modules'), { recursive: true });
  await run('pnpm', ['import'], { cwd: app.root, timeout: 240_000 });
  await rm(join(app.root, 'package-lock.json'));
  await run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline', '--config.confirmModulesPurge=false'], { cwd: app.root, timeout: 240_000 });
  backupRoot = await realpath(await mkdtemp(join(tmpdir(), 'healer-node-backups-')));
}, 300_000);

afterAll(async () => {
  await app?.cleanup();
  await cache?.cleanup();
  if (backupRoot) await rm(backupRoot, { recursive: true, force: true });
});

describe('a pnpm app', () => {
  it('is detected as pnpm and passes when node_modules matches pnpm-lock.yaml', async () => {
    const r = await checkApp(app, 'nodejs/dependencies-installed');
    expect(r.status, r.message).toBe('pass');
    expect(r.message).toContain('pnpm-lock.yaml');
  });

  it('fails when pnpm-lock.yaml changed after the install, and is healed by pnpm install --frozen-lockfile', async () => {
    const pkgPath = join(app.root, 'package.json');
    const pkg = JSON.parse(await readFile(pkgPath, 'utf8')) as { dependencies: Record<string, string> };
    pkg.dependencies.ms = '2.1.3';
    await writeFile(pkgPath, JSON.stringify(pkg, null, 2));
    // A deploy that brought a new lockfile but did not install it.
    await run('pnpm', ['install', '--lockfile-only', '--prefer-offline'], { cwd: app.root, timeout: 240_000 });
    const r = await checkApp(app, 'nodejs/dependencies-installed');
    expect(r.status).toBe('fail');
    expect(r.details?.missing).toEqual(['ms']);

    const healer = healerFor(app, { only: ['nodejs/dependencies-installed', 'nodejs/app-answers'] }, { backupRoot });
    try {
      const plan = await healer.plan(app.root, { mode: 'auto' });
      const reinstall = plan.autoHeal.find((a) => a.actionId === 'nodejs/reinstall-dependencies');
      expect(reinstall?.steps.some((s) => s.display.endsWith('pnpm install --frozen-lockfile')), JSON.stringify(reinstall?.steps)).toBe(true);
      const { execution } = await healer.heal(app.root, { mode: 'auto' });
      expect(execution.state, execution.message).toBe('FIXED');
      expect((await checkApp(app, 'nodejs/dependencies-installed')).status).toBe('pass');
      expect(await statusOf(app.url)).toBe(200);
    } finally {
      await healer.close();
    }
  }, 300_000);
});
