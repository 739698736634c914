/**
 * The breaker's state lives in the folder store, so it survives the process
 * that wrote it and is shared by every process on the machine. Child `node`
 * processes run the BUILT modules (dist) against a shared HEALER_HOME.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../src/engine/breaker.js';
import { FolderStateStore } from '../src/state/folder-store.js';
import { deadPid } from '@healer/core/testing';

const coreDir = fileURLToPath(new URL('..', import.meta.url));
const builtBreaker = new URL('../dist/engine/breaker.js', import.meta.url);
const builtStore = new URL('../dist/state/folder-store.js', import.meta.url);

/**
 * Runs in a child process. Prints `ready`, waits for a line on stdin, does
 * `OP`, prints one JSON line with its result, and stays alive until stdin
 * ends (a lock held by an exited process would be stale). Inputs come from
 * the environment only.
 */
const CHILD = `
import { once } from 'node:events';
import { hostname } from 'node:os';
const { CircuitBreaker } = await import(process.env.BUILT_BREAKER);
const { FolderStateStore } = await import(process.env.BUILT_STORE);
const store = new FolderStateStore(); // HEALER_HOME from the environment
const breaker = new CircuitBreaker(store);
const ended = once(process.stdin, 'end');
process.stdout.write('ready\\n');
await once(process.stdin, 'data');
let result = null;
switch (process.env.OP) {
  case 'failing-heals':
    for (let i = 0; i < 3; i++) await breaker.recordAttempt('wp');
    await breaker.recordFailure('wp', undefined, { mode: 'auto' });
    await breaker.recordFailure('wp', undefined, { mode: 'auto' });
    result = await store.getBreaker('app:wp');
    break;
  case 'increment':
    for (let i = 0; i < 100; i++) {
      await store.updateBreaker('app:counter', (current) => ({
        key: 'app:counter', attempts: [], state: 'closed', openUntil: null, demotedTo: null,
        updatedAt: new Date().toISOString(),
        consecutiveFailures: (current?.consecutiveFailures ?? 0) + 1,
      }));
    }
    break;
  case 'take-locks':
    result = [];
    for (let i = 0; i < 10; i++) {
      result.push(await store.acquireLock('target-' + i, { pid: process.pid, hostname: hostname(), purpose: 'race' }, 60000));
    }
    break;
  default:
    throw new Error('unknown OP ' + process.env.OP);
}
process.stdout.write(JSON.stringify({ result }) + '\\n');
await ended;
`;

interface Child {
  ready: Promise<void>;
  result: Promise<unknown>;
  go: () => void;
  /** Ends its stdin and waits for a clean exit. */
  finish: () => Promise<void>;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: Error) => void } {
  let resolve: (value: T) => void = () => undefined;
  let reject: (err: Error) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

function startChild(home: string, op: string): Child {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    env: { ...process.env, HEALER_HOME: home, OP: op, BUILT_BREAKER: builtBreaker.href, BUILT_STORE: builtStore.href },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const ready = deferred<void>();
  const result = deferred<unknown>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const lines = stdout.split('\n');
    if (lines[0] === 'ready' && lines.length > 1) ready.resolve();
    const json = lines.slice(0, -1).find((line) => line.startsWith('{'));
    if (json !== undefined) result.resolve((JSON.parse(json) as { result: unknown }).result);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const closed = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      // A child that dies early must fail the test, not hang it (rejecting a settled promise does nothing).
      const err = new Error(`child ${op} exited ${code}: ${stderr || stdout}`);
      ready.reject(err);
      result.reject(err);
      if (code === 0) resolve();
      else reject(err);
    });
  });
  closed.catch(() => undefined);
  return {
    ready: ready.promise,
    result: result.promise,
    go: () => child.stdin.write('go\n'),
    finish: async () => {
      child.stdin.end();
      await closed;
    },
  };
}

/** Starts one child per op, lets them all go at once, returns their results once every one has reported. */
async function runTogether(home: string, ops: string[]): Promise<unknown[]> {
  const children = ops.map((op) => startChild(home, op));
  try {
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.go();
    return await Promise.all(children.map((c) => c.result));
  } finally {
    await Promise.all(children.map((c) => c.finish()));
  }
}

beforeAll(async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // Other modules of the package may not typecheck while they are being written; tsc -b still emits.
  const build = spawnSync(process.execPath, [tsc, '-b', coreDir], { encoding: 'utf8' });
  for (const [built, source] of [
    [builtBreaker, '../src/engine/breaker.ts'],
    [builtStore, '../src/state/folder-store.ts'],
  ] as const) {
    const [b, s] = await Promise.all([stat(built).catch(() => null), stat(new URL(source, import.meta.url))]);
    if (b === null || b.mtimeMs < s.mtimeMs) {
      throw new Error(`build of ${fileURLToPath(built)} is missing or stale:\n${build.stdout}${build.stderr}`);
    }
  }
}, 120_000);

describe('breaker state across processes', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'healer-breaker-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('sees the block and the demotion another process recorded', async () => {
    const before = Date.now();
    const [written] = await runTogether(home, ['failing-heals']);
    const breaker = new CircuitBreaker(new FolderStateStore({ home }));
    const record = await new FolderStateStore({ home }).getBreaker('app:wp');
    expect(record).toEqual(written);
    expect(record?.attempts).toHaveLength(3);
    const decision = await breaker.check('wp');
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toContain('App wp: 3 heal attempts in the last 24 h (limit 3)');
    expect(decision.reason).toContain('circuit open after 2 failures in a row');
    const firstAttempt = Date.parse(record!.attempts[0]!);
    expect(firstAttempt).toBeGreaterThanOrEqual(before);
    expect(decision.nextAttemptAt).toBe(new Date(firstAttempt + 24 * 3_600_000).toISOString());
    expect(await breaker.effectiveMode('wp', 'auto')).toBe('supervised');
  });

  it('loses no update when two processes increment the same record 100 times each', async () => {
    await runTogether(home, ['increment', 'increment']);
    expect((await new FolderStateStore({ home }).getBreaker('app:counter'))?.consecutiveFailures).toBe(200);
  });

  it('lets exactly one of four processes take over each lock left by a dead process', async () => {
    const store = new FolderStateStore({ home });
    const pid = await deadPid();
    const keys = Array.from({ length: 10 }, (_, i) => `target-${i}`);
    for (const key of keys) await store.acquireLock(key, { pid, hostname: hostname() }, 3_600_000);
    type Taken = { token: number; owner: { pid: number } } | null;
    const results = (await runTogether(home, ['take-locks', 'take-locks', 'take-locks', 'take-locks'])) as Taken[][];
    for (const [i, key] of keys.entries()) {
      const winners = results.map((perChild) => perChild[i]).filter((r): r is NonNullable<Taken> => r != null);
      expect(winners, key).toHaveLength(1);
      expect(winners[0]!.token, key).toBe(2);
      expect((await store.getLock(key))?.owner.pid, key).toBe(winners[0]!.owner.pid);
    }
  });
});
