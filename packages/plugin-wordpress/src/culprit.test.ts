import { describe, expect, it } from 'vitest';
import { parsePhpErrorLog } from '@healer/core';
import { attributeCulprit, culpritFromDetails, culpritFromLog, culpritOfEntry, pluginFilesForSlug } from './culprit.js';

const root = '/srv/www/shop';
const meta = {
  contentDir: `${root}/wp-content`,
  pluginsDir: `${root}/wp-content/plugins`,
  muPluginsDir: `${root}/wp-content/mu-plugins`,
  themesDir: `${root}/wp-content/themes`,
};

describe('attributeCulprit', () => {
  it.each([
    [`${root}/wp-content/plugins/woocommerce/includes/class-wc.php`, { kind: 'plugin', slug: 'woocommerce' }],
    [`${root}/wp-content/plugins/hello.php`, { kind: 'plugin', slug: 'hello' }],
    [`${root}/wp-content/plugins/akismet/akismet.php`, { kind: 'plugin', slug: 'akismet' }],
    [`${root}/wp-content/mu-plugins/loader.php`, { kind: 'mu-plugin' }],
    [`${root}/wp-content/mu-plugins/sub/x.php`, { kind: 'mu-plugin' }],
    [`${root}/wp-content/themes/storefront/functions.php`, { kind: 'theme', slug: 'storefront' }],
    [`${root}/wp-content/themes/child/inc/a/b.php`, { kind: 'theme', slug: 'child' }],
    [`${root}/wp-content/object-cache.php`, { kind: 'drop-in' }],
    [`${root}/wp-content/advanced-cache.php`, { kind: 'drop-in' }],
    [`${root}/wp-content/db.php`, { kind: 'drop-in' }],
    [`${root}/wp-content/uploads/2024/01/shell.php`, { kind: 'unknown' }],
    [`${root}/wp-content/random.php`, { kind: 'unknown' }],
    [`${root}/wp-includes/plugin.php`, { kind: 'core' }],
    [`${root}/wp-admin/includes/file.php`, { kind: 'core' }],
    [`${root}/wp-settings.php`, { kind: 'core' }],
    [`${root}/index.php`, { kind: 'core' }],
    [`${root}/wp-config.php`, { kind: 'unknown' }],
    [`${root}/custom/thing.php`, { kind: 'unknown' }],
    ['/usr/share/php/Foo.php', { kind: 'unknown' }],
  ])('%s', (file, expected) => {
    expect(attributeCulprit(file, meta)).toEqual({ ...expected, file });
  });

  it('does not take a sibling folder that shares a prefix for the plugins folder', () => {
    const file = `${root}/wp-content/plugins-old/x/x.php`;
    expect(attributeCulprit(file, meta)).toEqual({ kind: 'unknown', file });
    expect(attributeCulprit(`${root}/wp-content/themes2/t/functions.php`, meta).kind).toBe('unknown');
  });

  it('normalizes the path like wp_normalize_path (double slashes, dot segments)', () => {
    expect(attributeCulprit(`${root}//wp-content/plugins/./shop/../shop/shop.php`, meta)).toMatchObject({ kind: 'plugin', slug: 'shop' });
  });

  it('honours custom folders (WP_CONTENT_DIR, WP_PLUGIN_DIR, WPMU_PLUGIN_DIR)', () => {
    const custom = { contentDir: '/srv/app/content', pluginsDir: '/srv/app/content/ext', muPluginsDir: '/srv/app/content/ext/must', themesDir: '/srv/app/content/themes' };
    expect(attributeCulprit('/srv/app/content/ext/shop/shop.php', custom)).toMatchObject({ kind: 'plugin', slug: 'shop' });
    // WordPress's rule would call this a plugin named "must"; a must-use plugin is the truth.
    expect(attributeCulprit('/srv/app/content/ext/must/a.php', custom)).toMatchObject({ kind: 'mu-plugin' });
    expect(attributeCulprit('/srv/app/content/object-cache.php', custom)).toMatchObject({ kind: 'drop-in' });
    expect(attributeCulprit('/srv/app/wp-includes/load.php', custom)).toMatchObject({ kind: 'core' });
  });

  it('recognizes the usual shape of paths outside the known root (a symlinked root)', () => {
    expect(attributeCulprit('/real/path/wp-content/plugins/shop/a.php', meta)).toMatchObject({ kind: 'plugin', slug: 'shop' });
    expect(attributeCulprit('/real/path/wp-content/themes/t/functions.php', meta)).toMatchObject({ kind: 'theme', slug: 't' });
    expect(attributeCulprit('/real/path/wp-content/mu-plugins/m.php', meta)).toMatchObject({ kind: 'mu-plugin' });
    expect(attributeCulprit('/real/path/wp-includes/class-wp.php', meta)).toMatchObject({ kind: 'core' });
  });

  it('is unknown without a file', () => {
    expect(attributeCulprit(null, meta)).toEqual({ kind: 'unknown', file: null });
  });
});

const LOG = `[21-Nov-2026 10:00:00 UTC] PHP Warning:  Undefined array key "x" in ${root}/wp-content/plugins/noisy/noisy.php on line 9
[21-Nov-2026 10:00:01 UTC] PHP Fatal error:  Uncaught Error: Call to undefined function shop_boot() in ${root}/wp-content/plugins/shop/shop.php:12
Stack trace:
#0 ${root}/wp-settings.php(447): include_once()
#1 ${root}/wp-config.php(90): require_once('...')
#2 {main}
  thrown in ${root}/wp-content/plugins/shop/shop.php on line 12
[21-Nov-2026 10:00:02 UTC] PHP Fatal error:  Uncaught TypeError: array_map(): Argument #2 ($array) must be of type array, null given in ${root}/wp-includes/class-wp-hook.php:42
Stack trace:
#0 ${root}/wp-includes/class-wp-hook.php(42): array_map(Object(Closure), NULL)
#1 ${root}/wp-includes/plugin.php(517): WP_Hook->do_action(Array)
#2 ${root}/wp-content/themes/brokentheme/functions.php(7): do_action('init')
#3 ${root}/wp-settings.php(600): include('...')
#4 {main}
  thrown in ${root}/wp-includes/class-wp-hook.php on line 42
`;

describe('culpritFromLog', () => {
  const entries = parsePhpErrorLog(LOG);

  it('blames the first extension frame when the error is raised inside core', () => {
    expect(culpritOfEntry(entries[2]!, meta)).toEqual({ kind: 'theme', slug: 'brokentheme', file: `${root}/wp-content/themes/brokentheme/functions.php` });
  });

  it("uses the entry's own file first", () => {
    expect(culpritOfEntry(entries[1]!, meta)).toEqual({ kind: 'plugin', slug: 'shop', file: `${root}/wp-content/plugins/shop/shop.php` });
  });

  it('names the newest fatal error, ignoring warnings', () => {
    expect(culpritFromLog(entries, meta)).toMatchObject({ kind: 'theme', slug: 'brokentheme' });
    expect(culpritFromLog(entries.slice(0, 2), meta)).toMatchObject({ kind: 'plugin', slug: 'shop' });
  });

  it('prefers an older fatal that names an extension over a newer one in core without an extension frame', () => {
    const more = parsePhpErrorLog(
      `${LOG}[21-Nov-2026 10:00:03 UTC] PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in ${root}/wp-includes/wp-db.php on line 2056\n`,
    );
    expect(culpritFromLog(more, meta)).toMatchObject({ kind: 'theme', slug: 'brokentheme' });
    expect(culpritFromLog(more.slice(3), meta)).toEqual({ kind: 'core', file: `${root}/wp-includes/wp-db.php` });
  });

  it('is unknown for an empty log and falls back to other levels when there is no fatal error', () => {
    expect(culpritFromLog([], meta)).toEqual({ kind: 'unknown', file: null });
    expect(culpritFromLog(entries.slice(0, 1), meta)).toMatchObject({ kind: 'plugin', slug: 'noisy' });
  });
});

describe('pluginFilesForSlug', () => {
  it('finds folder and single-file plugins, not prefixes of other slugs', () => {
    const active = ['shop/shop.php', 'shop-addons/addons.php', 'hello.php', 'shop.php.bak/x.php'];
    expect(pluginFilesForSlug('shop', active)).toEqual(['shop/shop.php']);
    expect(pluginFilesForSlug('hello', active)).toEqual(['hello.php']);
    expect(pluginFilesForSlug('missing', active)).toEqual([]);
  });
});

describe('culpritFromDetails', () => {
  it('reads back each kind the fatal-errors check writes ({ kind, slug, file })', () => {
    expect(culpritFromDetails({ kind: 'plugin', slug: 'shop', file: '/s/wp-content/plugins/shop/shop.php' })).toEqual({ kind: 'plugin', slug: 'shop', file: '/s/wp-content/plugins/shop/shop.php' });
    expect(culpritFromDetails({ kind: 'theme', slug: 'dark', file: '/s/wp-content/themes/dark/functions.php' })).toEqual({ kind: 'theme', slug: 'dark', file: '/s/wp-content/themes/dark/functions.php' });
    expect(culpritFromDetails({ kind: 'mu-plugin', slug: null, file: '/s/wp-content/mu-plugins/a.php' })).toEqual({ kind: 'mu-plugin', file: '/s/wp-content/mu-plugins/a.php' });
    expect(culpritFromDetails({ kind: 'drop-in', slug: null, file: '/s/wp-content/db.php' })).toEqual({ kind: 'drop-in', file: '/s/wp-content/db.php' });
    expect(culpritFromDetails({ kind: 'core', slug: null, file: '/s/wp-includes/load.php' })).toEqual({ kind: 'core', file: '/s/wp-includes/load.php' });
    expect(culpritFromDetails({ kind: 'unknown', slug: null, file: null })).toEqual({ kind: 'unknown', file: null });
  });

  it('refuses anything else: no plan acts on a malformed culprit', () => {
    for (const bad of [null, undefined, 'plugin', 42, {}, { kind: 'plugin', file: '/x.php' }, { kind: 'plugin', slug: '', file: '/x.php' }, { kind: 'plugin', slug: 7, file: '/x.php' }, { kind: 'theme', slug: 'dark', file: null }, { kind: 'core', file: 3 }, { kind: 'virus', slug: 'x', file: '/x.php' }, { kind: 'core', slug: null, file: '' }]) {
      expect(culpritFromDetails(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});
