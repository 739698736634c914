/**
 * A real WordPress site for tests: Debian's `wordpress` package copied into a
 * temporary folder, its own database and user on the local MariaDB, installed
 * with WordPress's own `wp_install()`, served by `php -S` on a free loopback
 * port. PHP logs errors to `php-errors.log` beside the site (not displayed).
 */
import { freePort } from '@healer/test-utils';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { LocalExecutor } from '@healer/core';

/** The user `php -S` (so the site's PHP) runs as: the test's own user. */
export const PHP_S_USER = userInfo().username;

/** Where Debian's package puts WordPress. */
export const WORDPRESS_SOURCE = '/usr/share/wordpress';
const exec = new LocalExecutor();

export interface SiteOptions {
  /** Table prefix. Default `wp_`. */
  tablePrefix?: string;
  /** Turn on WP_DEBUG + WP_DEBUG_LOG (errors to wp-content/debug.log). Default false. */
  debugLog?: boolean;
  /** Extra PHP lines in wp-config.php, before `require_once ABSPATH . 'wp-settings.php'`. */
  configExtra?: string;
  /** The host name in the site's address (`home`, `siteurl`), e.g. `site.invalid` (one that does not resolve). Default `127.0.0.1`. */
  hostName?: string;
  /** The site's address (`home`, `siteurl`). Default `http://<hostName>:<port>`. */
  url?: string;
  /** The port it is served on. Default a free one. */
  port?: number;
  /** Serve the site with `php -S`. Default true; false when a real web server serves it. */
  serve?: boolean;
}

export interface WordPressSite {
  /** The folder with wp-config.php (absolute, real path). */
  root: string;
  /** The folder holding the site and its logs. */
  dir: string;
  url: string;
  port: number;
  /** PHP's error log (log_errors on, display off). */
  phpErrorLog: string;
  db: { name: string; user: string; password: string; host: string };
  /** Run PHP code with WordPress fully loaded (setup and assertions only); returns stdout. */
  php(code: string): Promise<string>;
  /** Raw SQL as the database user (setup and assertions only). */
  sql(statement: string): Promise<string>;
  getOption(name: string): Promise<unknown>;
  setOption(name: string, value: unknown): Promise<void>;
  /** Write a plugin folder; optionally activate it by setting `active_plugins` directly (no code runs). */
  addPlugin(slug: string, mainFile: string, options?: { activate?: boolean; files?: Record<string, string> }): Promise<string>;
  /** Write a theme folder; optionally switch to it by setting `template`/`stylesheet` directly. */
  addTheme(slug: string, files: Record<string, string>, options?: { activate?: boolean }): Promise<void>;
  get(path?: string): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}


async function must(command: Parameters<LocalExecutor['run']>[0], options: Parameters<LocalExecutor['run']>[1] = {}): Promise<string> {
  const r = await exec.run(command, { timeoutMs: 60_000, ...options });
  if (r.exitCode !== 0) throw new Error(`${JSON.stringify(command).slice(0, 200)} failed (${r.exitCode}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const rootSql = (statement: string): Promise<string> => must(['mariadb', '-h127.0.0.1', '-uroot', '--batch', '--skip-column-names', '-e', statement]);

/** The wp-config.php the harness writes (both quote styles on purpose: detection must read either). */
export function wpConfigText(db: WordPressSite['db'], options: SiteOptions = {}): string {
  return `<?php
/** Test site: written by the test harness. */
define( 'DB_NAME', '${db.name}' );
define( "DB_USER", "${db.user}" );
define( 'DB_PASSWORD', '${db.password}' );
define( 'DB_HOST', '${db.host}' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
define( 'AUTH_KEY', '${randomBytes(16).toString('hex')}' );
define( 'SECURE_AUTH_KEY', '${randomBytes(16).toString('hex')}' );
$table_prefix = '${options.tablePrefix ?? 'wp_'}';
define( 'WP_DEBUG', ${options.debugLog ? 'true' : 'false'} );
${options.debugLog ? "define( 'WP_DEBUG_LOG', true );\ndefine( 'WP_DEBUG_DISPLAY', false );\n" : ''}define( 'DISABLE_WP_CRON', true );
${options.configExtra ?? ''}
if ( ! defined( 'ABSPATH' ) ) {
\tdefine( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
`;
}

export async function createWordPressSite(options: SiteOptions = {}): Promise<WordPressSite> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'healer-wp-')));
  const root = join(dir, 'site');
  const phpErrorLog = join(dir, 'php-errors.log');
  await mkdir(root);
  // The package's translations are large and unused here.
  await must({
    script: 'tar -C "$1" --exclude=./wp-content/languages --exclude=./.htaccess -cf - . | tar -C "$2" -xf -',
    args: [WORDPRESS_SOURCE, root],
  });
  await mkdir(join(root, 'wp-content/uploads'), { recursive: true });
  const id = randomBytes(4).toString('hex');
  const db = { name: `healer_wp_${id}`, user: `healer_wp_${id}`, password: `pw-${randomBytes(8).toString('hex')}`, host: '127.0.0.1' };
  await rootSql(
    `CREATE DATABASE ${db.name}; CREATE USER '${db.user}'@'%' IDENTIFIED BY '${db.password}'; CREATE USER '${db.user}'@'localhost' IDENTIFIED BY '${db.password}'; GRANT ALL ON ${db.name}.* TO '${db.user}'@'%'; GRANT ALL ON ${db.name}.* TO '${db.user}'@'localhost';`,
  );
  await writeFile(join(root, 'wp-config.php'), wpConfigText(db, options));
  const port = options.port ?? (await freePort());
  const url = options.url ?? `http://${options.hostName ?? '127.0.0.1'}:${port}`;
  const localUrl = `http://127.0.0.1:${port}`;
  const phpLoaded = (code: string): Promise<string> =>
    must(['php', '-d', 'display_errors=stderr', '-r', `$_SERVER['HTTP_HOST'] = '127.0.0.1:${port}'; require 'wp-load.php'; ${code}`], { cwd: root });
  await must(
    [
      'php',
      '-d',
      'display_errors=stderr',
      '-r',
      `$_SERVER['HTTP_HOST'] = '127.0.0.1:${port}'; define('WP_INSTALLING', true); require 'wp-load.php'; require_once ABSPATH . 'wp-admin/includes/upgrade.php';
       wp_install('Healer test site', 'admin', 'admin@example.com', true, '', 'admin-password');
       update_option('siteurl', '${url}'); update_option('home', '${url}');`,
    ],
    { cwd: root },
  );

  const server = options.serve === false ? null : startServer(root, port, phpErrorLog);
  if (server) await waitForHttp(localUrl);

  const sql = (statement: string): Promise<string> =>
    must(['mariadb', '-h127.0.0.1', `-u${db.user}`, '--batch', '--skip-column-names', db.name, '-e', statement], {
      env: { MYSQL_PWD: db.password },
    });

  const site: WordPressSite = {
    root,
    dir,
    url,
    port,
    phpErrorLog,
    db,
    php: phpLoaded,
    sql,
    async getOption(name) {
      const out = await must(['php', '-r', `$_SERVER['HTTP_HOST']='x'; define('SHORTINIT', true); require 'wp-load.php'; $v = $wpdb->get_var($wpdb->prepare("SELECT option_value FROM {$wpdb->options} WHERE option_name = %s", $argv[1])); echo json_encode($v === null ? null : maybe_unserialize($v));`, name], { cwd: root });
      return JSON.parse(out) as unknown;
    },
    async setOption(name, value) {
      await must(['php', '-r', `$_SERVER['HTTP_HOST']='x'; define('SHORTINIT', true); require 'wp-load.php'; $v = maybe_serialize(json_decode($argv[2], true)); $wpdb->query($wpdb->prepare("INSERT INTO {$wpdb->options} (option_name, option_value, autoload) VALUES (%s, %s, 'yes') ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)", $argv[1], $v));`, name, JSON.stringify(value)], { cwd: root });
    },
    async addPlugin(slug, mainFile, opts = {}) {
      const folder = join(root, 'wp-content/plugins', slug);
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, `${slug}.php`), mainFile);
      for (const [rel, content] of Object.entries(opts.files ?? {})) {
        await mkdir(dirname(join(folder, rel)), { recursive: true });
        await writeFile(join(folder, rel), content);
      }
      const file = `${slug}/${slug}.php`;
      if (opts.activate) {
        const active = ((await site.getOption('active_plugins')) as string[] | null) ?? [];
        await site.setOption('active_plugins', [...active.filter((p) => p !== file), file]);
      }
      return file;
    },
    async addTheme(slug, files, opts = {}) {
      const folder = join(root, 'wp-content/themes', slug);
      for (const [rel, content] of Object.entries(files)) {
        await mkdir(dirname(join(folder, rel)), { recursive: true });
        await writeFile(join(folder, rel), content);
      }
      if (opts.activate) {
        await site.setOption('template', slug);
        await site.setOption('stylesheet', slug);
      }
    },
    async get(path = '/') {
      const res = await fetch(`${localUrl}${path}`, { redirect: 'manual' });
      return { status: res.status, body: await res.text() };
    },
    async stop() {
      server?.kill('SIGTERM');
      await rootSql(`DROP DATABASE IF EXISTS ${db.name}; DROP USER IF EXISTS '${db.user}'@'%'; DROP USER IF EXISTS '${db.user}'@'localhost';`).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return site;
}

function startServer(docroot: string, port: number, log: string): ChildProcess {
  // No opcache: a file edited by a heal must be served as edited at once (a real server with
  // opcache.validate_timestamps may serve the old copy for up to opcache.revalidate_freq seconds).
  const child = spawn('php', ['-d', 'opcache.enable=0', '-d', 'display_errors=0', '-d', 'log_errors=1', '-d', `error_log=${log}`, '-S', `127.0.0.1:${port}`, '-t', docroot], {
    cwd: docroot,
    stdio: 'ignore',
  });
  child.unref();
  return child;
}

async function waitForHttp(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(url, { redirect: 'manual' });
      await res.text();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Lines of PHP's error log (empty when absent). */
export async function readPhpLog(site: WordPressSite): Promise<string> {
  return readFile(site.phpErrorLog, 'utf8').catch(() => '');
}
