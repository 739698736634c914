/**
 * The must-show scenarios against a real WordPress site, healed the
 * way users do it (`createHealer`, a FolderStateStore, the site's URL):
 * a plugin that fatals, a theme that fatals (the ladder's theme rung), a
 * wrong database password (diagnosed, not touched), a stale .maintenance,
 * and a heal whose verification fails (rolled back, byte-identical).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Healer } from '@healer/core';
import { hashFolder } from '@healer/test-utils';
import {
  FATAL_PLUGIN,
  FATAL_THEME,
  createHealthySite,
  editConfig,
  savedOptions,
  siteHealer,
  snapshot,
  type SiteHealerOptions,
} from './helpers/heal-harness.js';
import { readPhpLog, type WordPressSite } from './helpers/wordpress-site.js';

const CRITICAL = 'There has been a critical error on this website.';

let site: WordPressSite | undefined;
let healer: Healer | undefined;

afterEach(async () => {
  await healer?.close();
  await site?.stop();
  healer = undefined;
  site = undefined;
});

async function setUp(options: SiteHealerOptions = {}): Promise<{ site: WordPressSite; healer: Healer }> {
  site = await createHealthySite();
  healer = siteHealer(site, options);
  return { site, healer };
}

describe('WordPress scenarios, healed end to end', () => {
  it('2. a plugin that fatals on load: the diagnosis names it, supervised heal deactivates it, FIXED, page 200', async () => {
    const { site, healer } = await setUp({ mode: 'supervised' });
    const file = await site.addPlugin('broken-plugin', FATAL_PLUGIN, { activate: true });
    // A visitor hits the white screen: PHP logs the fatal.
    expect((await site.get('/')).status).toBe(500);

    const diagnosis = await healer.diagnose(site.root);
    const fatal = diagnosis.results.find((r) => r.id === 'wordpress/fatal-errors')!;
    expect(fatal.status).toBe('fail');
    expect(fatal.details?.['culprit']).toMatchObject({ kind: 'plugin', slug: 'broken-plugin' });
    expect(fatal.message).toContain('broken-plugin');
    expect(diagnosis.results.find((r) => r.id === 'wordpress/availability')?.status).toBe('fail');

    const { execution, plan } = await healer.heal(site.root);
    expect(plan?.autoHeal.map((a) => a.actionId)).toEqual(['wordpress/deactivate-plugin']);
    expect(execution.state, execution.message).toBe('FIXED');
    expect(execution.attempts).toMatchObject([{ actionId: 'wordpress/deactivate-plugin', verified: true, rolledBack: false }]);
    const page = await site.get('/');
    expect(page.status).toBe(200);
    expect(page.body).not.toContain(CRITICAL);
    expect(await site.getOption('active_plugins')).not.toContain(file);
    // The plugin's files are untouched: only the option changed.
    expect(await readFile(join(site.root, 'wp-content/plugins/broken-plugin/broken-plugin.php'), 'utf8')).toBe(FATAL_PLUGIN);
  });

  it('3. a theme that fatals: the plugin rung does not apply, the ladder moves to the theme rung, FIXED (auto)', async () => {
    const { site, healer } = await setUp({ mode: 'auto' });
    await site.addTheme('broken-theme', FATAL_THEME, { activate: true });
    expect((await site.get('/')).status).toBe(500);

    const { execution, plan, diagnosis } = await healer.heal(site.root);
    expect(diagnosis?.results.find((r) => r.id === 'wordpress/fatal-errors')?.details?.['culprit']).toMatchObject({ kind: 'theme', slug: 'broken-theme' });
    // The culprit is no plugin: the lowest rung refuses itself, the next one runs.
    const planned = [...plan!.autoHeal, ...plan!.requireApproval].map((a) => a.actionId);
    expect(planned).not.toContain('wordpress/deactivate-plugin');
    expect(plan!.autoHeal.map((a) => a.actionId)).toEqual(['wordpress/switch-theme']);
    expect(execution.state, execution.message).toBe('FIXED');
    expect(execution.attempts).toMatchObject([{ actionId: 'wordpress/switch-theme', verified: true }]);
    expect(await savedOptions(site)).toMatchObject({ template: 'twentytwentythree', stylesheet: 'twentytwentythree' });
    const page = await site.get('/');
    expect(page.status).toBe(200);
    expect(page.body).not.toContain(CRITICAL);
  });

  it('4. a wrong database password: diagnosed in words (errno 1045), not healed, nothing changed, no backup', async () => {
    const { site, healer } = await setUp({ mode: 'auto' });
    await editConfig(site, (t) => t.replace(`'DB_PASSWORD', '${site.db.password}'`, "'DB_PASSWORD', 'not-the-password'"));
    const before = await hashFolder(site.root);

    const { execution, diagnosis } = await healer.heal(site.root);
    const db = diagnosis!.results.find((r) => r.id === 'wordpress/database-connection')!;
    expect(db.status).toBe('fail');
    expect(db.message).toMatch(/1045/);
    expect(db.message).toMatch(/user name or password/i);
    expect(diagnosis!.results.find((r) => r.id === 'wordpress/availability')?.message).toMatch(/database connection/i);

    // A person is needed: no rung applies to a database that refuses the password.
    expect(execution.state, execution.message).toBe('ESCALATED');
    expect(execution.attempts).toEqual([]);
    expect(await healer.backups.list()).toEqual([]);
    expect(await hashFolder(site.root)).toBe(before);
  });

  it('5. a stale .maintenance: supervised heal removes it, FIXED', async () => {
    const { site, healer } = await setUp({ mode: 'supervised' });
    const path = join(site.root, '.maintenance');
    await writeFile(path, `<?php $upgrading = ${Math.floor(Date.now() / 1000) - 3600}; ?>`);

    const { execution, plan } = await healer.heal(site.root);
    expect(plan?.autoHeal.map((a) => a.actionId)).toEqual(['wordpress/remove-maintenance']);
    expect(execution.state, execution.message).toBe('FIXED');
    await expect(readFile(path)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await site.get('/')).status).toBe(200);
  });

  it('6. two broken things (a plugin and the theme): every rung fails to verify, ROLLED_BACK, files and saved options identical', async () => {
    const { site, healer } = await setUp({ mode: 'auto' });
    await site.addTheme('broken-theme', FATAL_THEME, { activate: true });
    await site.addPlugin('broken-plugin', FATAL_PLUGIN, { activate: true });
    expect((await site.get('/')).status).toBe(500);
    const before = await snapshot(site);

    const { execution } = await healer.heal(site.root);
    expect(execution.state, execution.message).toBe('ROLLED_BACK');
    // Both rungs the mode allows were tried, each verified against a fresh diagnosis and undone.
    expect(execution.attempts.map((a) => [a.actionId, a.verified, a.rolledBack])).toEqual([
      ['wordpress/deactivate-plugin', false, true],
      ['wordpress/switch-theme', false, true],
    ]);
    expect(await snapshot(site)).toEqual(before);
    expect(await readPhpLog(site)).toMatch(/healer_undefined_theme_function/);
  });
});
