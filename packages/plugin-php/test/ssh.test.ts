/**
 * Over SSH: the fixture app behind a `php -S` server, vendor/ missing, found
 * and healed through SshExecutor to a real sshd on loopback (every probe,
 * log read and the offline `composer install` run in the remote shell),
 * then rolled back.
 */
import { createHealer, MemoryStateStore, SshExecutor } from '@healer/core';
import { hashFolder, sshOptions, startSshd, type RunningSshd } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phpPlugin } from '../src/plugin.js';
import { createPhpApp, startBuiltin, statusOf, type BuiltinServer, type PhpApp } from './helpers/php-app.js';

let sshd: RunningSshd;
let app: PhpApp;
let server: BuiltinServer;

beforeAll(async () => {
  [sshd, app] = await Promise.all([startSshd(), createPhpApp({ vendor: false })]);
  server = await startBuiltin(app);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await app?.cleanup();
  await sshd?.stop();
});

describe('PHP over SSH', () => {
  it('vendor/ missing: found from the path alone, composer install -> FIXED, 200; rollback restores the app', async () => {
    const executor = new SshExecutor(sshOptions(sshd));
    const healer = createHealer({ plugins: [{ plugin: phpPlugin, config: app.config }], executor, state: new MemoryStateStore(), sharedChecks: false, checkTimeoutMs: 60_000 });
    try {
      const before = await hashFolder(app.root);
      const d = await healer.diagnose(app.root);
      expect(d.transport).toMatchObject({ kind: 'ssh' });
      expect(d.results.find((r) => r.id === 'php/vendor')).toMatchObject({ status: 'fail', fixes: ['php/composer-install'] });
      const answers = d.results.find((r) => r.id === 'php/app-answers')!;
      expect(answers).toMatchObject({ status: 'fail', details: { url: server.url, status: 500 } });
      expect(String(answers.details['urlSource'])).toContain('php -S');

      const { execution } = await healer.heal(app.root, { mode: 'auto' });
      expect(execution.state, execution.message).toBe('FIXED');
      expect(execution.target.host).toMatch(/^ssh:\/\//);
      expect(execution.attempts).toMatchObject([{ actionId: 'php/composer-install', verified: true }]);
      expect(await statusOf(server.url)).toBe(200);

      const back = await healer.rollback(execution.executionId);
      expect(back.state, back.message).toBe('ROLLED_BACK');
      expect(await hashFolder(app.root)).toBe(before);
    } finally {
      await healer.close();
      await executor.close();
    }
  }, 300_000);
});
