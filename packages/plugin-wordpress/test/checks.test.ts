/**
 * The WordPress checks against a real site: availability, fatal errors,
 * memory, maintenance, debug settings, search engines and PHP version. Each
 * check passes on the healthy site and fails when the problem is made for
 * real (a plugin that fatals and a request that logs it, a real .maintenance
 * file...). Every case puts the site back as it found it.
 */
import { chmod, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashTree, LocalExecutor } from '@healer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordpressChecks } from '../src/checks/index.js';
import { createWordPressSite, readPhpLog, type WordPressSite } from './helpers/wordpress-site.js';
import { checkSite, deactivate, diagnoseSite, freshSince, OPCACHE_REVALIDATE_MS, resultOf, withConfig } from './checks-helpers.js';

const LADDER = ['wordpress/deactivate-plugin', 'wordpress/switch-theme', 'wordpress/safe-mode'];

let site: WordPressSite;
beforeAll(async () => {
  site = await createWordPressSite();
}, 60_000);
afterAll(() => site?.stop());

describe('a full diagnosis', () => {
  it('of the healthy site: every check passes or skips, in report order, and nothing on the site changes', async () => {
    await chmod(join(site.root, 'wp-config.php'), 0o640);
    const exec = new LocalExecutor();
    // The site and its logs; the backup root beside it may gain the core baseline a clean diagnosis records.
    const state = async (): Promise<unknown> => ({
      files: await hashTree(exec, [site.root, site.phpErrorLog]),
      options: await site.sql('SELECT option_name, option_value, autoload FROM wp_options ORDER BY option_name'),
    });
    const before = await state();
    const d = await diagnoseSite(site);
    expect(d.results.map((r) => r.id)).toEqual(wordpressChecks.map((c) => c.id));
    for (const r of d.results) expect(['pass', 'skip'], `${r.id}: ${r.message}`).toContain(r.status);
    expect(d.app).toMatchObject({ plugin: 'wordpress', stack: 'wordpress', root: site.root });
    expect(await state()).toEqual(before);
  });
});

describe('wordpress/availability', () => {
  it('passes when the real site answers its home page', async () => {
    const r = await checkSite(site, 'wordpress/availability');
    expect(r.status).toBe('pass');
    expect(r.details).toMatchObject({ status: 200, marker: null, url: site.url });
    expect(r.fixes).toEqual([]);
  });

  it('fails on the critical-error page of a plugin that fatals, and offers the white-screen ladder', async () => {
    const file = await site.addPlugin('avail-fatal', "<?php\n/* Plugin Name: Avail Fatal */\nhealer_avail_undefined();\n", { activate: true });
    try {
      const r = await checkSite(site, 'wordpress/availability');
      expect(r.status).toBe('fail');
      expect(r.details).toMatchObject({ status: 500, marker: 'critical-error' });
      expect(r.message).toContain('critical-error page');
      expect(r.fixes).toEqual(LADDER);
      expect(r.evidence.join('\n')).toContain('There has been a critical error on this website');
    } finally {
      await deactivate(site, file);
    }
  });

  it('fails on an empty 200 page (a plugin that exits early)', async () => {
    const file = await site.addPlugin('avail-exit', "<?php\n/* Plugin Name: Avail Exit */\nexit;\n", { activate: true });
    try {
      const page = await site.get('/');
      expect(page).toEqual({ status: 200, body: '' });
      const r = await checkSite(site, 'wordpress/availability');
      expect(r.status).toBe('fail');
      expect(r.details).toMatchObject({ status: 200, marker: 'empty-body', bytes: 0 });
      expect(r.fixes).toEqual(LADDER);
    } finally {
      await deactivate(site, file);
    }
  });

  it('finds the address itself when the settings have none (the home option)', async () => {
    const r = await checkSite(site, 'wordpress/availability', { settings: { url: undefined } });
    expect(r.status, r.message).toBe('pass');
    expect(r.details).toMatchObject({ url: site.url, status: 200 });
    expect(String(r.details.urlSource)).toMatch(/^the home option/);
  });
});

describe('wordpress/fatal-errors', () => {
  it('passes when nothing fatal was logged since the window started', async () => {
    const r = await checkSite(site, 'wordpress/fatal-errors', { since: await freshSince() });
    expect(r.status).toBe('pass');
    expect(r.details).toMatchObject({ count: 0 });
  });

  it('names the plugin behind a real fatal, with the ladder as fixes and the log lines as evidence', async () => {
    const since = await freshSince();
    const file = await site.addPlugin('fatal-culprit', "<?php\n/* Plugin Name: Fatal Culprit */\nhealer_culprit_undefined();\n", { activate: true });
    try {
      expect((await site.get('/')).status).toBe(500);
      expect((await site.get('/?p=1')).status).toBe(500);
      const r = await checkSite(site, 'wordpress/fatal-errors', { since });
      expect(r.status).toBe('fail');
      expect(r.details.culprit).toEqual({ kind: 'plugin', slug: 'fatal-culprit', file: join(site.root, 'wp-content/plugins/fatal-culprit/fatal-culprit.php') });
      expect(r.details.count).toBeGreaterThanOrEqual(2);
      expect(Date.parse(r.details.first as string)).toBeGreaterThanOrEqual(since.getTime());
      expect(Date.parse(r.details.last as string)).toBeGreaterThanOrEqual(Date.parse(r.details.first as string));
      expect(r.fixes).toEqual(LADDER);
      expect(r.message).toContain('plugin "fatal-culprit"');
      expect(r.evidence.some((l) => l.includes('healer_culprit_undefined()'))).toBe(true);
    } finally {
      await deactivate(site, file);
    }
    // Deactivated since: the old fatals are reported, nothing is left to heal.
    const old = await checkSite(site, 'wordpress/fatal-errors', { since });
    expect(old.status).toBe('warn');
    expect(old.details).toMatchObject({ active: false });
    // The diagnosis's own page request may have logged one more.
    expect(old.details.count).toBeGreaterThanOrEqual(2);
    expect(old.fixes).toEqual([]);
    // The same log, read from after the fix: the old fatals no longer count.
    const after = await checkSite(site, 'wordpress/fatal-errors', { since: await freshSince() });
    expect(after.status).toBe('pass');
    expect(await readPhpLog(site)).toContain('healer_culprit_undefined');
  });

  it('counts an error found in two logs once (serverLogs naming a copy of the PHP log), and says which file it came from', async () => {
    const since = await freshSince();
    const file = await site.addPlugin('twice-logged', "<?php\n/* Plugin Name: Twice Logged */\nhealer_twice_undefined();\n", { activate: true });
    try {
      expect((await site.get('/')).status).toBe(500);
      expect((await site.get('/?p=1')).status).toBe(500);
      const once = await checkSite(site, 'wordpress/fatal-errors', { since });
      const copy = join(site.dir, 'server-copy.log');
      await writeFile(copy, await readPhpLog(site));
      const both = await checkSite(site, 'wordpress/fatal-errors', { since, settings: { serverLogs: [copy] } });
      expect(both.status).toBe('fail');
      expect(both.details.count).toBe(once.details.count);
      expect(both.details.evidenceFrom).toBe(site.phpErrorLog);
      expect((both.details.logs as Array<{ path: string }>).map((l) => l.path)).toEqual([site.phpErrorLog, copy]);
    } finally {
      await deactivate(site, file);
    }
  });

  it('names the theme behind a fatal from the active theme, fixed by switching themes', async () => {
    const since = await freshSince();
    const before = { template: await site.getOption('template'), stylesheet: await site.getOption('stylesheet') };
    await site.addTheme(
      'fatal-theme',
      {
        'style.css': '/*\nTheme Name: Fatal Theme\n*/\n',
        'index.php': '<?php\n',
        'functions.php': "<?php\nhealer_theme_undefined();\n",
      },
      { activate: true },
    );
    try {
      expect((await site.get('/')).status).toBe(500);
      const r = await checkSite(site, 'wordpress/fatal-errors', { since });
      expect(r.status).toBe('fail');
      expect(r.details.culprit).toMatchObject({ kind: 'theme', slug: 'fatal-theme' });
      expect(r.fixes).toEqual(['wordpress/switch-theme']);
      expect(r.message).toContain('theme "fatal-theme"');
    } finally {
      await site.setOption('template', before.template);
      await site.setOption('stylesheet', before.stylesheet);
    }
    expect((await site.get('/')).status).toBe(200);
  });

  it('blames the plugin that still runs when the newest fatal came from one deactivated since', async () => {
    const since = await freshSince();
    const sometimes = await site.addPlugin('aa-sometimes', "<?php\n/* Plugin Name: Sometimes */\nif (isset($_GET['boom'])) healer_sometimes_undefined();\n", { activate: true });
    const always = await site.addPlugin('zz-always', "<?php\n/* Plugin Name: Always */\nhealer_always_undefined();\n", { activate: true });
    try {
      expect((await site.get('/')).status).toBe(500);
      expect((await site.get('/?boom=1')).status).toBe(500);
      await deactivate(site, sometimes);
      const r = await checkSite(site, 'wordpress/fatal-errors', { since });
      expect(r.status).toBe('fail');
      expect(r.details.culprit).toMatchObject({ kind: 'plugin', slug: 'zz-always' });
      expect(r.details.culprits).toEqual(
        expect.arrayContaining([expect.objectContaining({ slug: 'zz-always' }), expect.objectContaining({ slug: 'aa-sometimes', count: 1 })]),
      );
      expect(r.message).toContain('Other sources: plugin "aa-sometimes"');
    } finally {
      await deactivate(site, sometimes);
      await deactivate(site, always);
    }
  });

  it('judges from the page when the site logs errors nowhere it knows, and says how to turn a log on', async () => {
    const r = await checkSite(site, 'wordpress/fatal-errors', { config: { phpErrorLog: undefined } });
    expect(r.status, r.message).toBe('pass');
    expect(r.details).toMatchObject({ source: 'front page', logs: [] });
    expect(r.message).toMatch(/WP_DEBUG_LOG/);
  });

  it('reads debug.log when WP_DEBUG_LOG is on', async () => {
    const since = await freshSince();
    const file = await site.addPlugin('debuglog-fatal', "<?php\n/* Plugin Name: Debuglog Fatal */\nhealer_debuglog_undefined();\n", { activate: true });
    try {
      await withConfig(
        site,
        (t) => t.replace("define( 'WP_DEBUG', false );", "define( 'WP_DEBUG', true );\ndefine( 'WP_DEBUG_LOG', true );\ndefine( 'WP_DEBUG_DISPLAY', false );"),
        async () => {
          expect((await site.get('/')).status).toBe(500);
          const r = await checkSite(site, 'wordpress/fatal-errors', { since, config: { phpErrorLog: undefined } });
          expect(r.status).toBe('fail');
          expect(r.details.culprit).toMatchObject({ kind: 'plugin', slug: 'debuglog-fatal' });
          expect(r.details.logs).toEqual([expect.objectContaining({ path: join(site.root, 'wp-content/debug.log'), kind: 'debug.log' })]);
        },
        { served: true },
      );
    } finally {
      await deactivate(site, file);
      await rm(join(site.root, 'wp-content/debug.log'), { force: true });
    }
  });
});

describe('a debug.log that is a link to /dev/zero', () => {
  it('does not slow the diagnosis down: both log checks warn that it is not read, and the PHP error log is still read', async () => {
    const debugLog = join(site.root, 'wp-content/debug.log');
    await symlink('/dev/zero', debugLog);
    try {
      await withConfig(
        site,
        (t) => t.replace("define( 'WP_DEBUG', false );", "define( 'WP_DEBUG', true );\ndefine( 'WP_DEBUG_LOG', true );\ndefine( 'WP_DEBUG_DISPLAY', false );"),
        async () => {
          // Earlier tests left fatal errors in the PHP error log: look only at what comes after them.
          const since = await freshSince();
          const started = Date.now();
          const d = await diagnoseSite(site, { since });
          expect(Date.now() - started).toBeLessThan(15_000);
          for (const id of ['wordpress/fatal-errors', 'wordpress/memory-exhausted']) {
            const r = resultOf(d, id);
            expect(r.status, `${id}: ${r.message}`).toBe('warn');
            expect(r.message).toContain(`${debugLog} links to a character special file, not a regular file`);
            expect(r.message).toContain(`in ${site.phpErrorLog} since`);
          }
        },
      );
    } finally {
      await rm(debugLog, { force: true });
    }
  });
});

describe('wordpress/memory-exhausted', () => {
  it('passes when PHP did not run out of memory', async () => {
    const r = await checkSite(site, 'wordpress/memory-exhausted', { since: await freshSince() });
    expect(r.status).toBe('pass');
  });

  it('fails on a real "Allowed memory size exhausted" and offers to raise the limit', async () => {
    const since = await freshSince();
    const file = await site.addPlugin(
      'memory-hog',
      "<?php\n/* Plugin Name: Memory Hog */\nini_set('memory_limit', '24M');\n$healer_hog = str_repeat('x', 48 * 1024 * 1024);\n",
      { activate: true },
    );
    try {
      expect((await site.get('/')).status).toBe(500);
      const r = await checkSite(site, 'wordpress/memory-exhausted', { since });
      expect(r.status).toBe('fail');
      expect(r.details).toMatchObject({ count: 1, limitBytes: 24 * 1024 * 1024, targetLimit: '256M' });
      expect(r.details.culprit).toMatchObject({ kind: 'plugin', slug: 'memory-hog' });
      expect(r.fixes).toEqual(['wordpress/raise-memory-limit']);
      expect(r.message).toContain('24.0 MB');
      // Memory exhaustion is this check's, not a white-screen culprit for fatal-errors.
      expect((await checkSite(site, 'wordpress/fatal-errors', { since })).status).toBe('pass');
      // A limit already at the configured size: raising it is not offered.
      const big = await checkSite(site, 'wordpress/memory-exhausted', { since, config: { memoryLimit: '16M' } });
      expect(big.status).toBe('fail');
      expect(big.fixes).toEqual([]);
    } finally {
      await deactivate(site, file);
    }
  });
});

describe('wordpress/maintenance-stuck', () => {
  const maintenance = (): string => join(site.root, '.maintenance');

  it('passes without a .maintenance file', async () => {
    const r = await checkSite(site, 'wordpress/maintenance-stuck');
    expect(r.status).toBe('pass');
    expect(r.details).toMatchObject({ exists: false });
  });

  it('fails on a stale file that WordPress no longer honours, saying it does not block', async () => {
    const upgrading = Math.floor(Date.now() / 1000) - 3600;
    await writeFile(maintenance(), `<?php $upgrading = ${upgrading}; ?>`);
    try {
      // WordPress itself ignores it: the page answers.
      expect((await site.get('/')).status).toBe(200);
      const r = await checkSite(site, 'wordpress/maintenance-stuck');
      expect(r.status).toBe('fail');
      expect(r.details).toMatchObject({ blocking: false, stale: true });
      expect(r.details.ageSeconds).toBeGreaterThanOrEqual(3600);
      expect(r.message).toMatch(/ignores it now/);
      expect(r.fixes).toEqual(['wordpress/remove-maintenance']);
    } finally {
      await rm(maintenance(), { force: true });
    }
  });

  it('warns on a fresh file that blocks visitors right now, without offering to remove it mid-update', async () => {
    await writeFile(maintenance(), `<?php $upgrading = ${Math.floor(Date.now() / 1000) - 30}; ?>`);
    try {
      // The stale case above wrote the same path: let the web server's opcache see the new file.
      await new Promise((r) => setTimeout(r, OPCACHE_REVALIDATE_MS));
      const page = await site.get('/');
      expect(page.status).toBe(503);
      expect(page.body).toContain('Briefly unavailable for scheduled maintenance');
      const d = await diagnoseSite(site, { only: ['wordpress/maintenance-stuck', 'wordpress/availability'] });
      const r = resultOf(d, 'wordpress/maintenance-stuck');
      expect(r.status).toBe('warn');
      expect(r.details).toMatchObject({ blocking: true, stale: false });
      expect(r.fixes).toEqual([]);
      const avail = resultOf(d, 'wordpress/availability');
      expect(avail.status).toBe('fail');
      expect(avail.details).toMatchObject({ status: 503, marker: 'maintenance' });
    } finally {
      await rm(maintenance(), { force: true });
    }
  });
});

describe('wordpress/debug-settings', () => {
  it('passes with WP_DEBUG off in production', async () => {
    const r = await checkSite(site, 'wordpress/debug-settings');
    expect(r.status).toBe('pass');
    expect(r.details).toMatchObject({ wpDebug: false, display: false });
  });

  it('fails when WP_DEBUG is on without WP_DEBUG_DISPLAY false: errors really show in the page', async () => {
    const file = await site.addPlugin('debug-warning', "<?php\n/* Plugin Name: Debug Warning */\necho $healer_undefined_variable;\n", { activate: true });
    try {
      await withConfig(site, (t) => t.replace("define( 'WP_DEBUG', false );", "define( 'WP_DEBUG', true );"), async () => {
        const page = await site.get('/');
        expect(page.body).toMatch(/Warning.*healer_undefined_variable/);
        const r = await checkSite(site, 'wordpress/debug-settings');
        expect(r.status).toBe('fail');
        expect(r.details).toMatchObject({ wpDebug: true, display: true });
        expect(r.message).toMatch(/not set, so it follows WP_DEBUG/);
        expect(r.fixes).toEqual(['wordpress/debug-display-off']);
        // Not production: allowed.
        expect((await checkSite(site, 'wordpress/debug-settings', { config: { production: false } })).status).toBe('skip');
      }, { served: true });
    } finally {
      await deactivate(site, file);
    }
  });

  it('warns on SAVEQUERIES in production, without a fix it cannot make', async () => {
    await withConfig(site, (t) => t.replace("define( 'WP_DEBUG', false );", "define( 'WP_DEBUG', false );\ndefine( 'SAVEQUERIES', true );"), async () => {
      const r = await checkSite(site, 'wordpress/debug-settings');
      expect(r.status).toBe('warn');
      expect(r.details).toMatchObject({ saveQueries: true, display: false });
      expect(r.fixes).toEqual([]);
    });
  });
});

describe('wordpress/search-engines-blocked', () => {
  it('passes when search engines may index the site', async () => {
    const r = await checkSite(site, 'wordpress/search-engines-blocked');
    expect(r.status).toBe('pass');
  });

  it('fails in production when blog_public is 0, and skips outside production', async () => {
    const before = await site.getOption('blog_public');
    await site.setOption('blog_public', '0');
    try {
      const r = await checkSite(site, 'wordpress/search-engines-blocked');
      expect(r.status).toBe('fail');
      expect(r.details).toEqual({ blog_public: '0' });
      expect(r.message).toMatch(/Discourage search engines/);
      expect((await checkSite(site, 'wordpress/search-engines-blocked', { config: { production: false } })).status).toBe('skip');
    } finally {
      await site.setOption('blog_public', before);
    }
  });
});

describe('wordpress/php-version', () => {
  it('passes: PHP meets WordPress minimum and every active plugin header', async () => {
    const file = await site.addPlugin('needs-php7', "<?php\n/**\n * Plugin Name: Needs PHP 7\n * Requires PHP: 7.4\n */\n", { activate: true });
    try {
      const r = await checkSite(site, 'wordpress/php-version');
      expect(r.status).toBe('pass');
      expect(r.details.php).toMatch(/^\d+\.\d+\.\d+$/);
      expect(r.details.requirements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'core', requires: '5.6.20' }),
          expect.objectContaining({ kind: 'plugin', name: file, requires: '7.4' }),
        ]),
      );
    } finally {
      await deactivate(site, file);
    }
  });

  it('fails when an active plugin requires a newer PHP than the host has', async () => {
    const file = await site.addPlugin('needs-future-php', "<?php\n/**\n * Plugin Name: Needs Future PHP\n * Requires PHP: 99.1\n */\n", { activate: true });
    try {
      const r = await checkSite(site, 'wordpress/php-version');
      expect(r.status).toBe('fail');
      expect(r.details.unmet).toEqual([expect.objectContaining({ kind: 'plugin', name: file, requires: '99.1' })]);
      expect(r.message).toContain('plugin needs-future-php needs 99.1');
    } finally {
      await deactivate(site, file);
    }
    // Inactive, it no longer counts.
    expect((await checkSite(site, 'wordpress/php-version')).status).toBe('pass');
  });
});
