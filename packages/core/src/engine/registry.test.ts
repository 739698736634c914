import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlugin, withOnlyChecks, type DetectContext, type HealingAction, type PluginDefinition } from '../contract/plugin.js';
import { createFacts } from '../checks/facts.js';
import { isHealerError, type HealerError } from '../errors.js';
import { LocalExecutor } from '../exec/local-executor.js';
import { Redactor } from '../redact.js';
import { detectStack } from './detector.js';
import { PluginRegistry } from './registry.js';
import type { RunEnv } from './context.js';

/** A minimal valid plugin named `name`, detecting a folder holding `<name>.marker`. */
function plugin(name: string, extra: Partial<PluginDefinition> = {}): PluginDefinition {
  return definePlugin({
    name,
    version: '1.2.3',
    engines: { core: '^1.0.0' },
    stacks: [name],
    signatures: [`${name}.marker`],
    async detect(ctx: DetectContext) {
      return (await ctx.fs.exists(`${ctx.path}/${name}.marker`)) ? { stack: name, confidence: 0.8, evidence: ['marker'] } : null;
    },
    checks: [{ id: `${name}/ok`, title: 'ok', category: 'system', severity: 'low', run: async () => ({ status: 'pass', message: 'ok' }) }],
    actions: [],
    ...extra,
  });
}

function action(id: string, risk: HealingAction['risk'], extra: Partial<HealingAction> = {}): HealingAction {
  return { id, title: id, risk, fixes: [id.replace(/\/.*/, '/ok')], plan: () => [], ...extra };
}

/** Run `fn`, expect it to throw a HealerError, return it. */
function thrown(fn: () => unknown): HealerError {
  try {
    fn();
  } catch (e) {
    if (isHealerError(e)) return e;
    throw new Error(`expected a HealerError, got ${String(e)}`);
  }
  throw new Error('expected a throw, nothing was thrown');
}

describe('PluginRegistry: engines.core', () => {
  it('refuses a plugin whose engines.core does not cover this core, with PLUGIN_VERSION_MISMATCH', () => {
    const registry = new PluginRegistry({ coreVersion: '1.4.0' });
    const err = thrown(() => registry.register(plugin('future', { engines: { core: '^2.0.0' } })));
    expect(isHealerError(err, 'PLUGIN_VERSION_MISMATCH')).toBe(true);
    expect(err.message).toContain('^2.0.0');
    expect(err.message).toContain('1.4.0');
    expect(err.details).toMatchObject({ plugin: 'future', required: '^2.0.0', actual: '1.4.0' });
    expect(registry.list()).toHaveLength(0);
  });

  it('accepts a range that covers this core', () => {
    const registry = new PluginRegistry({ coreVersion: '1.4.0' });
    registry.register(plugin('current', { engines: { core: '>=1.2 <2' } }));
    expect(registry.get('current')?.enabled).toBe(true);
  });

  it('refuses a malformed range as an invalid plugin', () => {
    const err = thrown(() => new PluginRegistry().register(plugin('odd', { engines: { core: 'not a range' } })));
    expect(err.code).toBe('PLUGIN_INVALID');
    expect(err.message).toContain('engines.core');
  });
});

describe('PluginRegistry: configuration', () => {
  const configSchema = z.object({
    url: z.url(),
    retries: z.number().int().min(0).default(2),
    nested: z.object({ port: z.number().int().max(65535) }).default({ port: 80 }),
  });
  const configured = (): PluginDefinition => plugin('conf', { configSchema }) as PluginDefinition;

  it('applies the schema: parsed output with defaults is what the registry holds', () => {
    const registry = new PluginRegistry();
    registry.register({ plugin: configured(), config: { url: 'https://example.test/' } });
    expect(registry.get('conf')?.config).toEqual({ url: 'https://example.test/', retries: 2, nested: { port: 80 } });
  });

  it('reports EVERY invalid field at once with PLUGIN_CONFIG_INVALID', () => {
    const registry = new PluginRegistry();
    const err = thrown(() => registry.register({ plugin: configured(), config: { url: 'not a url', retries: -1, nested: { port: 70000 } } }));
    expect(isHealerError(err, 'PLUGIN_CONFIG_INVALID')).toBe(true);
    for (const path of ['url', 'retries', 'nested.port']) expect(err.message).toContain(`${path}:`);
    const issues = err.details?.issues as string[];
    expect(issues).toHaveLength(3);
    expect(issues.map((i) => i.split(':')[0]).sort()).toEqual(['nested.port', 'retries', 'url']);
    expect(registry.get('conf')).toBeUndefined();
  });

  it('validates a missing config against the schema (a required field missing is an error)', () => {
    const err = thrown(() => new PluginRegistry().register(configured()));
    expect(err.code).toBe('PLUGIN_CONFIG_INVALID');
    expect(err.message).toContain('url:');
  });

  it('configure() validates, and keeps the old configuration when the new one is invalid', () => {
    const registry = new PluginRegistry();
    registry.register({ plugin: configured(), config: { url: 'https://a.test/', retries: 5 } });
    const before = registry.get('conf')?.config;
    const err = thrown(() => registry.configure('conf', { url: 'nope', retries: 'x' }));
    expect(err.code).toBe('PLUGIN_CONFIG_INVALID');
    expect(err.details?.issues).toHaveLength(2);
    expect(registry.get('conf')?.config).toBe(before);
    registry.configure('conf', { url: 'https://b.test/' });
    expect(registry.get('conf')?.config).toEqual({ url: 'https://b.test/', retries: 2, nested: { port: 80 } });
  });

  it('configure() of an unknown plugin is PLUGIN_NOT_FOUND naming the registered ones', () => {
    const registry = new PluginRegistry();
    registry.register(plugin('one'));
    const err = thrown(() => registry.configure('two', {}));
    expect(err.code).toBe('PLUGIN_NOT_FOUND');
    expect(err.message).toContain('one');
  });
});

describe('PluginRegistry: duplicates and ids', () => {
  it('refuses a second plugin with the same name', () => {
    const registry = new PluginRegistry();
    registry.register(plugin('twin'));
    const err = thrown(() => registry.register(plugin('twin')));
    expect(isHealerError(err, 'PLUGIN_DUPLICATE')).toBe(true);
    expect(registry.list()).toHaveLength(1);
  });

  it('refuses a plugin that reuses a check id of another plugin, naming its owner', () => {
    const registry = new PluginRegistry();
    registry.register(plugin('first'));
    const copy = plugin('second', {
      checks: [{ id: 'first/ok', title: 'copied', category: 'system', severity: 'low', run: async () => ({ status: 'pass', message: '' }) }],
    });
    const err = thrown(() => registry.register(copy));
    expect(isHealerError(err, 'PLUGIN_DUPLICATE')).toBe(true);
    expect(err.message).toContain('"first/ok"');
    expect(err.message).toContain('"first"');
    expect(registry.get('second')).toBeUndefined();
  });

  it('refuses a plugin that reuses an action id of another plugin', () => {
    const registry = new PluginRegistry();
    registry.register(plugin('first', { actions: [action('first/fix', 'low')] }));
    const err = thrown(() => registry.register(plugin('second', { actions: [action('first/fix', 'low', { fixes: ['second/ok'] })] })));
    expect(err.code).toBe('PLUGIN_DUPLICATE');
    expect(err.message).toContain('"first/fix"');
  });

  it('refuses the name "core": the shared checks own that namespace', () => {
    const err = thrown(() =>
      new PluginRegistry().register(
        plugin('core', {
          checks: [{ id: 'core/disk-space', title: 'x', category: 'system', severity: 'low', run: async () => ({ status: 'pass', message: '' }) }],
        }),
      ),
    );
    expect(err.code).toBe('PLUGIN_DUPLICATE');
    expect(err.message).toContain('core');
  });

  it('refuses an id declared twice inside one plugin', () => {
    const err = thrown(() => new PluginRegistry().register(plugin('dbl', { actions: [action('dbl/ok', 'low')] })));
    expect(err.code).toBe('PLUGIN_INVALID');
    expect(err.message).toContain('"dbl/ok" is declared twice');
  });

  it('refuses un-namespaced and badly formed ids, listing all of them', () => {
    const bad = plugin('ns', {
      checks: [
        { id: 'no-namespace', title: '', category: 'system', severity: 'low', run: async () => ({ status: 'pass', message: '' }) },
        { id: 'ns/Upper_Case', title: '', category: 'system', severity: 'low', run: async () => ({ status: 'pass', message: '' }) },
      ],
      actions: [action('elsewhere/fix', 'low', { fixes: ['ns/Upper_Case'] })],
    });
    const err = thrown(() => new PluginRegistry().register(bad));
    expect(err.code).toBe('PLUGIN_INVALID');
    for (const id of ['no-namespace', 'ns/Upper_Case', 'elsewhere/fix']) expect(err.message).toContain(JSON.stringify(id));
    expect(err.details?.problems).toHaveLength(3);
  });
});

describe('PluginRegistry: action safety', () => {
  const withBackupAndRollback = { backup: { paths: ['data'] }, rollback: async () => {} };

  for (const risk of ['medium', 'high', 'critical'] as const) {
    it(`refuses a ${risk} action without a backup (ACTION_UNSAFE)`, () => {
      const err = thrown(() =>
        new PluginRegistry().register(plugin('risky', { actions: [action('risky/fix', risk, { rollback: async () => {} })] })),
      );
      expect(isHealerError(err, 'ACTION_UNSAFE')).toBe(true);
      expect(err.message).toContain(`"risky/fix" is ${risk} risk`);
    });

    it(`refuses a ${risk} action without a rollback (ACTION_UNSAFE)`, () => {
      const err = thrown(() =>
        new PluginRegistry().register(plugin('risky', { actions: [action('risky/fix', risk, { backup: { paths: ['data'] } })] })),
      );
      expect(err.code).toBe('ACTION_UNSAFE');
    });

    it(`accepts a ${risk} action with both`, () => {
      const registry = new PluginRegistry();
      registry.register(plugin('risky', { actions: [action('risky/fix', risk, withBackupAndRollback)] }));
      expect(registry.findAction('risky/fix')?.action.risk).toBe(risk);
    });
  }

  it('accepts a low action without backup or rollback', () => {
    const registry = new PluginRegistry();
    registry.register(plugin('gentle', { actions: [action('gentle/fix', 'low')] }));
    expect(registry.findAction('gentle/fix')?.entry.plugin.name).toBe('gentle');
  });

  it('refuses an unknown risk', () => {
    const err = thrown(() =>
      new PluginRegistry().register(plugin('odd', { actions: [action('odd/fix', 'extreme' as never, withBackupAndRollback)] })),
    );
    expect(err.code).toBe('PLUGIN_INVALID');
    expect(err.message).toContain('"extreme"');
  });

  it('refuses a backup part the plugin does not define, and accepts one it does', () => {
    const part = { name: 'database', create: async () => ({ files: [] }), restore: async () => {} } as never;
    const uses = (parts: string[]) => [action('db/fix', 'medium', { backup: { paths: [], parts }, rollback: async () => {} })];
    const err = thrown(() => new PluginRegistry().register(plugin('db', { actions: uses(['options']), backup: { parts: [part] } })));
    expect(err.code).toBe('PLUGIN_INVALID');
    expect(err.message).toContain('part "options"');
    const registry = new PluginRegistry();
    registry.register(plugin('db', { actions: uses(['database']), backup: { parts: [part] } }));
    expect(registry.get('db')).toBeDefined();
  });

  it('reports an unsafe action together with other problems in one error', () => {
    const err = thrown(() =>
      new PluginRegistry().register(plugin('many', { version: 'x', actions: [action('many/fix', 'high')] })),
    );
    expect(err.details?.problems).toHaveLength(2);
    expect(err.message).toContain('version must be semver');
    expect(err.message).toContain('must declare a backup and a rollback');
  });
});

describe('PluginRegistry: fixes, severities and categories', () => {
  it('refuses an action whose fixes names a check that does not exist, and registers nothing', () => {
    const registry = new PluginRegistry();
    const err = thrown(() => registry.register(plugin('typo', { actions: [action('typo/fix', 'low', { fixes: ['typo/okk'] })] })));
    expect(err.code).toBe('PLUGIN_INVALID');
    expect(err.message).toContain('"typo/fix" fixes "typo/okk"');
    expect(registry.list()).toHaveLength(0);
  });

  it("refuses fixes naming another plugin's check", () => {
    const registry = new PluginRegistry();
    registry.register(plugin('first'));
    const err = thrown(() => registry.register(plugin('second', { actions: [action('second/fix', 'low', { fixes: ['first/ok'] })] })));
    expect(err.message).toContain('"first/ok"');
    expect(registry.get('second')).toBeUndefined();
  });

  it('withOnlyChecks keeps the named checks, trims fixes to them and drops actions left with none, so the subset registers', () => {
    const full = plugin('part', {
      checks: [
        { id: 'part/a', title: 'a', category: 'system', severity: 'low', run: async () => ({ status: 'pass', message: '' }) },
        { id: 'part/b', title: 'b', category: 'system', severity: 'low', run: async () => ({ status: 'pass', message: '' }) },
      ],
      actions: [action('part/fix-both', 'low', { fixes: ['part/a', 'part/b', 'core/disk-space'] }), action('part/fix-b', 'low', { fixes: ['part/b'] })],
    });
    // Filtering the checks by hand leaves fixes naming a check that is gone: refused.
    expect(thrown(() => new PluginRegistry().register({ ...full, checks: full.checks.filter((c) => c.id === 'part/a') })).code).toBe('PLUGIN_INVALID');
    const registry = new PluginRegistry();
    registry.register(withOnlyChecks(full, ['part/a']));
    expect(registry.findAction('part/fix-both')?.action.fixes).toEqual(['part/a', 'core/disk-space']);
    expect(registry.findAction('part/fix-b')).toBeUndefined();
  });

  it('accepts fixes naming its own checks and the shared core/ checks', () => {
    const registry = new PluginRegistry();
    registry.register(plugin('fine', { actions: [action('fine/fix', 'low', { fixes: ['fine/ok', 'core/disk-space'] })] }));
    expect(registry.findAction('fine/fix')?.action.fixes).toEqual(['fine/ok', 'core/disk-space']);
  });

  it('refuses an unknown severity and an unknown category, naming the accepted values', () => {
    const registry = new PluginRegistry();
    const check = { id: 'odd/ok', title: 'ok', category: 'speed', severity: 'urgent', run: async () => ({ status: 'pass', message: 'ok' }) };
    const err = thrown(() => registry.register(plugin('odd', { checks: [check as never] })));
    expect(err.code).toBe('PLUGIN_INVALID');
    expect(err.message).toContain('unknown severity "urgent" (one of: info, low, medium, high, critical)');
    expect(err.message).toContain('unknown category "speed"');
    expect(err.details?.problems).toHaveLength(2);
    expect(registry.list()).toHaveLength(0);
  });
});

describe('PluginRegistry: enable and disable at runtime', () => {
  let root: string;
  const env = (): RunEnv => {
    const exec = new LocalExecutor();
    return {
      exec,
      facts: createFacts(exec),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      redactor: new Redactor(),
      backupRootFor: (r) => join(r, '..', '.healer-backups'),
    };
  };

  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'healer-registry-')));
    await writeFile(join(root, 'alpha.marker'), '');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('a disabled plugin is not asked by detectStack; enabling it again brings it back', async () => {
    const registry = new PluginRegistry();
    registry.register(plugin('alpha'));
    const target = { host: 'local', path: root };
    expect((await detectStack(registry, env(), target)).app?.plugin).toBe('alpha');

    registry.disable('alpha');
    expect(registry.enabled()).toHaveLength(0);
    expect(registry.list()[0]?.enabled).toBe(false);
    const off = await detectStack(registry, env(), target);
    expect(off.app).toBeNull();
    expect(off.candidates).toHaveLength(0);

    registry.enable('alpha');
    expect((await detectStack(registry, env(), target)).app?.plugin).toBe('alpha');
  });

  it('a plugin can be registered disabled', () => {
    const registry = new PluginRegistry();
    registry.register({ plugin: plugin('later'), enabled: false });
    expect(registry.enabled()).toHaveLength(0);
    expect(registry.get('later')?.enabled).toBe(false);
  });

  it('enable/disable of an unknown plugin is PLUGIN_NOT_FOUND', () => {
    const registry = new PluginRegistry();
    expect(thrown(() => registry.enable('ghost')).code).toBe('PLUGIN_NOT_FOUND');
    expect(thrown(() => registry.disable('ghost')).code).toBe('PLUGIN_NOT_FOUND');
  });
});
