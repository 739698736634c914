/**
 * Permissions under Apache (PHP as www-data, files owned by root): the fix
 * removes what every local user may do without taking PHP's own access: an
 * upload folder PHP writes only because it is world-writable goes to PHP's
 * group first, and so does a `.env` PHP reads only as "others". PHP still
 * writes and reads after the heal; the rollback restores every mode and group.
 */
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHealer, MemoryStateStore } from '@healer/core';
import { hashFolder, startWebServer, type RunningWebServer } from '@healer/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { phpPlugin } from '../src/plugin.js';
import { createPhpApp, type PhpApp } from './helpers/php-app.js';

const NAME = 'php-app.invalid';
const WWW_DATA_GID = Number(execFileSync('id', ['-g', 'www-data']).toString().trim());
let app: PhpApp | undefined;
let server: RunningWebServer | undefined;

afterEach(async () => {
  await server?.stop();
  await app?.cleanup();
  server = undefined;
  app = undefined;
});

/** A script that writes into uploads/ and reads .env, as the app would. */
const PROBE = "<?php\n$ok = file_put_contents(__DIR__ . '/uploads/probe-' . getmypid() . '.txt', 'x') !== false && str_contains((string) @file_get_contents(__DIR__ . '/.env'), 'APP_SECRET');\nhttp_response_code($ok ? 200 : 500);\necho $ok ? 'ok' : 'denied';\n";

describe('php/fix-permissions keeps PHP working', () => {
  it('world-writable uploads/ and a world-readable .env -> PHP\'s group, 0775 and 0640 -> PHP still writes and reads -> rollback restores', async () => {
    app = await createPhpApp({ vendor: true });
    await mkdir(join(app.root, 'uploads'));
    await chmod(join(app.root, 'uploads'), 0o777);
    await writeFile(join(app.root, '.env'), 'APP_SECRET=not-for-others\n');
    await chmod(join(app.root, '.env'), 0o644);
    await writeFile(join(app.root, 'probe.php'), PROBE);
    server = await startWebServer({ kind: 'apache', sites: [{ serverName: NAME, docroot: app.root }] });
    expect(await server.get(NAME, '/probe.php')).toMatchObject({ status: 200, body: 'ok' });
    const healer = createHealer({ plugins: [{ plugin: phpPlugin, config: app.config }], state: new MemoryStateStore(), sharedChecks: false, apps: { [app.root]: { webServerRoots: server.roots } } });
    try {
      const d = await healer.diagnose(app.root);
      const perms = d.results.find((r) => r.id === 'php/permissions')!;
      expect(perms.status, perms.message).toBe('fail');
      expect(perms.details).toMatchObject({ worldWritable: ['uploads'], readableSecrets: ['.env'], phpUser: { user: 'www-data' } });
      // The probe wrote a file: the folder's content is part of what the rollback must leave as it finds it.
      const before = await hashFolder(app.root);

      const plan = await healer.plan(app.root, { mode: 'auto' });
      const steps = [...plan.autoHeal, ...plan.requireApproval].find((a) => a.actionId === 'php/fix-permissions')!.steps.map((s) => s.display).join('\n');
      expect(steps).toContain(`chgrp -- ${WWW_DATA_GID}`);

      const { execution } = await healer.heal(app.root, { mode: 'auto' });
      expect(execution.state, execution.message).toBe('FIXED');
      const uploads = await stat(join(app.root, 'uploads'));
      const env = await stat(join(app.root, '.env'));
      expect([uploads.mode & 0o7777, uploads.gid]).toEqual([0o775, WWW_DATA_GID]);
      expect([env.mode & 0o7777, env.gid]).toEqual([0o640, WWW_DATA_GID]);
      expect(await server.get(NAME, '/probe.php')).toMatchObject({ status: 200, body: 'ok' });

      const back = await healer.rollback(execution.executionId);
      expect(back.state, back.message).toBe('ROLLED_BACK');
      expect((await stat(join(app.root, 'uploads'))).mode & 0o7777).toBe(0o777);
      expect((await stat(join(app.root, '.env'))).gid).toBe(0);
      expect(await hashFolder(app.root)).toBe(before);
    } finally {
      await healer.close();
    }
  }, 120_000);
});
