import { spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHealerError } from '../src/errors.js';
import { LocalExecutor } from '../src/exec/local-executor.js';
import { describeExecutorSuite } from './executor-suite.js';

describeExecutorSuite('LocalExecutor', async () => {
  const dir = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'healer-local-exec-')));
  const exec = new LocalExecutor();
  return {
    exec,
    dir,
    async cleanup() {
      await exec.close();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
});

describe('LocalExecutor.readFile is bounded by bytes', () => {
  let dir: string;
  const exec = new LocalExecutor();
  beforeAll(async () => {
    dir = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'healer-local-read-')));
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('reads a /proc file whole with maxBytes, though its size says 0', async () => {
    const exec = new LocalExecutor();
    const text = Buffer.from(await exec.readFile('/proc/meminfo', { maxBytes: 64 * 1024 })).toString();
    expect(text).toMatch(/^MemTotal:/);
    expect(text).toContain('MemAvailable:');
    expect(Buffer.from(await exec.readFile('/proc/meminfo', { maxBytes: 10 })).length).toBe(10);
  });

  it('refuses /dev/zero, a link to it and a FIFO at once (regular files only)', async () => {
    const link = join(dir, 'debug.log');
    await fsp.symlink('/dev/zero', link);
    const fifo = join(dir, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const started = Date.now();
    for (const path of ['/dev/zero', link, fifo, dir]) {
      const err = await exec.readFile(path).catch((e: unknown) => e);
      expect(isHealerError(err, 'INVALID_ARGUMENT'), `${path}: ${String(err)}`).toBe(true);
      expect((err as Error).message).toContain('not a regular file');
    }
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reads files that report size 0 (/proc) whole, or their prefix', async () => {
    expect(Buffer.from(await exec.readFile('/proc/meminfo')).toString()).toMatch(/^MemTotal:[\s\S]*\nMemFree:/);
    expect(Buffer.from(await exec.readFile('/proc/meminfo', { maxBytes: 9 })).toString()).toBe('MemTotal:');
  });

  it('refuses a whole-file read above 64 MiB, and gives a prefix with maxBytes', async () => {
    const big = join(dir, 'big.sql');
    await fsp.writeFile(big, 'head');
    await fsp.truncate(big, 64 * 1024 * 1024 + 1);
    const err = await exec.readFile(big).catch((e: unknown) => e);
    expect(isHealerError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toMatch(/more than the 67108864 a whole-file read takes/);
    expect(Buffer.from(await exec.readFile(big, { maxBytes: 4 })).toString()).toBe('head');
    await fsp.truncate(big, 64 * 1024 * 1024);
    expect((await exec.readFile(big)).length).toBe(64 * 1024 * 1024);
  });

  it('reads the kernel files whose size reads 0 (/proc/meminfo, /proc/loadavg) whole, with or without maxBytes', async () => {
    expect((await fsp.stat('/proc/loadavg')).size).toBe(0);
    const loadavg = Buffer.from(await exec.readFile('/proc/loadavg', { maxBytes: 64 * 1024 })).toString();
    expect(loadavg).toMatch(/^\d+\.\d+ \d+\.\d+ \d+\.\d+ \d+\/\d+ \d+\n$/);
    const meminfo = Buffer.from(await exec.readFile('/proc/meminfo', { maxBytes: 64 * 1024 })).toString();
    expect(meminfo).toMatch(/^MemTotal:/m);
    expect(meminfo).toMatch(/^MemAvailable:/m);
    expect(Buffer.from(await exec.readFile('/proc/meminfo')).toString()).toMatch(/^MemAvailable:/m);
    expect(Buffer.from(await exec.readFile('/proc/meminfo', { maxBytes: 8 })).toString()).toBe('MemTotal');
  });
});

describe("LocalExecutor does not hand the healer's own environment to commands", () => {
  it('drops HEALER_*, database and Redis URLs, secrets, tokens and passwords; keeps PATH, HOME and the per-command env', async () => {
    const names = ['HEALER_DATABASE_URL', 'HEALER_SECRET_KEY', 'DATABASE_URL', 'REDIS_URL', 'GITHUB_TOKEN', 'APP_SECRET', 'DB_PASSWORD', 'PGPASSWORD', 'MYSQL_PWD', 'SENTRY_API_KEY'];
    const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
    for (const n of names) process.env[n] = `private-${n}`;
    process.env['HEALER_TEST_KEEP_AWAY'] = 'x';
    const exec = new LocalExecutor();
    try {
      const r = await exec.run(['env'], { env: { PASSED_ON_PURPOSE: 'yes', DB_PASSWORD: 'given-by-the-step' } });
      expect(r.exitCode).toBe(0);
      const seen = new Map(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      for (const n of names.filter((x) => x !== 'DB_PASSWORD')) expect(seen.has(n), n).toBe(false);
      expect(seen.has('HEALER_TEST_KEEP_AWAY')).toBe(false);
      expect(r.stdout).not.toContain('private-');
      // What a step passes on purpose reaches it.
      expect(seen.get('DB_PASSWORD')).toBe('given-by-the-step');
      expect(seen.get('PASSED_ON_PURPOSE')).toBe('yes');
      expect(seen.get('PATH')).toBe(process.env['PATH']);
      expect(seen.get('HOME')).toBe(process.env['HOME']);
    } finally {
      for (const n of names) {
        if (saved[n] === undefined) delete process.env[n];
        else process.env[n] = saved[n];
      }
      delete process.env['HEALER_TEST_KEEP_AWAY'];
      await exec.close();
    }
  });

  it("drops the healer's own NODE_PATH: an app without node_modules must not load the healer's packages", async () => {
    const saved = process.env['NODE_PATH'];
    const work = await fsp.mkdtemp(join(os.tmpdir(), 'healer-node-path-'));
    // The healer's own packages (as a package manager's NODE_PATH names them), and an app folder without node_modules.
    const ownModules = join(work, 'healer-modules');
    await fsp.mkdir(join(ownModules, 'express'), { recursive: true });
    await fsp.writeFile(join(ownModules, 'express', 'index.js'), 'module.exports = 1;');
    await fsp.mkdir(join(work, 'app'));
    process.env['NODE_PATH'] = ownModules;
    const exec = new LocalExecutor();
    try {
      const probe = ['node', '-e', "try { require('express'); console.log('found') } catch { console.log('missing') }"];
      expect((await exec.run(probe, { cwd: join(work, 'app') })).stdout.trim()).toBe('missing');
      // A step that sets it on purpose still gets it.
      expect((await exec.run(probe, { cwd: join(work, 'app'), env: { NODE_PATH: ownModules } })).stdout.trim()).toBe('found');
    } finally {
      if (saved === undefined) delete process.env['NODE_PATH'];
      else process.env['NODE_PATH'] = saved;
      await fsp.rm(work, { recursive: true, force: true });
      await exec.close();
    }
  });
});
