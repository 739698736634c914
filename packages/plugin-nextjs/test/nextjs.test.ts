/**
 * The Next.js plugin on real Next.js apps: one pinned `npm ci` for the file,
 * one good build (made by the heal itself) reused by every later case.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { CheckResultEntry } from '@healer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AVAILABILITY, BUILD_EXISTS, BUILD_STALE, CACHE_SIZE, NODE_VERSION, STANDALONE_START } from '../src/checks/ids.js';
import type { NextjsConfigInput } from '../src/config.js';
import { BROKEN_PAGE, bodyOf, createNextApp, healerFor, installNext, PAGE, statusOf, type NextApp, type NextCache } from './helpers/next-app.js';

let cache: NextCache;
let app: NextApp;
const extra: string[] = [];

beforeAll(async () => {
  cache = await installNext();
  app = await createNextApp(cache);
}, 300_000);

afterAll(async () => {
  await app?.cleanup();
  await cache?.cleanup();
  for (const dir of extra) await rm(dir, { recursive: true, force: true });
}, 60_000);

async function check(id: string, options: { config?: NextjsConfigInput; target?: Pick<NextApp, 'root' | 'url' | 'port' | 'config'> } = {}): Promise<CheckResultEntry> {
  const healer = healerFor(options.target ?? app, { only: [id], ...(options.config ? { config: options.config } : {}) });
  try {
    const d = await healer.diagnose((options.target ?? app).root);
    const r = d.results.find((x) => x.id === id);
    expect(r, `check ${id} ran`).toBeDefined();
    expect(r!.status, `${id}: ${r!.message}`).not.toBe('error');
    return r!;
  } finally {
    await healer.close();
  }
}

async function detect(root: string, target = app): Promise<Record<string, unknown>> {
  const healer = healerFor({ ...target, root });
  try {
    const report = await healer.detect(root);
    expect(report.app, 'detected').not.toBeNull();
    return report.app!.metadata;
  } finally {
    await healer.close();
  }
}

/** A folder with only package.json and the given files (no install). */
async function bareApp(files: Record<string, string>): Promise<string> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'healer-next-bare-')));
  extra.push(root);
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'bare', private: true, dependencies: { next: '^15.0.0', react: '^19.0.0' } }));
  for (const [name, text] of Object.entries(files)) await writeFile(join(root, name), text);
  return root;
}

describe('detection', () => {
  it('reads the installed version, output mode, package manager and the missing build', async () => {
    // The engine hands out metadata untyped: read it as data.
    const meta = await detect(app.root);
    expect(meta['nextVersion']).toBe(JSON.parse(await readFile(join(cache.dir, 'node_modules/next/package.json'), 'utf8')).version);
    // The fixture's pin, whatever the registry's latest is today.
    expect(meta['nextVersion']).toBe(cache.dependencies.next);
    expect(meta['nextEnginesNode']).toMatch(/\d/);
    expect(meta).toMatchObject({ nextInstalled: true, outputMode: 'default', configFile: 'next.config.js', packageManager: 'npm', lockfile: 'package-lock.json', buildId: null, runner: { kind: 'commands' } });
  });

  it('falls back to the declared range, sees standalone in an ESM config, and refuses a folder with neither config nor .next', async () => {
    const root = await bareApp({ 'next.config.mjs': "// output: 'export'\nconst nextConfig = {\n  output: 'standalone',\n};\nexport default nextConfig;\n" });
    const meta = await detect(root);
    expect(meta).toMatchObject({ nextVersion: '^15.0.0', nextInstalled: false, outputMode: 'standalone', packageManager: 'npm' });

    const plain = await bareApp({ 'yarn.lock': '' });
    const healer = healerFor({ ...app, root: plain });
    try {
      expect((await healer.detect(plain)).app).toBeNull();
    } finally {
      await healer.close();
    }
  });
});

describe('before any build', () => {
  it('nextjs/build-exists and nextjs/availability fail; nextjs/build-stale skips', async () => {
    const exists = await check(BUILD_EXISTS);
    expect(exists.status).toBe('fail');
    expect(exists.fixes).toContain('nextjs/rebuild');
    expect((await check(AVAILABILITY)).status).toBe('fail');
    expect((await check(BUILD_STALE)).status).toBe('skip');
  });
});

describe('must show 4: a Next.js app without a build is rebuilt, restarted and answers 200', () => {
  it('heals through nextjs/rebuild (copy, build, swap, restart)', async () => {
    expect(await statusOf(app.url)).toBeNull();
    const healer = healerFor(app, { only: [BUILD_EXISTS, BUILD_STALE, AVAILABILITY] });
    try {
      const { execution } = await healer.heal(app.root, { mode: 'auto' });
      const rebuild = execution.attempts.find((a) => a.actionId === 'nextjs/rebuild');
      expect(rebuild, JSON.stringify(execution.attempts)).toBeDefined();
      expect(rebuild!.verified, rebuild!.message).toBe(true);
      expect(execution.state).toBe('FIXED');
    } finally {
      await healer.close();
    }
    expect(await statusOf(app.url)).toBe(200);
    expect(await bodyOf(app.url)).toContain('hello from next');
    expect((await readFile(join(app.root, '.next/BUILD_ID'), 'utf8')).trim()).not.toBe('');
    // The build folder beside the app is gone, and there was no previous build to keep.
    const siblings = await readdir(dirname(app.root));
    expect(siblings.filter((s) => s.startsWith(`.${basename(app.root)}.healer-build-`))).toEqual([]);
    expect((await readdir(app.root)).filter((s) => s.startsWith('.next.healer-prev-') && !s.endsWith('.absent'))).toEqual([]);
  }, 600_000);

  it('the checks pass on the built, running app', async () => {
    expect((await check(BUILD_EXISTS)).status).toBe('pass');
    expect((await check(BUILD_STALE)).status).toBe('pass');
    expect((await check(AVAILABILITY)).status).toBe('pass');
    expect((await check(NODE_VERSION)).status).toBe('pass');
    const size = await check(CACHE_SIZE);
    expect(size.status).toBe('pass');
  }, 120_000);

  it('nextjs/node-version fails for a Node outside the range next supports', async () => {
    const bin = join(app.root, 'old-node.sh');
    await writeFile(bin, '#!/bin/sh\necho v16.20.2\n');
    await chmod(bin, 0o755);
    try {
      const r = await check(NODE_VERSION, { config: { nodeBinary: bin } });
      expect(r.status).toBe('fail');
      expect(r.message).toContain('v16.20.2');
    } finally {
      await rm(bin);
    }
  });

  it('nextjs/cache-size warns above the limit and nextjs/clear-cache clears it', async () => {
    const cacheDir = join(app.root, '.next/cache');
    // A cache with content: whatever the build left plus a filler file.
    await mkdir(cacheDir, { recursive: true });
    await writeFile(join(cacheDir, 'filler.bin'), Buffer.alloc(256 * 1024, 1));
    const warn = await check(CACHE_SIZE, { config: { cacheMaxBytes: 64 * 1024 } });
    expect(warn.status).toBe('warn');
    expect(warn.fixes).toContain('nextjs/clear-cache');

    const healer = healerFor(app, { only: [CACHE_SIZE], config: { cacheMaxBytes: 64 * 1024 } });
    try {
      const { execution } = await healer.heal(app.root, { mode: 'supervised' });
      expect(execution.state, JSON.stringify(execution.attempts)).toBe('FIXED');
      expect(execution.attempts.map((a) => a.actionId)).toEqual(['nextjs/clear-cache']);
    } finally {
      await healer.close();
    }
    await expect(stat(cacheDir)).rejects.toThrow();
    expect(await statusOf(app.url)).toBe(200);
  }, 120_000);

  it('a failing build leaves the previous build serving (rollback), and its message names the first broken page', async () => {
    const buildId = (await readFile(join(app.root, '.next/BUILD_ID'), 'utf8')).trim();
    // A second broken page: Next reports it after pages/index.js, so the end of the output names only it.
    await writeFile(join(app.root, 'pages/welcome.js'), BROKEN_PAGE.replace('Home', 'Welcome'));
    await writeFile(join(app.root, 'pages/index.js'), BROKEN_PAGE);
    const earlier = new Date(Date.now() - 60_000);
    await utimes(join(app.root, '.next/BUILD_ID'), earlier, earlier);
    const stale = await check(BUILD_STALE);
    expect(stale.status).toBe('fail');
    expect(stale.message).toMatch(/pages\/(index|welcome)\.js/);

    const healer = healerFor(app, { only: [BUILD_EXISTS, BUILD_STALE, AVAILABILITY] });
    try {
      const { execution } = await healer.heal(app.root, { mode: 'auto' });
      const rebuild = execution.attempts.find((a) => a.actionId === 'nextjs/rebuild');
      expect(rebuild, JSON.stringify(execution.attempts)).toBeDefined();
      expect(rebuild!.verified).toBe(false);
      expect(rebuild!.rolledBack).toBe(true);
      expect(rebuild!.message).toMatch(/apply failed: .*next build/);
      // The build failed on the broken pages, not on anything else: the first error and the end are both kept.
      expect(rebuild!.message).toContain('pages/index.js');
      expect(rebuild!.message).toContain('pages/welcome.js');
      expect(rebuild!.message).toMatch(/\[\.\.\. \d+ lines? left out \.\.\.\]/);
      expect(rebuild!.message).not.toContain('\u001b[');
      expect(execution.state).not.toBe('FIXED');
    } finally {
      await healer.close();
    }
    expect((await readFile(join(app.root, '.next/BUILD_ID'), 'utf8')).trim()).toBe(buildId);
    expect(await statusOf(app.url)).toBe(200);
    expect(await bodyOf(app.url)).toContain('hello from next');
    const siblings = await readdir(dirname(app.root));
    expect(siblings.filter((s) => s.startsWith(`.${basename(app.root)}.healer-build-`))).toEqual([]);
    await writeFile(join(app.root, 'pages/index.js'), PAGE);
    await rm(join(app.root, 'pages/welcome.js'));
  }, 600_000);
});

describe('restart and rollback on request', () => {
  it('nextjs/restart brings a stopped app back', async () => {
    await app.stop();
    expect(await statusOf(app.url)).toBeNull();
    const healer = healerFor(app, { only: [AVAILABILITY] });
    try {
      const { execution } = await healer.heal(app.root, { mode: 'supervised' });
      expect(execution.state, JSON.stringify(execution.attempts)).toBe('FIXED');
      expect(execution.attempts.map((a) => a.actionId)).toEqual(['nextjs/restart']);
    } finally {
      await healer.close();
    }
    expect(await statusOf(app.url)).toBe(200);
  }, 120_000);

  it('a verified rebuild rolled back on request puts the previous build back', async () => {
    const before = (await readFile(join(app.root, '.next/BUILD_ID'), 'utf8')).trim();
    await writeFile(join(app.root, 'pages/index.js'), PAGE.replace('hello from next', 'hello again'));
    // The build is made older than the edit (mtimes have one-second granularity on some filesystems).
    const earlier = new Date(Date.now() - 60_000);
    await utimes(join(app.root, '.next/BUILD_ID'), earlier, earlier);
    const healer = healerFor(app, { only: [BUILD_EXISTS, BUILD_STALE, AVAILABILITY] });
    try {
      const { execution } = await healer.heal(app.root, { mode: 'auto' });
      expect(execution.state, JSON.stringify(execution.attempts)).toBe('FIXED');
      const after = (await readFile(join(app.root, '.next/BUILD_ID'), 'utf8')).trim();
      expect(after).not.toBe(before);
      expect(await bodyOf(app.url)).toContain('hello again');

      const undo = await healer.rollback(execution.executionId);
      expect(undo.state).toBe('ROLLED_BACK');
    } finally {
      await healer.close();
    }
    expect((await readFile(join(app.root, '.next/BUILD_ID'), 'utf8')).trim()).toBe(before);
    expect(await statusOf(app.url)).toBe(200);
    expect(await bodyOf(app.url)).toContain('hello from next');
    await writeFile(join(app.root, 'pages/index.js'), PAGE);
  }, 600_000);
});

describe('nextjs/standalone-start', () => {
  const standaloneConfig = "module.exports = { output: 'standalone' };\n";

  it('fails when a standalone build is configured to start with next start', async () => {
    const root = await bareApp({ 'next.config.js': standaloneConfig });
    const r = await check(STANDALONE_START, { target: { ...app, root }, config: { commands: { start: ['npx', 'next', 'start', '-p', '3000'] } } });
    expect(r.status).toBe('fail');
    expect(r.message).toContain('.next/standalone/server.js');
  });

  it('passes when it starts with node .next/standalone/server.js', async () => {
    const root = await bareApp({ 'next.config.js': standaloneConfig });
    const r = await check(STANDALONE_START, { target: { ...app, root }, config: { commands: { start: ['node', '.next/standalone/server.js'] } } });
    expect(r.status).toBe('pass');
  });

  it('fails when the running app process is next start (the process list)', async () => {
    // The running test app is started with next start; read as standalone it is started the wrong way.
    await writeFile(join(app.root, 'next.config.js'), standaloneConfig);
    try {
      const r = await check(STANDALONE_START, { config: { commands: { start: ['sh', '-c', 'exec ./run.sh'] } } });
      expect(r.status, r.message).toBe('fail');
      expect(r.message).toMatch(/pid \d+/);
    } finally {
      await writeFile(join(app.root, 'next.config.js'), 'module.exports = { reactStrictMode: true };\n');
    }
  });
});
