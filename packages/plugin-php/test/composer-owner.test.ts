/**
 * Who owns what `composer install` leaves, when Healer runs as root on an
 * app owned by another user (here www-data): by default the new vendor/ is
 * given to the app folder's owner; with `composerUser`, Composer itself
 * runs as that user. The rollback puts the app back either way.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createHealer, MemoryStateStore } from '@healer/core';
import { hashFolder } from '@healer/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { phpPlugin } from '../src/plugin.js';
import { createPhpApp, run, type PhpApp } from './helpers/php-app.js';

const WWW = Number((await run('id', ['-u', 'www-data'])).stdout.trim());
let app: PhpApp | undefined;
afterEach(async () => {
  await app?.cleanup();
  app = undefined;
});

async function ownedByWww(a: PhpApp): Promise<void> {
  await run('chown', ['-R', `${WWW}:${WWW}`, a.root, a.config.composerEnv['COMPOSER_HOME']!]);
}

async function healAndRollBack(a: PhpApp, config: Record<string, unknown>): Promise<string[]> {
  const before = await hashFolder(a.root);
  const healer = createHealer({ plugins: [{ plugin: phpPlugin, config: { ...a.config, ...config } }], state: new MemoryStateStore(), sharedChecks: false });
  try {
    const plan = await healer.plan(a.root, { mode: 'auto' });
    const steps = plan.autoHeal.find((p) => p.actionId === 'php/composer-install')!.steps.map((s) => s.display);
    const { execution } = await healer.heal(a.root, { mode: 'auto' });
    expect(execution.state, execution.message).toBe('FIXED');
    const autoload = await stat(join(a.root, 'vendor/autoload.php'));
    const vendor = await stat(join(a.root, 'vendor/healer-fixtures/greeter/src/Greeter.php'));
    expect([autoload.uid, vendor.uid, vendor.gid]).toEqual([WWW, WWW, WWW]);
    expect((await healer.rollback(execution.executionId)).state).toBe('ROLLED_BACK');
    expect(await hashFolder(a.root)).toBe(before);
    return steps;
  } finally {
    await healer.close();
  }
}

describe('composer install on an app owned by another user', () => {
  it('by default: Composer as Healer, then vendor/ given to the owner of the app folder', async () => {
    app = await createPhpApp({ vendor: false });
    await ownedByWww(app);
    const steps = await healAndRollBack(app, {});
    expect(steps.join('\n')).toContain(`chown -R --no-dereference ${WWW}:${WWW}`);
  }, 120_000);

  it('with composerUser: Composer runs as that user', async () => {
    app = await createPhpApp({ vendor: false });
    await ownedByWww(app);
    const steps = await healAndRollBack(app, { composerUser: 'www-data' });
    expect(steps.join('\n')).toContain('runuser -u www-data --');
    expect(steps.join('\n')).not.toContain('chown');
  }, 120_000);
});
