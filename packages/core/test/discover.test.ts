/**
 * Discovery against a real folder tree with the real LocalExecutor and `find`.
 */
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command, Executor, RunOptions, WriteFileOptions } from '../src/contract/executor.js';
import { definePlugin } from '../src/contract/plugin.js';
import { buildFindCommand, expandRoots, findCandidates } from '../src/engine/discover.js';
import { isHealerError } from '../src/errors.js';
import { LocalExecutor } from '../src/exec/local-executor.js';
import { createHealer } from '../src/healer.js';

/** Counts every call that reaches the target (each is a round trip over SSH). */
class CountingExecutor implements Executor {
  readonly runs: Command[] = [];
  readonly other: string[] = [];
  constructor(private readonly inner: Executor) {}
  get host(): string {
    return this.inner.host;
  }
  run(command: Command, options?: RunOptions) {
    this.runs.push(command);
    return this.inner.run(command, options);
  }
  readFile(path: string, options?: { maxBytes?: number }) {
    this.other.push('readFile');
    return this.inner.readFile(path, options);
  }
  writeFile(path: string, data: string | Uint8Array, options?: WriteFileOptions) {
    this.other.push('writeFile');
    return this.inner.writeFile(path, data, options);
  }
  stat(path: string) {
    this.other.push('stat');
    return this.inner.stat(path);
  }
  list(path: string) {
    this.other.push('list');
    return this.inner.list(path);
  }
  exists(path: string) {
    this.other.push('exists');
    return this.inner.exists(path);
  }
  mkdir(path: string, options?: { mode?: number }) {
    this.other.push('mkdir');
    return this.inner.mkdir(path, options);
  }
  remove(path: string) {
    this.other.push('remove');
    return this.inner.remove(path);
  }
  rename(from: string, to: string) {
    this.other.push('rename');
    return this.inner.rename(from, to);
  }
  chmod(path: string, mode: number) {
    this.other.push('chmod');
    return this.inner.chmod(path, mode);
  }
  close() {
    return this.inner.close();
  }
}

const wordpressish = definePlugin({
  name: 'wpish',
  version: '1.0.0',
  engines: { core: '^1.0.0' },
  stacks: ['wordpress'],
  signatures: ['wp-config.php', 'wp-includes/version.php'],
  async detect(ctx) {
    const version = await ctx.fs.readText(`${ctx.path}/wp-includes/version.php`);
    const hasConfig = await ctx.fs.exists(`${ctx.path}/wp-config.php`);
    if (!version && !hasConfig) return null;
    return { stack: 'wordpress', version: version ? (/'([^']+)'/.exec(version)?.[1] ?? null) : null, confidence: 0.9, evidence: [] };
  },
  checks: [],
  actions: [],
});

const nodeish = definePlugin({
  name: 'nodeish',
  version: '1.0.0',
  engines: { core: '^1.0.0' },
  stacks: ['nodejs'],
  signatures: ['package.json'],
  async detect(ctx) {
    return (await ctx.fs.exists(`${ctx.path}/package.json`)) ? { stack: 'nodejs', confidence: 0.8, evidence: [] } : null;
  },
  checks: [],
  actions: [],
});

const phpish = definePlugin({
  name: 'phpish',
  version: '1.0.0',
  engines: { core: '^1.0.0' },
  stacks: ['php'],
  signatures: ['index.php'],
  async detect(ctx) {
    return (await ctx.fs.exists(`${ctx.path}/index.php`)) ? { stack: 'php', confidence: 0.5, evidence: [] } : null;
  },
  checks: [],
  actions: [],
});

const SIGNATURES = [...wordpressish.signatures, ...nodeish.signatures, ...phpish.signatures];

let base: string;
let tree: string;
let other: string;

async function put(files: string[]): Promise<void> {
  for (const rel of files) {
    await mkdir(dirname(join(base, rel)), { recursive: true });
    await writeFile(join(base, rel), rel.endsWith('version.php') ? "<?php $wp_version = '6.5.2';" : '');
  }
}

beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'healer-discover-')));
  tree = join(base, 'tree');
  other = join(base, 'other');
  await put([
    // depth 1
    'tree/api/package.json',
    'tree/shop/index.php',
    // depth 2: WordPress with both signatures; another with the nested one only
    'tree/www/blog/wp-config.php',
    'tree/www/blog/index.php',
    'tree/www/blog/wp-includes/version.php',
    'tree/www/legacy/wp-includes/version.php',
    // depth 4 (found), depth 5 (too deep by default)
    'tree/deep/a/b/c/package.json',
    'tree/deep/a/b/c/d/package.json',
    // never descended into
    'tree/api/node_modules/left-pad/package.json',
    'tree/api/node_modules/left-pad/node_modules/inner/package.json',
    'tree/shop/vendor/acme/lib/index.php',
    'tree/vendor/package.json',
    'tree/.git/hooks/package.json',
    'tree/www/blog/.git/wp-config.php',
    'tree/.healer-backups/x/package.json',
    // a file that only looks like a signature
    'tree/notes/package.json.bak',
    // the root of a second tree is itself an app
    'other/index.php',
    // a root named like a pruned folder: what is inside it is still searched
    'vendor-root/vendor/app/package.json',
  ]);
  await symlink(tree, join(base, 'linked-tree'));
});
afterAll(() => rm(base, { recursive: true, force: true }));

describe('findCandidates through the real LocalExecutor', () => {
  it('finds exactly the app folders at several depths, skipping node_modules, vendor, .git and backups', async () => {
    const found = await findCandidates(new LocalExecutor(), [tree], SIGNATURES);
    expect(found).toEqual([
      join(tree, 'api'),
      join(tree, 'deep/a/b/c'),
      join(tree, 'shop'),
      join(tree, 'www/blog'),
      join(tree, 'www/legacy'),
    ]);
  });

  it('takes several roots, skips one that does not exist, and finds an app at a root itself', async () => {
    const found = await findCandidates(new LocalExecutor(), [join(base, 'missing'), tree, other], SIGNATURES);
    expect(found).toContain(other);
    expect(found).toContain(join(tree, 'api'));
    expect(found).toHaveLength(6);
  });

  it('returns nothing (no error) when no root exists, or when a root is a file', async () => {
    const exec = new CountingExecutor(new LocalExecutor());
    expect(await findCandidates(exec, [join(base, 'missing'), join(base, 'nope')], SIGNATURES)).toEqual([]);
    expect(await findCandidates(exec, [join(tree, 'api/package.json')], SIGNATURES)).toEqual([]);
    // Only the root probe ran each time: no search without a root to search.
    expect(exec.runs.map((r) => ('script' in r ? 'probe' : r[0]))).toEqual(['probe', 'probe']);
  });

  it('bounds the depth of the app folder, counting a nested signature from its app folder', async () => {
    const exec = new LocalExecutor();
    expect(await findCandidates(exec, [tree], SIGNATURES, { maxDepth: 0 })).toEqual([]);
    expect(await findCandidates(exec, [tree], SIGNATURES, { maxDepth: 1 })).toEqual([join(tree, 'api'), join(tree, 'shop')]);
    // www/legacy holds only wp-includes/version.php, four levels down: still a depth-2 app.
    expect(await findCandidates(exec, [tree], SIGNATURES, { maxDepth: 2 })).toEqual([
      join(tree, 'api'),
      join(tree, 'shop'),
      join(tree, 'www/blog'),
      join(tree, 'www/legacy'),
    ]);
    const five = await findCandidates(exec, [tree], SIGNATURES, { maxDepth: 5 });
    expect(five).toContain(join(tree, 'deep/a/b/c/d'));
    expect(five.some((p) => p.includes('node_modules') || p.includes('vendor') || p.includes('.git'))).toBe(false);
  });

  it('runs ONE root probe and ONE find for every root and signature', async () => {
    const exec = new CountingExecutor(new LocalExecutor());
    await findCandidates(exec, [tree, other, join(base, 'missing')], SIGNATURES);
    expect(exec.runs).toHaveLength(2);
    const argv = exec.runs[1] as readonly string[];
    expect(argv[0]).toBe('find');
    for (const sig of SIGNATURES) expect(argv.some((a) => a === sig || a === `*/${sig}`)).toBe(true);
    expect(exec.other).toEqual([]);
  });

  it('expands glob roots on the target, as arguments, never as code', async () => {
    const exec = new CountingExecutor(new LocalExecutor());
    const canary = join(base, 'CANARY');
    expect(await expandRoots(exec, [join(base, '*-tree'), `${base}/$(touch ${canary})*`, join(base, 'missing')])).toEqual([join(base, 'linked-tree')]);
    expect(exec.runs).toHaveLength(1);
    expect(await new LocalExecutor().exists(canary)).toBe(false);
    await expect(expandRoots(exec, ['relative/*'])).rejects.toSatisfy((e) => isHealerError(e, 'PATH_INVALID'));
  });

  it('follows a root that is a symlink, reporting folders under the path given', async () => {
    const linked = join(base, 'linked-tree');
    const found = await findCandidates(new LocalExecutor(), [linked], SIGNATURES, { maxDepth: 1 });
    expect(found).toEqual([join(linked, 'api'), join(linked, 'shop')]);
  });

  it('searches inside a root that is itself named like a pruned folder', async () => {
    const root = join(base, 'vendor-root/vendor');
    expect(await findCandidates(new LocalExecutor(), [root], SIGNATURES)).toEqual([join(root, 'app')]);
  });

  it('refuses a relative or unnormalized root with PATH_INVALID', async () => {
    for (const bad of ['relative/dir', `${tree}/../tree`]) {
      const err = await findCandidates(new LocalExecutor(), [bad], SIGNATURES).catch((e: unknown) => e);
      expect(isHealerError(err, 'PATH_INVALID')).toBe(true);
    }
  });

  it('no signatures or no roots -> nothing, and no command', async () => {
    const exec = new CountingExecutor(new LocalExecutor());
    expect(await findCandidates(exec, [tree], [])).toEqual([]);
    expect(await findCandidates(exec, [], SIGNATURES)).toEqual([]);
    expect(exec.runs).toHaveLength(0);
  });

  it('buildFindCommand: argv only, hostile root kept as one argument', () => {
    const argv = buildFindCommand(['/srv/$(touch CANARY) x'], ['wp-config.php'], 3);
    expect(argv[1]).toBe('/srv/$(touch CANARY) x/.');
    expect(argv).toContain('-print0');
  });
});

describe('createHealer().discover()', () => {
  it('finds every candidate with one search, then detects each with the plugins', async () => {
    const exec = new CountingExecutor(new LocalExecutor());
    const healer = createHealer({ plugins: [wordpressish, nodeish, phpish], executor: exec });
    const found = await healer.discover([tree, other, join(base, 'missing')]);
    expect(exec.runs.filter((r) => !('script' in r) && r[0] === 'find')).toHaveLength(1);
    const byPath = Object.fromEntries(found.map((f) => [f.path, f.app ? `${f.app.plugin}:${f.app.stack}:${f.app.version ?? '-'}` : null]));
    expect(byPath).toEqual({
      [join(tree, 'api')]: 'nodeish:nodejs:-',
      [join(tree, 'deep/a/b/c')]: 'nodeish:nodejs:-',
      [join(tree, 'shop')]: 'phpish:php:-',
      [join(tree, 'www/blog')]: 'wpish:wordpress:6.5.2',
      [join(tree, 'www/legacy')]: 'wpish:wordpress:6.5.2',
      [other]: 'phpish:php:-',
    });
    expect(found.find((f) => f.path === join(tree, 'www/blog'))?.nearTies).toEqual([]);
    await healer.close();
  });

  it('uses only the enabled plugins signatures', async () => {
    const exec = new CountingExecutor(new LocalExecutor());
    const healer = createHealer({ plugins: [wordpressish, nodeish, phpish], executor: exec, sharedChecks: false });
    healer.plugins.disable('nodeish');
    healer.plugins.disable('phpish');
    const found = await healer.discover([tree]);
    expect(found.map((f) => f.path)).toEqual([join(tree, 'www/blog'), join(tree, 'www/legacy')]);
    expect(found.every((f) => f.app?.plugin === 'wpish')).toBe(true);
    const argv = exec.runs[0] as readonly string[];
    expect(argv).not.toContain('package.json');
    await healer.close();
  });
});
