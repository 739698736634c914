/**
 * A framework plugin built from this package's exports only, as the Laravel
 * plugin is meant to be: its own name, config extending the runtime shape,
 * the PHP checks and actions renamed into its namespace. It registers, and
 * heals the fixture app (vendor/ missing) with its renamed composer install.
 */
import { createHealer, definePlugin, MemoryStateStore } from '@healer/core';
import { hashFolder } from '@healer/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { actionInNamespace, checkInNamespace, detectPhpApp, phpActions, phpChecks, phpRuntimeConfigShape, type PhpAppMeta } from '../src/index.js';
import { createPhpApp, type PhpApp } from './helpers/php-app.js';

const frameworkConfig = z.object({ ...phpRuntimeConfigShape, queue: z.string().default('default') });

const framework = definePlugin<typeof frameworkConfig, PhpAppMeta>({
  name: 'framework',
  version: '0.0.1',
  engines: { core: '^1.0.0' },
  stacks: ['framework'],
  signatures: ['composer.json'],
  configSchema: frameworkConfig,
  async detect(ctx) {
    const d = await detectPhpApp(ctx);
    return d ? { ...d, stack: 'framework', confidence: 0.9 } : null;
  },
  checks: phpChecks.map((c) => checkInNamespace(c, 'framework')),
  actions: phpActions.map((a) => actionInNamespace(a, 'framework')),
});

let app: PhpApp | undefined;
afterEach(async () => {
  await app?.cleanup();
  app = undefined;
});

describe('reusing the PHP checks and actions in a framework plugin', () => {
  it('renames ids and fixes, registers, and heals with the renamed action; rollback restores', async () => {
    expect(framework.checks.every((c) => c.id.startsWith('framework/'))).toBe(true);
    expect(framework.actions.find((a) => a.id === 'framework/composer-install')!.fixes).toEqual(['framework/vendor', 'framework/app-answers', 'framework/fatal-errors']);
    app = await createPhpApp({ vendor: false });
    const before = await hashFolder(app.root);
    const healer = createHealer({ plugins: [{ plugin: framework, config: app.config }], state: new MemoryStateStore(), sharedChecks: false });
    try {
      const d = await healer.diagnose(app.root);
      expect(d.results.find((r) => r.id === 'framework/vendor')).toMatchObject({ status: 'fail', fixes: ['framework/composer-install'] });
      const { execution } = await healer.heal(app.root, { mode: 'auto' });
      expect(execution.state, execution.message).toBe('FIXED');
      expect(execution.attempts.map((a) => a.actionId)).toEqual(['framework/composer-install']);
      expect((await healer.rollback(execution.executionId)).state).toBe('ROLLED_BACK');
      expect(await hashFolder(app.root)).toBe(before);
    } finally {
      await healer.close();
    }
  }, 120_000);
});
