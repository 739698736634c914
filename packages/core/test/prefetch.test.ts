/** Batched reads for discovery: one real `tar` for many files, served back as reads and stats. */
import { mkdir, symlink, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealer, LocalExecutor, type Command, type Executor } from '@healer/core';
import { testappFiles, testappPlugin, testdir, writeTree, type TestDir } from '@healer/test-utils';
import { prefetchFiles, SnapshotExecutor } from '../src/engine/prefetch.js';

let dir: TestDir;
const local = new LocalExecutor();

beforeAll(async () => {
  dir = await testdir({
    'a/plain.txt': 'hello\n',
    'a/binary.bin': '',
    'a/mode.sh': { content: '#!/bin/sh\n', mode: 0o750 },
  });
  await writeFile(join(dir.path, 'a/binary.bin'), Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
  const deep = join(dir.path, 'x'.repeat(90), 'y'.repeat(90));
  await mkdir(deep, { recursive: true });
  await writeFile(join(deep, 'long-name-file.json'), '{"deep":true}');
  await writeFile(join(dir.path, 'a', 'new\nline'), 'odd name');
  await symlink('plain.txt', join(dir.path, 'a/link'));
  await chmod(join(dir.path, 'a'), 0o755);
});
afterAll(() => dir.cleanup());

/** Wraps an executor to count the commands that reach the target. */
function counting(inner: Executor): Executor & { commands: Command[] } {
  const commands: Command[] = [];
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'commands') return commands;
      if (prop === 'run') return (c: Command, o?: object) => (commands.push(c), target.run(c, o));
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Executor & { commands: Command[] };
}

describe('prefetchFiles', () => {
  it('answers reads and stats exactly like the target, from one command', async () => {
    const a = join(dir.path, 'a');
    const deepFile = join(dir.path, 'x'.repeat(90), 'y'.repeat(90), 'long-name-file.json');
    const paths = [`${a}/plain.txt`, `${a}/binary.bin`, `${a}/mode.sh`, `${a}/link`, a, `${a}/missing`, deepFile, `${a}/new\nline`.replace('\n', '_')];
    const exec = counting(local);
    const snap = new SnapshotExecutor(exec, await prefetchFiles(exec, paths));
    expect(exec.commands).toHaveLength(1);
    for (const p of paths) {
      expect(await snap.exists(p)).toBe(await local.exists(p));
      const [got, want] = [await snap.stat(p), await local.stat(p)];
      expect(got && { ...got, mtimeMs: Math.floor(got.mtimeMs / 1000) }).toEqual(want && { ...want, mtimeMs: Math.floor(want.mtimeMs / 1000) });
      if (want?.type === 'file') expect(Buffer.from(await snap.readFile(p))).toEqual(Buffer.from(await local.readFile(p)));
    }
    // Nothing above reached the target again.
    expect(exec.commands).toHaveLength(1);
    await expect(snap.readFile(`${a}/missing`)).rejects.toThrow(/no such file/);
  });
});

describe('discover with batched reads', () => {
  it('detects 60 folders with a constant number of commands', async () => {
    const root = join(dir.path, 'fleet');
    for (let i = 0; i < 60; i++) await writeTree(join(root, `site-${String(i).padStart(2, '0')}`), testappFiles('ok'));
    const exec = counting(new LocalExecutor());
    const healer = createHealer({ plugins: [testappPlugin], executor: exec });
    const found = await healer.discover([root]);
    expect(found).toHaveLength(60);
    expect(found.every((f) => f.app?.stack === 'testapp' && f.app.version === '2.1.0')).toBe(true);
    // Root probe, one find, one batched read; detection itself ran nothing.
    expect(exec.commands.length).toBeLessThanOrEqual(3);
  });
});
