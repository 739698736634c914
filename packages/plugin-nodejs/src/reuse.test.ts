import { createHealer } from '@healer/core';
import { testdir } from '@healer/test-utils';
import { describe, expect, it } from 'vitest';
import { definePlugin } from '@healer/core';
import { nodejsConfigSchema } from './config.js';
import { dependenciesInstalledCheck, nodeEngineCheck } from './checks/index.js';
import { reinstallDependenciesAction } from './actions/index.js';
import { readNodeApp, readPackageJson } from './detect.js';
import { nodejsPlugin } from './plugin.js';
import { actionInNamespace, checkInNamespace } from './reuse.js';

describe('reusing the Node checks and actions in another plugin', () => {
  it('renames ids and the ids results point at, and registers beside the Node plugin', async () => {
    const dir = await testdir({ 'package.json': JSON.stringify({ name: 'web', dependencies: { next: '15.0.0' } }), 'package-lock.json': '{}' });
    const other = definePlugin({
      name: 'nextlike',
      version: '1.0.0',
      engines: { core: '^1.0.0' },
      stacks: ['nextlike'],
      signatures: ['package.json'],
      configSchema: nodejsConfigSchema,
      async detect(ctx) {
        const pkg = await readPackageJson(ctx.fs, ctx.path);
        if (!pkg) return null;
        return { stack: 'nextlike', confidence: 0.9, evidence: ['package.json'], metadata: { ...(await readNodeApp(ctx, ctx.path, pkg)) } };
      },
      checks: [checkInNamespace(dependenciesInstalledCheck, 'nextlike'), checkInNamespace(nodeEngineCheck, 'nextlike')],
      actions: [actionInNamespace(reinstallDependenciesAction, 'nextlike')],
    });
    expect(other.actions[0]!.fixes).toEqual(['nextlike/dependencies-installed']);
    const healer = createHealer({ plugins: [{ plugin: nodejsPlugin, config: {} }, { plugin: other, config: {} }], sharedChecks: false });
    try {
      const d = await healer.diagnose(dir.path, { plugin: 'nextlike' });
      const deps = d.results.find((r) => r.id === 'nextlike/dependencies-installed')!;
      expect(deps.status).toBe('fail');
      expect(deps.fixes).toEqual(['nextlike/reinstall-dependencies']);
      expect(d.results.find((r) => r.id === 'nextlike/node-engine')?.status).toBe('pass');
    } finally {
      await healer.close();
      await dir.cleanup();
    }
  });
});

describe('nodejsConfigSchema', () => {
  it('refuses process names that read as options', () => {
    expect(nodejsConfigSchema.safeParse({ pm2Name: '--delete-all' }).success).toBe(false);
    expect(nodejsConfigSchema.safeParse({ systemdUnit: '-H evil' }).success).toBe(false);
    expect(nodejsConfigSchema.safeParse({ pm2Name: 'api', systemdUnit: 'api.service' }).success).toBe(true);
  });
});
