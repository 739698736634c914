/**
 * The load probe alone: a stock site (no debug log, no PHP error log known to
 * Healer, nothing configured but the plugin itself) with a fatal error in each
 * place WordPress loads code from. wordpress/fatal-errors must name the culprit
 * from the probe, and say so.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { createHealer, withOnlyChecks, type CheckResultEntry } from '@healer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordpressPlugin } from '../src/plugin.js';
import { createWordPressSite, type WordPressSite } from './helpers/wordpress-site.js';

const run = promisify(execFile);
let site: WordPressSite;

beforeAll(async () => {
  site = await createWordPressSite({ hostName: 'site.invalid' });
}, 120_000);

afterAll(async () => {
  await site?.stop();
});

/** wordpress/fatal-errors (and availability) with nothing configured: no URL, no log. */
async function fatalErrors(): Promise<{ fatal: CheckResultEntry; availability: CheckResultEntry }> {
  const only = ['wordpress/fatal-errors', 'wordpress/availability'];
  const healer = createHealer({
    plugins: [{ plugin: withOnlyChecks(wordpressPlugin, only), config: {} }],
    sharedChecks: false,
    checkTimeoutMs: 60_000,
  });
  try {
    const d = await healer.diagnose(site.root);
    const fatal = d.results.find((r) => r.id === 'wordpress/fatal-errors')!;
    const availability = d.results.find((r) => r.id === 'wordpress/availability')!;
    expect(fatal.status, fatal.message).not.toBe('error');
    return { fatal, availability };
  } finally {
    await healer.close();
  }
}

describe('the load probe, with no readable log at all', () => {
  it('a healthy site: passes from the page itself, no probe needed', async () => {
    const { fatal, availability } = await fatalErrors();
    expect(availability.status, availability.message).toBe('pass');
    expect(fatal.status, fatal.message).toBe('pass');
    expect(fatal.details).toMatchObject({ source: 'front page', logs: [] });
  });

  it("a plugin's nested include", async () => {
    const file = await site.addPlugin('deep-fatal', "<?php\n/* Plugin Name: Deep */\nrequire __DIR__ . '/lib/a.php';\n", {
      activate: true,
      files: { 'lib/a.php': "<?php\nrequire __DIR__ . '/b.php';\n", 'lib/b.php': '<?php\nfunction deep_fatal() { healer_probe_missing_function(); }\ndeep_fatal();\n' },
    });
    try {
      const { fatal, availability } = await fatalErrors();
      expect(availability.status).toBe('fail');
      expect(fatal.status, fatal.message).toBe('fail');
      expect(fatal.details).toMatchObject({ source: 'load probe', culprit: { kind: 'plugin', slug: 'deep-fatal' } });
      expect(String((fatal.details['culprit'] as { file: string }).file)).toMatch(/deep-fatal\/lib\/b\.php$/);
      expect(fatal.message).toContain('load probe');
      expect(fatal.fixes).toContain('wordpress/deactivate-plugin');
      expect(fatal.evidence.join('\n')).toContain('healer_probe_missing_function');
    } finally {
      await site.setOption('active_plugins', ((await site.getOption('active_plugins')) as string[]).filter((p) => p !== file));
    }
  });

  it("a child theme's functions.php", async () => {
    await site.addTheme('calm-parent', { 'style.css': '/*\nTheme Name: Calm Parent\n*/\n', 'index.php': '<?php echo "parent";\n' });
    await site.addTheme('broken-child', {
      'style.css': '/*\nTheme Name: Broken Child\nTemplate: calm-parent\n*/\n',
      'functions.php': '<?php\nhealer_child_theme_missing();\n',
    });
    const [template, stylesheet] = await Promise.all([site.getOption('template'), site.getOption('stylesheet')]);
    await site.setOption('template', 'calm-parent');
    await site.setOption('stylesheet', 'broken-child');
    try {
      const { fatal } = await fatalErrors();
      expect(fatal.status, fatal.message).toBe('fail');
      expect(fatal.details).toMatchObject({ source: 'load probe', culprit: { kind: 'theme', slug: 'broken-child' } });
      expect(fatal.fixes).toContain('wordpress/switch-theme');
    } finally {
      await site.setOption('template', template);
      await site.setOption('stylesheet', stylesheet);
    }
  });

  it('a must-use plugin', async () => {
    const dir = join(site.root, 'wp-content/mu-plugins');
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'broken-mu.php');
    await writeFile(file, '<?php\nhealer_mu_missing();\n');
    try {
      const { fatal } = await fatalErrors();
      expect(fatal.status, fatal.message).toBe('fail');
      expect(fatal.details).toMatchObject({ source: 'load probe', culprit: { kind: 'mu-plugin', file } });
    } finally {
      await rm(file);
    }
  });

  it("runs as the site's owner, not as root, when the site belongs to another user", async () => {
    const nobody = 65534;
    const probeDir = join(site.root, 'wp-content/plugins/owner-probe');
    await site.addPlugin(
      'owner-probe',
      "<?php\n/* Plugin Name: Owner Probe */\n$f = __DIR__ . '/who'; @unlink($f); file_put_contents($f, 'x'); healer_owner_probe_missing();\n",
      { activate: true },
    );
    await run('chmod', ['755', site.dir]);
    await run('chown', ['-R', `${nobody}:${nobody}`, site.root]);
    try {
      const { fatal } = await fatalErrors();
      expect(fatal.details).toMatchObject({ source: 'load probe', culprit: { kind: 'plugin', slug: 'owner-probe' } });
      // The probe wrote last (after the page was asked for over HTTP): as the owner.
      expect((await stat(join(probeDir, 'who'))).uid).toBe(nobody);
    } finally {
      await run('chown', ['-R', '0:0', site.root]);
      await site.setOption('active_plugins', ((await site.getOption('active_plugins')) as string[]).filter((p) => !p.startsWith('owner-probe/')));
    }
  });

  it('a drop-in', async () => {
    const file = join(site.root, 'wp-content/object-cache.php');
    await writeFile(file, '<?php\nhealer_dropin_missing();\n');
    try {
      const { fatal } = await fatalErrors();
      expect(fatal.status, fatal.message).toBe('fail');
      expect(fatal.details).toMatchObject({ source: 'load probe', culprit: { kind: 'drop-in', file } });
    } finally {
      await rm(file);
    }
  });
});
