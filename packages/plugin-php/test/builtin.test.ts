/**
 * A generic PHP app served by `php -S`, with only its path given: the
 * plugin finds the address (the server's `-S`), the log (its output file,
 * through /proc), the user PHP runs as and the PHP it judges (the server's
 * own command line). A missing vendor/ is put back by `composer install`,
 * offline from the checked-in path repository and lock, the app answers
 * 200, and the rollback restores the app as it was, byte for byte.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHealer, MemoryStateStore, type CheckResultEntry, type Diagnosis } from '@healer/core';
import { hashFolder } from '@healer/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { phpPlugin } from '../src/plugin.js';
import { createPhpApp, startBuiltin, statusOf, type BuiltinServer, type PhpApp } from './helpers/php-app.js';

let app: PhpApp | undefined;
let server: BuiltinServer | undefined;

afterEach(async () => {
  await server?.stop();
  await app?.cleanup();
  server = undefined;
  app = undefined;
});

function healerFor(a: PhpApp) {
  return createHealer({ plugins: [{ plugin: phpPlugin, config: a.config }], state: new MemoryStateStore(), sharedChecks: false, checkTimeoutMs: 60_000 });
}

const result = (d: Diagnosis, id: string): CheckResultEntry => d.results.find((r) => r.id === id)!;

describe('php -S, only the path given', () => {
  it('finds the address, the log, the PHP user and the PHP that serves; names the file of a fatal error', async () => {
    app = await createPhpApp({ vendor: true });
    server = await startBuiltin(app, ['-d', 'display_errors=1']);
    await writeFile(join(app.root, 'boom.php'), '<?php\nhealer_undefined_function();\n');
    // display_errors on: the visitor gets the error itself (PHP then answers 200).
    expect(await fetch(`${server.url}boom.php`).then((r) => r.text())).toContain('Call to undefined function healer_undefined_function()');

    const healer = healerFor(app);
    try {
      const detected = await healer.detect(app.root);
      expect(detected.app).toMatchObject({ plugin: 'php', stack: 'php', confidence: 0.7 });
      const d = await healer.diagnose(app.root);
      const answers = result(d, 'php/app-answers');
      expect(answers.status, answers.message).toBe('pass');
      expect(answers.details).toMatchObject({ url: server.url, status: 200 });
      expect(String(answers.details['urlSource'])).toContain('php -S');

      const fatal = result(d, 'php/fatal-errors');
      expect(fatal.status, fatal.message).toBe('fail');
      expect(fatal.details).toMatchObject({ file: join(app.root, 'boom.php'), line: 2, evidenceFrom: server.log });
      expect(fatal.message).toContain(join(app.root, 'boom.php'));

      // The server's own -d display_errors=1 is what visitors get, whatever the CLI's php.ini says.
      const ini = result(d, 'php/ini-production');
      expect(ini.status, ini.message).toBe('fail');
      expect(ini.details).toMatchObject({ display_errors: '1', overrides: { display_errors: '1' } });
      expect(String(ini.details['servedBy'])).toContain(`php -S 127.0.0.1:${server.port}`);

      const perms = result(d, 'php/permissions');
      expect(perms.status, perms.message).toBe('pass');
      expect(perms.details['phpUser']).toMatchObject({ user: 'root' });
      expect(String((perms.details['phpUser'] as { source: string }).source)).toContain('php -S');

      for (const id of ['php/php-version', 'php/extensions', 'php/composer-lock', 'php/vendor']) expect(result(d, id).status, `${id}: ${result(d, id).message}`).toBe('pass');
      expect(result(d, 'php/fpm-status').status).toBe('skip');
    } finally {
      await healer.close();
    }
  }, 120_000);

  it('vendor/ missing -> composer install offline -> 200 -> rollback restores the app byte for byte', async () => {
    app = await createPhpApp({ vendor: false });
    server = await startBuiltin(app);
    expect(await statusOf(server.url)).toBe(500);
    const before = await hashFolder(app.root);

    const healer = healerFor(app);
    try {
      const d = await healer.diagnose(app.root);
      const vendor = result(d, 'php/vendor');
      expect(vendor.status, vendor.message).toBe('fail');
      expect(vendor.fixes).toContain('php/composer-install');
      expect(result(d, 'php/app-answers')).toMatchObject({ status: 'fail', details: { status: 500 } });

      const { execution } = await healer.heal(app.root, { mode: 'auto' });
      expect(execution.state, execution.message).toBe('FIXED');
      expect(execution.attempts.map((a) => a.actionId)).toEqual(['php/composer-install']);
      expect(await statusOf(server.url)).toBe(200);
      expect(await fetch(server.url).then((r) => r.text())).toContain('Hello, healer!');

      const back = await healer.rollback(execution.executionId);
      expect(back.state, back.message).toBe('ROLLED_BACK');
      expect(await hashFolder(app.root)).toBe(before);
      expect(await statusOf(server.url)).toBe(500);
    } finally {
      await healer.close();
    }
  }, 180_000);

  it('a stale lock is named by its content-hash and not "fixed" by an install', async () => {
    app = await createPhpApp({ vendor: true });
    const path = join(app.root, 'composer.json');
    const { readFile } = await import('node:fs/promises');
    await writeFile(path, (await readFile(path, 'utf8')).replace('"php": ">=8.1"', '"php": ">=8.1.1"'));
    await rm(join(app.root, 'index.php'));
    const healer = healerFor(app);
    try {
      const d = await healer.diagnose(app.root);
      const lock = result(d, 'php/composer-lock');
      expect(lock.status, lock.message).toBe('fail');
      expect(lock.message).toContain('out of step');
      expect(lock.fixes).toEqual([]);
      // No address: nothing serves it; the CLI's php.ini says nothing of a serving PHP, so it is not judged.
      expect(result(d, 'php/app-answers').status).toBe('skip');
      expect(result(d, 'php/ini-production')).toMatchObject({ status: 'skip', details: { servedBy: 'PHP CLI (php)' } });
      expect(result(d, 'php/opcache').status).toBe('skip');
    } finally {
      await healer.close();
    }
  }, 120_000);

  it('requirements the serving PHP does not meet: the PHP version and a missing extension, named', async () => {
    app = await createPhpApp({ vendor: true });
    const path = join(app.root, 'composer.json');
    const { readFile } = await import('node:fs/promises');
    await writeFile(path, (await readFile(path, 'utf8')).replace('"php": ">=8.1"', '"php": "^7.4 || ~9.0", "ext-healer_missing": "*"'));
    server = await startBuiltin(app);
    const healer = healerFor(app);
    try {
      const d = await healer.diagnose(app.root);
      const version = result(d, 'php/php-version');
      expect(version.status, version.message).toBe('fail');
      expect(version.details).toMatchObject({ required: '^7.4 || ~9.0' });
      expect(String(version.details['servedBy'])).toContain('php -S');
      const ext = result(d, 'php/extensions');
      expect(ext.status, ext.message).toBe('fail');
      expect(ext.details['missing']).toEqual([{ extension: 'healer_missing', requiredBy: 'composer.json' }]);
      // json is loaded: only the missing one is named.
      expect(ext.message).not.toContain('ext-json');
    } finally {
      await healer.close();
    }
  }, 120_000);
});
