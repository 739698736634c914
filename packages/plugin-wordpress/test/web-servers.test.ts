/**
 * WordPress on real web servers, healed with the `healer` CLI given only the
 * site's path: Apache with mod_php and nginx with PHP-FPM (Debian's
 * packages) on free loopback ports, a name-based virtual host whose name
 * does not resolve, WordPress's defaults (no debug log, `wp-config.php`
 * 0644, files owned by root, PHP as `www-data`). The culprit is found in the
 * virtual host's error log, discovered from the server's configuration.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createServedSite, type ServedSite } from './helpers/served-site.js';
import type { WebServerKind } from '@healer/test-utils';

/** The built CLI (run `pnpm build` first). */
const BIN = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));
const CRITICAL = 'There has been a critical error on this website.';

/** A plugin whose fatal happens two includes deep. */
const NESTED_PLUGIN = {
  main: "<?php\n/* Plugin Name: Nested Fatal */\nrequire __DIR__ . '/includes/loader.php';\n",
  files: {
    'includes/loader.php': "<?php\nfunction nested_fatal_boot() { require __DIR__ . '/deep/boom.php'; }\nnested_fatal_boot();\n",
    'includes/deep/boom.php': '<?php\nhealer_nested_undefined_function();\n',
  },
};
const HEALTHY_PLUGIN = "<?php\n/* Plugin Name: Healthy Helper */\nfunction healthy_helper() { return 1; }\n";

let site: ServedSite | undefined;
afterEach(async () => {
  await site?.stop();
  site = undefined;
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `healer ...args` in the site's folder, with only its path (and the test servers' config folders) in healer.config.json. */
async function healer(s: ServedSite, args: string[]): Promise<Run> {
  const config = join(s.dir, 'healer.config.json');
  await writeFile(config, JSON.stringify({ sharedChecks: false, apps: { [s.root]: s.appSettings } }));
  // The CLI never reads a configuration from the working folder: name it.
  const child = spawn(process.execPath, [BIN, '--config', config, ...args], { cwd: s.dir, env: { ...process.env, HEALER_HOME: join(s.dir, 'healer-home'), NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

interface DiagnoseJson {
  status: string;
  results: Array<{ id: string; status: string; message: string; details?: Record<string, unknown> }>;
}

function json<T>(run: Run): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}

async function plantNestedFatal(s: ServedSite): Promise<{ broken: string; healthy: string }> {
  const healthy = await s.addPlugin('healthy-helper', HEALTHY_PLUGIN, { activate: true });
  const broken = await s.addPlugin('nested-fatal', NESTED_PLUGIN.main, { activate: true, files: NESTED_PLUGIN.files });
  return { broken, healthy };
}

describe.each<WebServerKind>(['apache', 'nginx'])('%s: a plugin fatal in a nested include, only the path given', (kind) => {
  it('diagnose exits 2 naming the plugin from the vhost error log; heal --mode supervised -> FIXED, 200, the other plugin stays active', async () => {
    site = await createServedSite(kind);
    const { broken, healthy } = await plantNestedFatal(site);
    const page = await site.get('/');
    expect(page.status).toBe(500);
    expect(page.body).toContain(CRITICAL);

    const diagnosed = await healer(site, ['diagnose', site.root, '--json']);
    expect(diagnosed.code, diagnosed.stderr).toBe(2);
    const fatal = json<DiagnoseJson>(diagnosed).results.find((r) => r.id === 'wordpress/fatal-errors')!;
    expect(fatal.status).toBe('fail');
    expect(fatal.message).toContain('nested-fatal');
    expect(fatal.details?.['culprit']).toMatchObject({ kind: 'plugin', slug: 'nested-fatal' });
    expect(fatal.details?.['evidenceFrom']).toBe(site.errorLog);

    const healed = await healer(site, ['heal', site.root, '--mode', 'supervised', '--json']);
    const heal = json<{ state: string; attempts: Array<{ actionId: string }> }>(healed);
    expect(heal.state, healed.stdout).toBe('FIXED');
    expect(heal.attempts.map((a) => a.actionId)).toEqual(['wordpress/deactivate-plugin']);
    const after = await site.get('/');
    expect(after.status).toBe(200);
    expect(after.body).not.toContain(CRITICAL);
    const active = (await site.getOption('active_plugins')) as string[];
    expect(active).toContain(healthy);
    expect(active).not.toContain(broken);
  }, 240_000);
});

describe('apache: a child theme fatal', () => {
  it('the ladder reaches the theme rung -> FIXED, 200', async () => {
    site = await createServedSite('apache');
    await site.addTheme('broken-child', {
      'style.css': '/*\nTheme Name: Broken Child\nTemplate: twentytwentythree\n*/\n',
      'functions.php': '<?php\nhealer_child_theme_undefined();\n',
    });
    await site.setOption('template', 'twentytwentythree');
    await site.setOption('stylesheet', 'broken-child');
    expect((await site.get('/')).status).toBe(500);

    const healed = await healer(site, ['heal', site.root, '--mode', 'auto', '--json']);
    const heal = json<{ state: string; attempts: Array<{ actionId: string }> }>(healed);
    expect(heal.state, healed.stdout).toBe('FIXED');
    expect(heal.attempts.map((a) => a.actionId)).toContain('wordpress/switch-theme');
    expect((await site.get('/')).status).toBe(200);
    expect(await site.getOption('stylesheet')).not.toBe('broken-child');
  }, 240_000);
});

describe('apache: a healthy stock site, files owned by root, PHP as www-data', () => {
  it('diagnose exits <= 1; heal --mode auto leaves it answering 200 and wp-config.php readable by www-data', async () => {
    site = await createServedSite('apache');
    expect((await site.get('/')).status).toBe(200);

    const diagnosed = await healer(site, ['diagnose', site.root, '--json']);
    expect(diagnosed.code, diagnosed.stdout).toBeLessThanOrEqual(1);
    const permissions = json<DiagnoseJson>(diagnosed).results.find((r) => r.id === 'wordpress/permissions')!;
    expect(permissions.status).toBe('warn');
    expect(permissions.details?.['phpUser']).toMatchObject({ user: 'www-data' });
    expect(permissions.details?.['configFixOffered']).toBe(false);

    const healed = await healer(site, ['heal', site.root, '--mode', 'auto', '--json']);
    expect([0, 2, 5], healed.stdout).toContain(healed.code);
    expect((await site.get('/')).status).toBe(200);
    await expect(readableBy('www-data', join(site.root, 'wp-config.php'))).resolves.toBe(true);
  }, 240_000);
});

/** Whether `user` can read `path`: asked of the system, as that user. */
async function readableBy(user: string, path: string): Promise<boolean> {
  const child = spawn('runuser', ['-u', user, '--', 'test', '-r', path], { stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return code === 0;
}
