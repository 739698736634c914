import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { homedir, hostname, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isHealerError } from '../src/errors.js';
import { FolderStateStore, resolveHealerHome } from '../src/state/folder-store.js';
import { MemoryStateStore } from '../src/state/memory-store.js';
import { describeStateStore, makeBackup, makeEvent, makeExecution } from '@healer/core/testing';

describeStateStore('MemoryStateStore', async () => ({ store: new MemoryStateStore() }));

describeStateStore(
  'FolderStateStore',
  async () => {
    const home = await mkdtemp(join(tmpdir(), 'healer-state-'));
    return {
      store: new FolderStateStore({ home }),
      reopen: () => new FolderStateStore({ home }),
      cleanup: () => rm(home, { recursive: true, force: true }),
    };
  },
  { reopenable: true },
);

async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/')).sort();
}

describe('FolderStateStore on disk', () => {
  let root: string;
  let home: string;
  let store: FolderStateStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'healer-folder-'));
    home = join(root, 'home');
    store = new FolderStateStore({ home });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes the documented layout', async () => {
    await store.createExecution(makeExecution('exec-1'));
    await store.appendEvent('exec-1', makeEvent(1));
    await store.updateBreaker('app:a', () => ({
      key: 'app:a',
      attempts: [],
      state: 'closed',
      openUntil: null,
      consecutiveFailures: 0,
      demotedTo: null,
      updatedAt: '2026-01-01T00:00:00.000Z',
    }));
    const lock = await store.acquireLock('target-1', { pid: process.pid, hostname: hostname(), purpose: 'heal' }, 60_000);
    await store.putBackup(makeBackup('bk-1', 'app', '2026-01-01T00:00:00.000Z'));
    await store.putBaseline('app', 'ttfb', 120);
    expect(await listTree(home)).toEqual([
      'backups/bk-1.json',
      'baselines/app/ttfb.json',
      'breakers/app%3Aa.json',
      'executions/exec-1/execution.json',
      'executions/exec-1/timeline.jsonl',
      'locks/.internal/breaker%3Aapp%3Aa.token',
      'locks/target-1.lock',
      'locks/target-1.token',
    ]);
    const header = JSON.parse(await readFile(join(home, 'executions/exec-1/execution.json'), 'utf8')) as Record<string, unknown>;
    expect(header).not.toHaveProperty('timeline');
    expect(JSON.parse(await readFile(join(home, 'locks/target-1.lock'), 'utf8'))).toEqual({
      key: 'target-1',
      token: lock!.token,
      owner: { pid: process.pid, hostname: hostname(), purpose: 'heal' },
      expiresAt: lock!.expiresAt,
    });
  });

  it('never lets a key escape its folder', async () => {
    const evil = ['../../outside', '..', '/abs/path', 'a\\..\\b', 'nul\0byte', '.hidden', 'x'.repeat(400)];
    for (const key of evil) {
      await store.createExecution(makeExecution(key));
      await store.appendEvent(key, makeEvent(1));
      await store.putBackup(makeBackup(key, key, '2026-01-01T00:00:00.000Z'));
      await store.putBaseline(key, key, 1);
      await store.updateBreaker(key, (c) => c ?? { key, attempts: [], state: 'closed', openUntil: null, consecutiveFailures: 0, demotedTo: null, updatedAt: '' });
      expect(await store.acquireLock(key, { pid: process.pid, hostname: hostname() }, 60_000)).not.toBeNull();
    }
    expect(await readdir(root)).toEqual(['home']);
    for (const file of await listTree(home)) {
      expect(file.split('/').every((part) => part !== '..' && part.length <= 160)).toBe(true);
    }
    expect((await store.listExecutions({ limit: 500 })).items.map((e) => e.executionId).sort()).toEqual([...evil].sort());
    for (const key of evil) expect((await store.getBackup(key))?.id).toBe(key);
  });

  it('ignores a torn last journal line, and cuts it off before the next append', async () => {
    await store.createExecution(makeExecution('exec-1'));
    await store.appendEvent('exec-1', makeEvent(1));
    await store.appendEvent('exec-1', makeEvent(2));
    const journal = join(home, 'executions/exec-1/timeline.jsonl');
    await appendFile(journal, '{"seq":3,"at":"2026-01-01T00:00:03.000Z","ty');
    expect((await store.getExecution('exec-1'))?.timeline.map((e) => e.seq)).toEqual([1, 2]);
    await store.appendEvent('exec-1', makeEvent(4));
    expect((await store.getExecution('exec-1'))?.timeline.map((e) => e.seq)).toEqual([1, 2, 4]);
    expect((await readFile(journal, 'utf8')).split('\n')).toHaveLength(4);
  });

  it('keeps a complete last line that only lost its newline', async () => {
    await store.createExecution(makeExecution('exec-1'));
    const journal = join(home, 'executions/exec-1/timeline.jsonl');
    await writeFile(journal, JSON.stringify(makeEvent(1)));
    await store.appendEvent('exec-1', makeEvent(2));
    expect((await store.getExecution('exec-1'))?.timeline.map((e) => e.seq)).toEqual([1, 2]);
  });

  it('reports a corrupt line inside the journal as STATE_CORRUPT naming the file', async () => {
    await store.createExecution(makeExecution('exec-1'));
    const journal = join(home, 'executions/exec-1/timeline.jsonl');
    await writeFile(journal, `${JSON.stringify(makeEvent(1))}\nnot json\n${JSON.stringify(makeEvent(2))}\n`);
    const err: unknown = await store.getExecution('exec-1').catch((e: unknown) => e);
    expect(isHealerError(err, 'STATE_CORRUPT')).toBe(true);
    expect((err as Error).message).toContain(journal);
    expect((err as Error).message).toContain('line 2');
  });

  it('reports corrupt JSON files as STATE_CORRUPT naming the file', async () => {
    await store.createExecution(makeExecution('exec-1'));
    const header = join(home, 'executions/exec-1/execution.json');
    await writeFile(header, '{"executionId": "exec-1", ');
    await expect(store.getExecution('exec-1')).rejects.toSatisfy(
      (e) => isHealerError(e, 'STATE_CORRUPT') && (e as Error).message.includes(header),
    );
    await writeFile(header, JSON.stringify({ executionId: 'exec-1', state: 'NOT_A_STATE' }));
    await expect(store.listExecutions()).rejects.toSatisfy((e) => isHealerError(e, 'STATE_CORRUPT'));

    await mkdir(join(home, 'breakers'));
    const breakerFile = join(home, 'breakers', 'app%3Aa.json');
    await writeFile(breakerFile, '[1,');
    await expect(store.getBreaker('app:a')).rejects.toSatisfy(
      (e) => isHealerError(e, 'STATE_CORRUPT') && (e as Error).message.includes(breakerFile),
    );
    await expect(store.updateBreaker('app:a', (c) => c)).rejects.toSatisfy((e) => isHealerError(e, 'STATE_CORRUPT'));
    // The failed update released its internal mutex: a repaired file can be updated at once.
    await writeFile(breakerFile, JSON.stringify({ key: 'app:a', attempts: [], state: 'closed', openUntil: null, consecutiveFailures: 1, demotedTo: null, updatedAt: '' }));
    expect((await store.updateBreaker('app:a', (c) => c))?.consecutiveFailures).toBe(1);
  });

  it('takes over an empty lock file only after its grace period', async () => {
    await store.acquireLock('k', { pid: process.pid, hostname: hostname() }, 60_000);
    await writeFile(join(home, 'locks/k.lock'), '');
    expect(await store.acquireLock('k', { pid: process.pid, hostname: hostname() }, 60_000)).toBeNull();
    const old = new Date(Date.now() - 60_000);
    await utimes(join(home, 'locks/k.lock'), old, old);
    const taken = await store.acquireLock('k', { pid: process.pid, hostname: hostname() }, 60_000);
    expect(taken?.token).toBe(2);
    await store.releaseLock(taken!);
    // No claim marker or temp file is left behind.
    expect(await listTree(join(home, 'locks'))).toEqual(['k.token']);
  });
});

describe('resolveHealerHome', () => {
  it('uses HEALER_HOME when set, made absolute', () => {
    expect(resolveHealerHome({ HEALER_HOME: join(tmpdir(), 'h') })).toBe(join(tmpdir(), 'h'));
    expect(resolveHealerHome({ HEALER_HOME: 'relative-home' })).toBe(join(process.cwd(), 'relative-home'));
  });

  it('falls back to ~/.healer', () => {
    expect(resolveHealerHome({})).toBe(join(homedir(), '.healer'));
    expect(resolveHealerHome({ HEALER_HOME: '' })).toBe(join(homedir(), '.healer'));
  });
});
