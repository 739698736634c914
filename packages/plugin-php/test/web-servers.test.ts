/**
 * The fixture app behind real web servers (Debian's packages, on free
 * loopback ports, their configuration in a temporary folder named by the
 * app setting `webServerRoots`, no `url`): Apache with mod_php, and nginx
 * with PHP-FPM. The plugin finds the address from the virtual host, the
 * log the server writes, the user PHP runs as, and judges the PHP that
 * serves (Apache's or FPM's php.ini, then the vhost's or pool's own
 * settings), not the CLI. A pool whose configuration changed after it
 * started is restarted, and its status page is read over FastCGI.
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHealer, MemoryStateStore, type CheckResultEntry, type Diagnosis } from '@healer/core';
import { startWebServer, type RunningWebServer } from '@healer/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { phpPlugin } from '../src/plugin.js';
import { createPhpApp, run, type PhpApp } from './helpers/php-app.js';

const NAME = 'php-app.invalid';
let app: PhpApp | undefined;
let server: RunningWebServer | undefined;

afterEach(async () => {
  await server?.stop();
  await app?.cleanup();
  server = undefined;
  app = undefined;
});

function healerFor(a: PhpApp, s: RunningWebServer, settings: Record<string, unknown> = {}) {
  return createHealer({
    plugins: [{ plugin: phpPlugin, config: a.config }],
    state: new MemoryStateStore(),
    sharedChecks: false,
    checkTimeoutMs: 60_000,
    apps: { [a.root]: { webServerRoots: s.roots, ...settings } },
  });
}

const result = (d: Diagnosis, id: string): CheckResultEntry => d.results.find((r) => r.id === id)!;

describe('Apache with mod_php', () => {
  it("finds the vhost's address, Apache's user and error log, and judges Apache's PHP with the vhost's settings", async () => {
    app = await createPhpApp({ vendor: true });
    server = await startWebServer({ kind: 'apache', sites: [{ serverName: NAME, docroot: app.root }] });
    await writeFile(join(app.root, 'boom.php'), '<?php\nhealer_undefined_function();\n');
    expect((await server.get(NAME, '/boom.php')).status).toBe(500);

    const healer = healerFor(app, server);
    try {
      const d = await healer.diagnose(app.root);
      const answers = result(d, 'php/app-answers');
      expect(answers.status, answers.message).toBe('pass');
      expect(answers.details).toMatchObject({ url: `http://${NAME}:${server.port}/`, connectTo: '127.0.0.1', status: 200 });
      expect(String(answers.details['urlSource'])).toContain('virtual host');

      const fatal = result(d, 'php/fatal-errors');
      expect(fatal.status, fatal.message).toBe('fail');
      expect(fatal.details).toMatchObject({ file: join(app.root, 'boom.php'), line: 2, evidenceFrom: server.errorLogOf(NAME) });

      expect(result(d, 'php/permissions').details['phpUser']).toMatchObject({ user: 'www-data' });
      const ini = result(d, 'php/ini-production');
      expect(String(ini.details['servedBy'])).toContain('Apache mod_php');
      expect(ini.details['iniFile']).toBe('/etc/php/8.2/apache2/php.ini');
      // The vhost turns OPcache off (php_admin_flag): what Apache's PHP runs with, whatever php.ini says.
      const opcache = result(d, 'php/opcache');
      expect(opcache.status, opcache.message).toBe('warn');
      expect(opcache.details).toMatchObject({ enable: 'Off' });
      expect(result(d, 'php/fpm-status').status).toBe('skip');
    } finally {
      await healer.close();
    }
  }, 120_000);
});

describe('nginx with PHP-FPM', () => {
  it("reads the pool's status over FastCGI and its display_errors; a pool changed since it started is restarted", async () => {
    app = await createPhpApp({ vendor: true });
    server = await startWebServer({
      kind: 'nginx',
      sites: [{ serverName: NAME, docroot: app.root }],
      poolSettings: { 'pm.status_path': '/fpm-status', 'php_admin_flag[display_errors]': 'on' },
    });
    expect((await server.get(NAME, '/')).status).toBe(200);
    // A fatal: PHP-FPM hands it to nginx, which writes it into the server block's error log.
    await writeFile(join(app.root, 'boom.php'), '<?php\nhealer_undefined_function();\n');
    await server.get(NAME, '/boom.php');

    const healer = healerFor(app, server);
    try {
      const d = await healer.diagnose(app.root);
      const answers = result(d, 'php/app-answers');
      expect(answers.status, answers.message).toBe('pass');
      expect(answers.details).toMatchObject({ url: `http://${NAME}:${server.port}/`, status: 200 });
      const status = result(d, 'php/fpm-status');
      expect(status.status, status.message).toBe('pass');
      expect(status.details).toMatchObject({ pool: 'www', processManager: 'static', totalProcesses: 2 });
      // The pool shows errors to visitors; FPM's php.ini (and the CLI's) do not.
      const ini = result(d, 'php/ini-production');
      expect(ini.status, ini.message).toBe('fail');
      expect(ini.details).toMatchObject({ display_errors: 'on', overrides: { display_errors: 'on' } });
      expect(ini.message).toContain('set by the pool');
      expect(result(d, 'php/fpm-config-stale').status).toBe('pass');
      expect(result(d, 'php/permissions').details['phpUser']).toMatchObject({ user: 'www-data' });
      // The version PHP-FPM itself reports.
      const fpmVersion = /^PHP (\S+)/.exec((await run('php-fpm8.2', ['-v'])).stdout)![1];
      expect(result(d, 'php/php-version')).toMatchObject({ status: 'pass', details: { version: fpmVersion, servedBy: expect.stringContaining('PHP-FPM pool www') } });
      const fatal = result(d, 'php/fatal-errors');
      expect(fatal.status, fatal.message).toBe('fail');
      expect(fatal.details).toMatchObject({ file: join(app.root, 'boom.php'), line: 2, evidenceFrom: server.errorLogOf(NAME) });

      // A person edits the pool after FPM started (in a later second than its workers).
      await new Promise((r) => setTimeout(r, 1_500));
      await appendFile(join(server.roots.phpFpmRoot!, 'pool.d/www.conf'), '; edited after the start\n');
      const stale = result(await healer.diagnose(app.root), 'php/fpm-config-stale');
      expect(stale.status, stale.message).toBe('warn');
      expect(stale.fixes).toContain('php/restart-fpm');

      const { execution } = await healer.heal(app.root, { mode: 'auto' });
      expect(execution.attempts.map((a) => [a.actionId, a.verified])).toEqual([['php/restart-fpm', true]]);
      const after = await healer.diagnose(app.root);
      expect(result(after, 'php/fpm-config-stale').status).toBe('pass');
      expect(result(after, 'php/fpm-status').status).toBe('pass');
      expect((await server.get(NAME, '/')).status).toBe(200);
    } finally {
      await healer.close();
    }
  }, 180_000);

  it('a pool whose workers hang: its status page does not answer -> restart-fpm -> it answers, and so does the app', async () => {
    app = await createPhpApp({ vendor: true });
    server = await startWebServer({ kind: 'nginx', sites: [{ serverName: NAME, docroot: app.root }], poolSettings: { 'pm.status_path': '/fpm-status' } });
    const master = (await readFile(join(server.dir, 'run/php-fpm.pid'), 'utf8')).trim();
    // Every worker stopped: requests wait in the socket's queue.
    const workers = (await run('ps', ['--ppid', master, '-o', 'pid='])).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    expect(workers).toHaveLength(2);
    await run('kill', ['-STOP', ...workers]);

    const healer = healerFor(app, server, { httpTimeoutMs: 3_000 });
    try {
      const d = await healer.diagnose(app.root);
      const status = result(d, 'php/fpm-status');
      expect(status.status, status.message).toBe('fail');
      expect(status.fixes).toContain('php/restart-fpm');
      expect(result(d, 'php/app-answers').status).toBe('fail');

      const { execution } = await healer.heal(app.root, { mode: 'auto' });
      expect(execution.state, execution.message).toBe('FIXED');
      expect(execution.attempts.map((a) => [a.actionId, a.verified])).toEqual([['php/restart-fpm', true]]);
      expect((await server.get(NAME, '/')).status).toBe(200);
    } finally {
      await healer.close();
    }
  }, 180_000);

  it("an app error (500) behind PHP-FPM is not \"fixed\" by restarting FPM", async () => {
    app = await createPhpApp({ vendor: true });
    server = await startWebServer({ kind: 'nginx', sites: [{ serverName: NAME, docroot: app.root }] });
    await writeFile(join(app.root, 'index.php'), '<?php\nhealer_undefined_function();\n');
    expect((await server.get(NAME, '/')).status).toBe(500);
    const healer = healerFor(app, server);
    try {
      const plan = await healer.plan(app.root, { mode: 'auto' });
      expect([...plan.autoHeal, ...plan.requireApproval].map((a) => a.actionId)).not.toContain('php/restart-fpm');
      expect(JSON.stringify(plan)).toContain('a restart would not help: the app itself answers HTTP 500');
    } finally {
      await healer.close();
    }
  }, 120_000);
});
