/**
 * A test site broken the way each WordPress action fixes, as the action and
 * scenario tests break it: one function per state. Each leaves the site
 * with the failure already seen (a page served, so PHP logged it) and
 * returns what a test needs to find it again.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FATAL_PLUGIN, FATAL_THEME, editConfig } from './heal-harness.js';
import type { WordPressSite } from './wordpress-site.js';

const run = promisify(execFile);

/** SQL as MariaDB's root user (what a crash or a person with shell access does). */
export async function rootSql(statement: string): Promise<string> {
  return (await run('mariadb', ['-h127.0.0.1', '-uroot', '--batch', '--skip-column-names', '-e', statement])).stdout;
}

/** A plugin that fatals on load, active and already white-screening the site. Returns its plugin file. */
export async function fatalPlugin(site: WordPressSite, slug = 'broken-plugin'): Promise<string> {
  const file = await site.addPlugin(slug, FATAL_PLUGIN, { activate: true });
  await site.get('/');
  return file;
}

/** Akismet and a fataling plugin active: what safe mode turns off. Returns both plugin files. */
export async function fatalPluginAmongOthers(site: WordPressSite): Promise<string[]> {
  await site.setOption('active_plugins', ['akismet/akismet.php']);
  return ['akismet/akismet.php', await fatalPlugin(site)];
}

/** The active theme fatals in its functions.php. */
export async function fatalTheme(site: WordPressSite, slug = 'broken-theme'): Promise<void> {
  await site.addTheme(slug, FATAL_THEME, { activate: true });
  await site.get('/');
}

/** A `.maintenance` left by an update killed two hours ago. Returns its path. */
export async function staleMaintenance(site: WordPressSite): Promise<string> {
  const path = join(site.root, '.maintenance');
  await writeFile(path, `<?php $upgrading = ${Math.floor(Date.now() / 1000) - 7200}; ?>`);
  return path;
}

/** A table's data (`MYD`) or index (`MYI`) file in MariaDB's data folder (root reads it). */
export async function tableFile(site: WordPressSite, table: string, ext: 'MYD' | 'MYI'): Promise<string> {
  const datadir = (await site.sql('SELECT @@datadir')).trim();
  return join(datadir, site.db.name, `${table}.${ext}`);
}

/**
 * A MyISAM table with three rows whose index file was cut, as a full disk
 * or a killed server leaves it. Returns the table's name.
 */
export async function crashedTable(site: WordPressSite, table = 'wp_healer_log'): Promise<string> {
  await site.sql(`CREATE TABLE ${table} (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(100), KEY (v)) ENGINE=MyISAM; INSERT INTO ${table} (v) VALUES ('a'), ('b'), ('c');`);
  await rootSql(`FLUSH TABLES ${site.db.name}.${table}`);
  await truncate(await tableFile(site, table, 'MYI'), 1024);
  await rootSql(`FLUSH TABLES ${site.db.name}.${table}`);
  return table;
}

/** wp-config.php readable by everyone and a world-writable folder in uploads. Returns both paths. */
export async function loosePermissions(site: WordPressSite): Promise<{ config: string; folder: string }> {
  const config = join(site.root, 'wp-config.php');
  const folder = join(site.root, 'wp-content/uploads/open');
  await chmod(config, 0o644);
  await mkdir(folder);
  await writeFile(join(folder, 'photo.jpg'), 'jpeg bytes');
  await chmod(folder, 0o777);
  return { config, folder };
}

/** WP_DEBUG and SAVEQUERIES on (so errors are displayed to visitors). */
export async function debugDisplayed(site: WordPressSite): Promise<void> {
  await editConfig(site, (t) => t.replace("define( 'WP_DEBUG', false );", "define( 'WP_DEBUG', true );\ndefine( 'SAVEQUERIES', true );"));
}

/** A plugin that runs PHP out of memory on `/?hog=1`, and that request made once. */
export async function memoryExhausted(site: WordPressSite): Promise<void> {
  await site.addPlugin(
    'memory-hog',
    "<?php\n/* Plugin Name: Memory Hog */\nif ( isset( $_GET['hog'] ) ) { ini_set( 'memory_limit', '64M' ); $a = str_repeat( 'x', 128 * 1024 * 1024 ); }\n",
    { activate: true },
  );
  const page = await site.get('/?hog=1');
  if (page.status !== 500) throw new Error(`the memory hog did not exhaust memory (HTTP ${page.status})`);
}

/**
 * Pretty permalinks and a `.htaccess` whose WordPress block sends every
 * request elsewhere, between custom rules (healed with the app setting
 * `webServer: 'apache'`). Returns its path.
 */
export async function damagedHtaccess(site: WordPressSite): Promise<string> {
  await site.setOption('permalink_structure', '/%postname%/');
  const path = join(site.root, '.htaccess');
  await writeFile(
    path,
    '# Custom rules\nOptions -Indexes\n\n# BEGIN WordPress\n<IfModule mod_rewrite.c>\nRewriteEngine On\nRewriteRule . /elsewhere.php [L]\n</IfModule>\n# END WordPress\n\nHeader set X-Kept yes\n',
  );
  return path;
}

/**
 * A page cache in wp-content/cache and a 300 kB autoloaded transient
 * (healed with `autoloadWarnBytes: 50_000`). Returns the cache folder.
 */
export async function bloatedCaches(site: WordPressSite): Promise<string> {
  const cache = join(site.root, 'wp-content/cache');
  await mkdir(join(cache, 'pages'), { recursive: true });
  await writeFile(join(cache, 'pages/index.html'), '<html>cached</html>');
  await site.sql(`INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('_transient_healer_big', REPEAT('x', 300000), 'yes')`);
  return cache;
}

/** A web shell in uploads and a plugin file with `eval(base64_decode(`. Returns both paths. */
export async function suspiciousFiles(site: WordPressSite): Promise<{ shell: string; injected: string }> {
  const shell = join(site.root, 'wp-content/uploads/2024/05/shell.php');
  const injected = join(site.root, 'wp-content/plugins/old-gallery/gallery.php');
  await mkdir(join(site.root, 'wp-content/uploads/2024/05'), { recursive: true });
  await writeFile(shell, '<?php system($_GET["c"]);\n');
  await mkdir(join(site.root, 'wp-content/plugins/old-gallery'));
  await writeFile(injected, "<?php\n/* Plugin Name: Old Gallery */\neval(base64_decode('ZWNobyAxOw=='));\n");
  return { shell, injected };
}
