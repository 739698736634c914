import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { definePlugin } from '@healer/core';
import { pickPlugin, resolveModule } from './plugins.js';

const plugin = (name: string) =>
  definePlugin({ name, version: '1.0.0', engines: { core: '^1.0.0' }, stacks: [name], signatures: [], detect: async () => null, checks: [], actions: [] });

describe('pickPlugin', () => {
  it('takes the default export, else the single plugin export', () => {
    const a = plugin('a');
    expect(pickPlugin({ default: a, other: plugin('b') }, 'm')).toBe(a);
    expect(pickPlugin({ helper: 1, a }, 'm')).toBe(a);
    // The same object exported under two names is one plugin.
    expect(pickPlugin({ a, alias: a }, 'm')).toBe(a);
  });

  it('refuses a module with no plugin or several, naming them', () => {
    expect(() => pickPlugin({ answer: 42 }, 'mod')).toThrow(/"mod" exports no plugin/);
    expect(() => pickPlugin({ a: plugin('a'), b: plugin('b') }, 'mod')).toThrow(/several plugins \(a, b\)/);
  });
});

describe('resolveModule', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('resolves paths against the config folder and packages through node_modules and their exports', async () => {
    dir = await mkdtemp(join(tmpdir(), 'healer-cli-plugins-'));
    await writeFile(join(dir, 'local.mjs'), 'export default {}\n');
    expect(fileURLToPath(resolveModule('./local.mjs', dir))).toBe(join(dir, 'local.mjs'));

    const pkg = join(dir, 'node_modules', '@acme', 'healer-plugin-x');
    await mkdir(join(pkg, 'dist'), { recursive: true });
    await writeFile(
      join(pkg, 'package.json'),
      JSON.stringify({ name: '@acme/healer-plugin-x', exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './extra': './dist/extra.js' } }),
    );
    const nested = join(dir, 'deep', 'er');
    await mkdir(nested, { recursive: true });
    expect(fileURLToPath(resolveModule('@acme/healer-plugin-x', nested))).toBe(join(pkg, 'dist', 'index.js'));
    expect(fileURLToPath(resolveModule('@acme/healer-plugin-x/extra', dir))).toBe(join(pkg, 'dist', 'extra.js'));
    expect(() => resolveModule('@acme/healer-plugin-x/secret', dir)).toThrow(/does not export "\.\/secret"/);

    const plain = join(dir, 'node_modules', 'plain');
    await mkdir(plain, { recursive: true });
    await writeFile(join(plain, 'package.json'), JSON.stringify({ name: 'plain', main: 'lib/main.js' }));
    expect(fileURLToPath(resolveModule('plain', dir))).toBe(join(plain, 'lib', 'main.js'));
    expect(() => resolveModule('./nope.js', dir)).toThrow(/does not exist/);
  });
});
