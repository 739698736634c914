import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlugin, type Detection, type DetectContext, type PluginDefinition } from '../contract/plugin.js';
import { createFacts } from '../checks/facts.js';
import { isHealerError } from '../errors.js';
import { LocalExecutor } from '../exec/local-executor.js';
import { Redactor } from '../redact.js';
import type { RunEnv } from './context.js';
import { appIdFor, detectStack } from './detector.js';
import { PluginRegistry, type PluginEntry } from './registry.js';
import { createHealer } from '../healer.js';
import { MemoryStateStore } from '../state/memory-store.js';

const warnings: string[] = [];
function makeEnv(): RunEnv {
  const exec = new LocalExecutor();
  return {
    exec,
    facts: createFacts(exec),
    logger: { debug() {}, info() {}, warn: (m) => void warnings.push(m), error() {} },
    redactor: new Redactor(),
    backupRootFor: (r) => join(r, '..', '.healer-backups'),
  };
}

/** WordPress-like: wp-config.php plus wp-includes/version.php, whose $wp_version it reads. */
const wordpressish = definePlugin({
  name: 'wpish',
  version: '1.0.0',
  engines: { core: '^1.0.0' },
  stacks: ['wordpress'],
  signatures: ['wp-config.php', 'wp-includes/version.php'],
  async detect(ctx) {
    if (!(await ctx.fs.exists(`${ctx.path}/wp-config.php`))) return null;
    const version = await ctx.fs.readText(`${ctx.path}/wp-includes/version.php`);
    const match = version ? /\$wp_version = '([^']+)'/.exec(version) : null;
    return {
      stack: 'wordpress',
      version: match?.[1] ?? null,
      confidence: match ? 0.95 : 0.6,
      evidence: ['wp-config.php found', ...(match ? [`wp-includes/version.php says ${match[1]}`] : [])],
    };
  },
  checks: [],
  actions: [],
});

/** Generic PHP: any index.php. Loses to a real WordPress, wins on a bare PHP folder. */
const phpish = definePlugin({
  name: 'phpish',
  version: '1.0.0',
  engines: { core: '^1.0.0' },
  stacks: ['php'],
  signatures: ['index.php'],
  async detect(ctx) {
    return (await ctx.fs.exists(`${ctx.path}/index.php`)) ? { stack: 'php', confidence: 0.5, evidence: ['index.php found'] } : null;
  },
  checks: [],
  actions: [],
});

/** Node: package.json; its confidence comes from config so a test can make a near-tie. */
const nodeish = definePlugin({
  name: 'nodeish',
  version: '1.0.0',
  engines: { core: '^1.0.0' },
  stacks: ['nodejs'],
  signatures: ['package.json'],
  configSchema: z.object({ confidence: z.number().default(0.7) }),
  async detect(ctx) {
    const text = await ctx.fs.readText(`${ctx.path}/package.json`);
    if (text === null) return null;
    const pkg = JSON.parse(text) as { version?: string };
    return { stack: 'nodejs', version: pkg.version ?? null, confidence: ctx.config.confidence, evidence: ['package.json found'] };
  },
  checks: [],
  actions: [],
});

function custom(name: string, detect: (ctx: DetectContext) => Promise<Detection | null>): PluginDefinition {
  return definePlugin({ name, version: '1.0.0', engines: { core: '^1.0.0' }, stacks: [name], signatures: [`${name}.txt`], detect, checks: [], actions: [] });
}

let base: string;
const dirs = { wp: '', wpNoVersion: '', php: '', hybrid: '', empty: '' };

beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'healer-detect-')));
  const put = async (dir: string, files: Record<string, string>): Promise<string> => {
    const root = join(base, dir);
    await mkdir(root, { recursive: true });
    for (const [rel, content] of Object.entries(files)) {
      await mkdir(join(root, rel, '..'), { recursive: true });
      await writeFile(join(root, rel), content);
    }
    return root;
  };
  dirs.wp = await put('wp', { 'wp-config.php': '<?php', 'index.php': '<?php', 'wp-includes/version.php': "<?php\n$wp_version = '6.5.2';\n" });
  dirs.wpNoVersion = await put('wp-bare', { 'wp-config.php': '<?php', 'index.php': '<?php' });
  dirs.php = await put('php', { 'index.php': '<?php echo 1;' });
  dirs.hybrid = await put('hybrid', { 'index.php': '<?php', 'package.json': '{"version":"3.0.0"}' });
  dirs.empty = await put('empty', {});
});
afterAll(() => rm(base, { recursive: true, force: true }));

function registry(...plugins: PluginEntry[]): PluginRegistry {
  const r = new PluginRegistry();
  for (const p of plugins) r.register(p);
  return r;
}

const at = (path: string) => ({ host: 'local', path });

describe('detectStack', () => {
  it('the highest confidence wins among real plugins probing a real folder', async () => {
    const report = await detectStack(registry(phpish, wordpressish, nodeish), makeEnv(), at(dirs.wp));
    expect(report.app).toMatchObject({
      plugin: 'wpish',
      stack: 'wordpress',
      version: '6.5.2',
      confidence: 0.95,
      root: dirs.wp,
      id: appIdFor('local', dirs.wp),
      metadata: {},
    });
    expect(report.app!.evidence).toContain('wp-includes/version.php says 6.5.2');
    expect(report.candidates.map((c) => c.plugin)).toEqual(['wpish', 'phpish', 'nodeish']);
    expect(report.candidates[2]!.detection).toBeNull();
    expect(report.nearTies).toEqual([]);
  });

  it('the same plugins pick another winner on another folder', async () => {
    const report = await detectStack(registry(phpish, wordpressish, nodeish), makeEnv(), at(dirs.php));
    expect(report.app?.plugin).toBe('phpish');
    expect(report.app?.version).toBeNull();
  });

  it('reports near-ties (within 0.1 of the winner), not plugins further away', async () => {
    const near = await detectStack(registry(phpish, { plugin: nodeish, config: { confidence: 0.55 } }), makeEnv(), at(dirs.hybrid));
    expect(near.app?.plugin).toBe('nodeish');
    expect(near.nearTies).toEqual(['phpish']);

    const far = await detectStack(registry(phpish, { plugin: nodeish, config: { confidence: 0.6 } }), makeEnv(), at(dirs.hybrid));
    expect(far.app?.plugin).toBe('nodeish');
    expect(far.nearTies).toEqual([]);

    const tie = await detectStack(registry(phpish, { plugin: nodeish, config: { confidence: 0.5 } }), makeEnv(), at(dirs.hybrid));
    expect(tie.app).not.toBeNull();
    expect(tie.nearTies).toHaveLength(1);
  });

  it('a manual override asks only the named plugin, even a weaker or disabled one', async () => {
    const r = registry(wordpressish, phpish);
    const report = await detectStack(r, makeEnv(), at(dirs.wp), { plugin: 'phpish' });
    expect(report.app?.plugin).toBe('phpish');
    expect(report.candidates.map((c) => c.plugin)).toEqual(['phpish']);

    r.disable('phpish');
    expect((await detectStack(r, makeEnv(), at(dirs.wp))).app?.plugin).toBe('wpish');
    expect((await detectStack(r, makeEnv(), at(dirs.wp), { plugin: 'phpish' })).app?.plugin).toBe('phpish');
  });

  it('a manual override naming an unknown plugin is PLUGIN_NOT_FOUND listing the registered ones', async () => {
    const err = await detectStack(registry(phpish), makeEnv(), at(dirs.php), { plugin: 'drupal' }).catch((e: unknown) => e);
    expect(isHealerError(err, 'PLUGIN_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toContain('phpish');
  });

  it('a detect() that throws is reported with its error and does not break detection', async () => {
    warnings.length = 0;
    const broken = custom('broken', async () => {
      throw new Error('permission denied reading wp-config.php');
    });
    const report = await detectStack(registry(broken, phpish), makeEnv(), at(dirs.php));
    expect(report.app?.plugin).toBe('phpish');
    const failed = report.candidates.find((c) => c.plugin === 'broken');
    expect(failed).toEqual({ plugin: 'broken', detection: null, error: 'permission denied reading wp-config.php' });
    expect(warnings.some((w) => w.includes('broken'))).toBe(true);
  });

  it('a detect() that hangs is cut off at the timeout, sees its signal aborted, and the others still win', async () => {
    let sawAbort = false;
    const hangs = custom('hangs', (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => ((sawAbort = true), reject(ctx.signal.reason)))));
    const deaf = custom('deaf', () => new Promise(() => {}));
    const t0 = performance.now();
    const report = await detectStack(registry(hangs, deaf, phpish), makeEnv(), at(dirs.php), { timeoutMs: 150 });
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(report.app?.plugin).toBe('phpish');
    expect(sawAbort).toBe(true);
    for (const name of ['hangs', 'deaf']) {
      expect(report.candidates.find((c) => c.plugin === name)?.error).toContain('timed out after 150 ms');
    }
  });

  it('ignores a confidence outside (0, 1], a stack the plugin does not declare, and a relative root', async () => {
    const answer = (name: string, d: Partial<Detection>) => custom(name, async () => ({ stack: name, confidence: 0.99, evidence: [], ...d }));
    const report = await detectStack(
      registry(
        answer('too-high', { confidence: 1.5 }),
        answer('negative', { confidence: -0.2 }),
        answer('zero', { confidence: 0 }),
        answer('nan', { confidence: Number.NaN }),
        answer('wrong-stack', { stack: 'something-else' }),
        answer('bad-root', { root: 'relative/path' }),
        phpish,
      ),
      makeEnv(),
      at(dirs.php),
    );
    expect(report.app?.plugin).toBe('phpish');
    expect(report.nearTies).toEqual([]);
    const errors = Object.fromEntries(report.candidates.filter((c) => c.error).map((c) => [c.plugin, c.error]));
    expect(Object.keys(errors).sort()).toEqual(['bad-root', 'nan', 'negative', 'too-high', 'wrong-stack', 'zero']);
    expect(errors['too-high']).toContain('1.5');
    expect(errors['wrong-stack']).toContain('something-else');
  });

  it('a confidence of exactly 1 is accepted', async () => {
    const sure = custom('sure', async () => ({ stack: 'sure', confidence: 1, evidence: [] }));
    expect((await detectStack(registry(sure), makeEnv(), at(dirs.empty))).app?.confidence).toBe(1);
  });

  it('a detection may name the real root: the app id and root follow it', async () => {
    const upward = custom('upward', async (ctx) => ({ stack: 'upward', confidence: 0.8, evidence: [], root: join(ctx.path, '..') }));
    const report = await detectStack(registry(upward), makeEnv(), at(join(dirs.wp, 'wp-includes')));
    expect(report.app?.root).toBe(join(dirs.wp, 'wp-includes', '..'));
    expect(report.app?.id).toBe(appIdFor('local', report.app!.root));
  });

  it('no match -> app null, every candidate listed', async () => {
    const report = await detectStack(registry(wordpressish, phpish, nodeish), makeEnv(), at(dirs.empty));
    expect(report.app).toBeNull();
    expect(report.nearTies).toEqual([]);
    expect(report.candidates).toHaveLength(3);
    expect(report.candidates.every((c) => c.detection === null && c.error === undefined)).toBe(true);
  });

  it('asks every plugin in parallel', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const slow = (name: string) =>
      custom(name, async () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((r) => setTimeout(r, 50));
        inFlight--;
        return null;
      });
    await detectStack(registry(slow('s1'), slow('s2'), slow('s3'), slow('s4')), makeEnv(), at(dirs.empty));
    expect(maxInFlight).toBe(4);
  });

  it('an outer signal already aborted asks nobody', async () => {
    let asked = 0;
    const counting = custom('counting', async () => (asked++, null));
    const report = await detectStack(registry(counting), makeEnv(), at(dirs.empty), { signal: AbortSignal.abort() });
    expect(asked).toBe(0);
    expect(report.app).toBeNull();
    expect(report.candidates[0]?.error).toContain('cancelled');
  });
});

describe('"no plugin recognized" names the detect() that failed', () => {
  it('a throwing detect() appears in the NO_STACK_DETECTED message, with its error', async () => {
    const broken = custom('broken', async () => {
      throw new Error('cannot parse site.json: Unexpected token');
    });
    const healer = createHealer({ plugins: [broken, phpish], sharedChecks: false, state: new MemoryStateStore() });
    const err = await healer.diagnose(dirs.empty).catch((e: unknown) => e);
    expect(isHealerError(err, 'NO_STACK_DETECTED')).toBe(true);
    expect((err as Error).message).toBe(
      `No enabled plugin recognized an application in ${dirs.empty} (enabled plugins: broken, phpish). detect() failed for broken: cannot parse site.json: Unexpected token.`,
    );
    await healer.close();
  });

  it('on a stock setup where no detect() fails, the message is unchanged', async () => {
    const healer = createHealer({ plugins: [phpish], sharedChecks: false, state: new MemoryStateStore() });
    const err = await healer.diagnose(dirs.empty).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`No enabled plugin recognized an application in ${dirs.empty} (enabled plugins: phpish).`);
    await healer.close();
  });
});
