/**
 * Liveness by lease: recovery takes over an execution only when no live
 * lease covers it (as the store judges it), never one this process runs,
 * and a run whose lease cannot be renewed stops before the lease ends.
 * Real app folder, real HTTP server, real folder store, real child process.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHealer, FolderStateStore, isHealerError, MemoryStateStore, type LockHandle } from '@healer/core';
import { hashFolder, startBrokenTestapp, testappPlugin, type RunningTestapp, type TestDir } from '@healer/test-utils';
import { acquireLease } from '../src/engine/lease.js';

const CORE_DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const TEST_UTILS_DIST = fileURLToPath(new URL('../../test-utils/dist/index.js', import.meta.url));
const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

let dir: TestDir;
let app: string;
let home: string;
let server: RunningTestapp;

beforeEach(async () => {
  ({ dir, app, home, server } = await startBrokenTestapp());
});

afterEach(async () => {
  await server.stop();
  await dir.cleanup();
});

function makeHealer(config: Record<string, unknown> = {}, lockTtlMs = 120_000) {
  return createHealer({
    plugins: [{ plugin: testappPlugin, config }],
    state: new FolderStateStore({ home }),
    sharedChecks: false,
    lockTtlMs,
    apps: { [app]: { url: server.url } },
  });
}

async function waitForApply(): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (const id of await readdir(join(home, 'executions')).catch(() => [] as string[])) {
      const journal = await readFile(join(home, 'executions', id, 'timeline.jsonl'), 'utf8').catch(() => '');
      if (journal.includes('"apply.started"') && journal.includes('testapp/reset-status') && existsSync(join(app, 'partial.tmp'))) return id;
    }
    if (Date.now() > deadline) throw new Error('reset-status never started applying');
    await sleep(25);
  }
}

describe('two healers in one process, one folder store', () => {
  it('the second never recovers (nor heals) what the first is running; the first finishes FIXED', async () => {
    const first = makeHealer({ slowApplyMs: 1_500 });
    const second = makeHealer();
    const healing = first.heal(app, { mode: 'auto' });
    const executionId = await waitForApply();

    expect(await second.recover()).toEqual([{ executionId, state: 'SKIPPED', message: 'Still running in this process.' }]);
    const blocked = await second.heal(app, { mode: 'auto' });
    expect(blocked.execution.state).toBe('BLOCKED');
    expect(existsSync(join(app, 'partial.tmp'))).toBe(true);

    const { execution } = await healing;
    expect(execution.executionId).toBe(executionId);
    expect(execution.state).toBe('FIXED');
    expect(execution.timeline.map((e) => e.type)).not.toContain('recovered');
    expect(await second.recover()).toEqual([]);
    // Every lease was released.
    expect((await readdir(join(home, 'locks'))).filter((n) => n.endsWith('.lock'))).toEqual([]);
  });
});

describe('a heal in another process that stops renewing its lease', () => {
  it('is left alone while its lease is live, and recovered once it expired', async () => {
    const before = await hashFolder(app);
    const script = join(dir.path, 'heal-child.mjs');
    await writeFile(script, CHILD_SCRIPT);
    const child = spawn(process.execPath, [script, JSON.stringify({ core: CORE_DIST, testUtils: TEST_UTILS_DIST, app, url: server.url, home })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const closed = new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_c, signal) => resolve(signal)));
    try {
      const executionId = await waitForApply().catch((e: unknown) => {
        throw new Error(`${String(e)}\n${output}`);
      });
      // Frozen: its pid is alive, but it renews nothing from now on.
      child.kill('SIGSTOP');
      const stoppedAt = Date.now();
      const healer = makeHealer();
      const early = await healer.recover();
      expect(early).toEqual([{ executionId, state: 'SKIPPED', message: expect.stringMatching(/^Still running: pid \d+ on .+ holds its lease until /) }]);
      expect(Date.now() - stoppedAt).toBeLessThan(CHILD_TTL_MS);
      expect(existsSync(join(app, 'partial.tmp'))).toBe(true);

      await sleep(CHILD_TTL_MS + 200);
      const late = await healer.recover();
      expect(late).toEqual([expect.objectContaining({ executionId, state: 'ROLLED_BACK' })]);
      expect(await hashFolder(app)).toBe(before);
      const recovered = await healer.execution(executionId);
      expect(recovered?.timeline.map((e) => e.type)).toContain('recovered');

      // Woken up, the old run finds its lock taken: every write it tries is refused (fencing), it stops, and it touches nothing.
      child.kill('SIGCONT');
      expect(await closed).toBeNull();
      expect(output).toContain('LOCK_LOST');
      expect(await healer.execution(executionId)).toEqual(recovered);
      expect(await hashFolder(app)).toBe(before);
    } finally {
      child.kill('SIGKILL');
      await closed;
    }
  }, 60_000);
});

describe('lease renewal', () => {
  it('a renew that throws (store unreachable) aborts the signal before the lease ends', async () => {
    const store = new (class extends MemoryStateStore {
      override async renewLock(_handle: LockHandle, _ttlMs: number): Promise<boolean> {
        throw new Error('connection refused');
      }
    })();
    const ttl = 600;
    const lease = await acquireLease({ state: store, settings: { lockTtlMs: ttl } as never, logger: SILENT }, 'app:x', 'test');
    const started = Date.now();
    const aborted = await new Promise<unknown>((resolve) => lease!.signal.addEventListener('abort', () => resolve(lease!.signal.reason), { once: true }));
    expect(Date.now() - started).toBeLessThan(ttl);
    expect(isHealerError(aborted, 'LOCK_LOST')).toBe(true);
    expect((aborted as Error).message).toContain('connection refused');
    await lease!.release();
  });

  it('a lease taken over aborts at the next renew; a renewable one does not abort', async () => {
    const store = new MemoryStateStore();
    const svc = { state: store, settings: { lockTtlMs: 300 } as never, logger: SILENT };
    const kept = await acquireLease(svc, 'app:kept', 'test');
    const lost = await acquireLease(svc, 'app:lost', 'test');
    await store.releaseLock(lost!.handle);
    await store.acquireLock('app:lost', { pid: process.pid, hostname: 'elsewhere' }, 60_000);
    await sleep(700);
    expect(isHealerError(lost!.signal.reason, 'LOCK_LOST')).toBe(true);
    expect(kept!.signal.aborted).toBe(false);
    await kept!.release();
    await lost!.release();
  });
});

const CHILD_TTL_MS = 3_000;

/** A heal in its own process, slow in the middle of reset-status's apply, with a short lease. */
const CHILD_SCRIPT = `
import { pathToFileURL } from 'node:url';
const input = JSON.parse(process.argv[2]);
const core = await import(pathToFileURL(input.core).href);
const { testappPlugin } = await import(pathToFileURL(input.testUtils).href);
const healer = core.createHealer({
  plugins: [{ plugin: testappPlugin, config: { slowApplyMs: 60000 } }],
  state: new core.FolderStateStore({ home: input.home }),
  sharedChecks: false,
  lockTtlMs: ${CHILD_TTL_MS},
  apps: { [input.app]: { url: input.url } },
});
try {
  const { execution } = await healer.heal(input.app, { mode: 'auto' });
  console.log(execution.state);
} catch (e) {
  console.log(e.code, e.message);
}
`;
