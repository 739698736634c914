/**
 * Detection on file-tree fixtures and on the real Debian WordPress: version,
 * confidence, the wp-config.php one folder above, paths, debug log, secrets,
 * WP-CLI, and discovery of several sites at once.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealer, definePlugin, isHealerError, LocalExecutor, type Command, type Detection, type RunOptions, type RunResult } from '@healer/core';
import { testdir, type TestDir } from '@healer/test-utils';
import { wordpressConfigSchema } from '../src/config.js';
import { DETECT_FILES, detectWordpress, readDbPassword, wpMeta } from '../src/detect.js';
import { createWordPressSite, WORDPRESS_SOURCE, type WordPressSite } from './helpers/wordpress-site.js';
import { detectContext, RecordingExecutor, siteContext } from './helpers/ops-context.js';
import type { WpMetadata } from '../src/types.js';

/** What PHP itself says version.php holds (detection reads it by pattern, never runs it). */
function phpVersions(): { wp: string; php: string; mysql: string } {
  const out = execFileSync('php', ['-r', 'include $argv[1]; echo json_encode([$wp_version, $required_php_version, $required_mysql_version]);', '--', `${WORDPRESS_SOURCE}/wp-includes/version.php`], { encoding: 'utf8' });
  const [wp, php, mysql] = JSON.parse(out) as string[];
  return { wp: wp!, php: php!, mysql: mysql! };
}

const metaOf = (detection: Detection<WpMetadata> | null) => wpMeta({ metadata: detection!.metadata! });

const VERSION_PHP = "<?php\n$wp_version = '6.4.2';\n$wp_db_version = 56657;\n$required_php_version = '7.0.0';\n$required_mysql_version = '5.0';\n";
const CONFIG = (extra = '') => `<?php
define( 'DB_NAME', 'shop' );
define( "DB_USER", "shop_user" );
define( 'DB_PASSWORD', 'sekr3t-"pw"' );
define( 'DB_HOST', 'db.internal:3307' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'AUTH_KEY', 'auth-key-value' );
define( 'NONCE_SALT', 'nonce-salt-value' );
$table_prefix = 'shop_';
${extra}
require_once ABSPATH . 'wp-settings.php';
`;

let site: WordPressSite;
let debugSite: WordPressSite;
let dirs: TestDir[] = [];
const fixture = async (tree: Record<string, string>): Promise<string> => {
  const d = await testdir(tree);
  dirs.push(d);
  return d.path;
};

beforeAll(async () => {
  [site, debugSite] = await Promise.all([createWordPressSite(), createWordPressSite({ debugLog: true, tablePrefix: 'dbg_' })]);
}, 60_000);
afterAll(async () => {
  await Promise.all([site?.stop(), debugSite?.stop(), ...dirs.map((d) => d.cleanup())]);
  dirs = [];
});

describe('detectWordpress on the real Debian WordPress', () => {
  it('reads the version, the config, the database and the folders; keeps the password out', async () => {
    const registered: string[] = [];
    const detection = await detectWordpress(detectContext(site.root, { registered }));
    const versions = phpVersions();
    expect(detection).toMatchObject({ stack: 'wordpress', version: versions.wp, confidence: 0.95, root: site.root });
    const meta = wpMeta({ metadata: detection!.metadata! });
    expect(meta).toMatchObject({
      configPath: `${site.root}/wp-config.php`,
      tablePrefix: 'wp_',
      multisite: false,
      db: { name: site.db.name, user: site.db.user, host: site.db.host, charset: 'utf8mb4' },
      contentDir: `${site.root}/wp-content`,
      pluginsDir: `${site.root}/wp-content/plugins`,
      muPluginsDir: `${site.root}/wp-content/mu-plugins`,
      themesDir: `${site.root}/wp-content/themes`,
      uploadsDir: `${site.root}/wp-content/uploads`,
      debugLog: null,
      requiredPhpVersion: versions.php,
      requiredMysqlVersion: versions.mysql,
    });
    expect(meta.constants).toMatchObject({ DB_NAME: site.db.name, WP_DEBUG: false, DISABLE_WP_CRON: true, ABSPATH: `${site.root}/` });
    expect(meta.constants).not.toHaveProperty('DB_PASSWORD');
    expect(meta.constants).not.toHaveProperty('AUTH_KEY');
    expect(JSON.stringify(detection)).not.toContain(site.db.password);
    expect(registered).toContain(site.db.password);
    const hasWp = (await new LocalExecutor().run({ script: 'command -v wp' })).exitCode === 0;
    expect(meta.wpCli).toBe(hasWp);
    expect(detection!.evidence).toEqual(expect.arrayContaining([`wp-includes/version.php found: WordPress ${versions.wp}`, 'wp-config.php found', 'table prefix wp_']));
  });

  it('finds debug.log when WP_DEBUG and WP_DEBUG_LOG are on, and the table prefix', async () => {
    const meta = wpMeta((await siteContext(debugSite.root)).app);
    expect(meta.debugLog).toBe(`${debugSite.root}/wp-content/debug.log`);
    expect(meta.tablePrefix).toBe('dbg_');
  });

  it('reads the password again on demand and registers it', async () => {
    const ctx = await siteContext(site.root);
    ctx.registered.length = 0;
    expect(await readDbPassword(ctx)).toBe(site.db.password);
    expect(ctx.registered).toContain(site.db.password);
  });
});

describe('detectWordpress on fixtures', () => {
  it('reads wp-config.php one folder above, when that folder is not an install itself', async () => {
    const parent = await fixture({ 'wp-config.php': CONFIG(), 'public/wp-includes/version.php': VERSION_PHP, 'public/wp-settings.php': '<?php' });
    const registered: string[] = [];
    const detection = await detectWordpress(detectContext(`${parent}/public`, { registered }));
    expect(detection).toMatchObject({ version: '6.4.2', confidence: 0.95, root: `${parent}/public` });
    expect(detection!.evidence).toContain(`wp-config.php found one folder above the site (${parent}/wp-config.php), as WordPress allows`);
    const meta = wpMeta({ metadata: detection!.metadata! });
    expect(meta).toMatchObject({
      configPath: `${parent}/wp-config.php`,
      tablePrefix: 'shop_',
      db: { name: 'shop', user: 'shop_user', host: 'db.internal:3307', charset: 'utf8mb4' },
      contentDir: `${parent}/public/wp-content`,
      requiredPhpVersion: '7.0.0',
    });
    expect(registered).toEqual(expect.arrayContaining(['sekr3t-"pw"', 'auth-key-value', 'nonce-salt-value']));
    expect(JSON.stringify(detection)).not.toMatch(/sekr3t|auth-key-value|nonce-salt-value/);
  });

  it('ignores the config above when that folder has its own wp-settings.php (another install)', async () => {
    const parent = await fixture({ 'wp-config.php': CONFIG(), 'wp-settings.php': '<?php', 'sub/wp-includes/version.php': VERSION_PHP });
    const detection = await detectWordpress(detectContext(`${parent}/sub`));
    expect(detection).toMatchObject({ version: '6.4.2', confidence: 0.6 });
    expect(detection!.evidence).toContain('no wp-config.php here or in the folder above: WordPress is not configured');
    expect(wpMeta({ metadata: detection!.metadata! }).configPath).toBe(`${parent}/sub/wp-config.php`);
  });

  it('is less sure with wp-config.php alone, and says null with neither file', async () => {
    const configOnly = await fixture({ 'wp-config.php': CONFIG() });
    expect(await detectWordpress(detectContext(configOnly))).toMatchObject({ version: null, confidence: 0.5 });
    const notWordpress = await fixture({ 'wp-config.php': '<?php\n$config = array();\n' });
    expect((await detectWordpress(detectContext(notWordpress)))?.confidence).toBe(0.3);
    const empty = await fixture({ 'index.php': '<?php' });
    expect(await detectWordpress(detectContext(empty))).toBeNull();
  });

  it('honours custom folders, multisite, a debug log path, and leaves secrets out', async () => {
    const root = await fixture({
      'wp-includes/version.php': VERSION_PHP,
      'wp-config.php': CONFIG(`
define( 'WP_CONTENT_DIR', __DIR__ . '/content' );
define( 'WP_PLUGIN_DIR', WP_CONTENT_DIR . '/ext' );
define( 'WPMU_PLUGIN_DIR', '/srv/shared/mu' );
define( 'UPLOADS', 'media' );
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_LOG', '/var/log/wordpress/debug.log' );
define( 'MULTISITE', true );
define( 'DOMAIN_CURRENT_SITE', 'shop.example' );
// define( 'WP_DEBUG_DISPLAY', true );
`),
    });
    const meta = metaOf(await detectWordpress(detectContext(root)));
    expect(meta).toMatchObject({
      multisite: true,
      contentDir: `${root}/content`,
      pluginsDir: `${root}/content/ext`,
      muPluginsDir: '/srv/shared/mu',
      themesDir: `${root}/content/themes`,
      uploadsDir: `${root}/media`,
      debugLog: '/var/log/wordpress/debug.log',
    });
    expect(meta.constants).toMatchObject({ WP_DEBUG: true, DOMAIN_CURRENT_SITE: 'shop.example' });
    expect(Object.keys(meta.constants)).not.toEqual(expect.arrayContaining(['DB_PASSWORD']));
    expect(meta.constants).not.toHaveProperty('NONCE_SALT');
    expect(meta.constants).not.toHaveProperty('WP_DEBUG_DISPLAY');
  });

  it('follows WordPress on the debug log: nothing without WP_DEBUG, content/debug.log for true or "1"', async () => {
    const metaFor = async (extra: string) => metaOf(await detectWordpress(detectContext(await fixture({ 'wp-includes/version.php': VERSION_PHP, 'wp-config.php': CONFIG(extra) }))));
    expect((await metaFor("define('WP_DEBUG', false); define('WP_DEBUG_LOG', true);")).debugLog).toBeNull();
    expect((await metaFor("define('WP_DEBUG_LOG', true);")).debugLog).toBeNull();
    expect((await metaFor("define('WP_DEBUG', true); define('WP_DEBUG_LOG', 1);")).debugLog).toMatch(/\/wp-content\/debug\.log$/);
    expect((await metaFor("define('WP_DEBUG', true); define('WP_DEBUG_LOG', 'true');")).debugLog).toMatch(/\/wp-content\/debug\.log$/);
    expect((await metaFor("define('WP_DEBUG', true); define('WP_DEBUG_LOG', false);")).debugLog).toBeNull();
    expect((await metaFor("define('SUBDOMAIN_INSTALL', false);")).multisite).toBe(true);
    expect((await metaFor("define('MULTISITE', false); define('SUBDOMAIN_INSTALL', false);")).multisite).toBe(false);
  });

  it('says when the password is not a plain value', async () => {
    const root = await fixture({ 'wp-includes/version.php': VERSION_PHP, 'wp-config.php': CONFIG().replace(`'sekr3t-"pw"'`, "getenv( 'DB_PASSWORD' )") });
    const app = { root, metadata: (await detectWordpress(detectContext(root)))!.metadata! };
    const ctx = { app, fs: detectContext(root).fs, secrets: { add() {} } } as never;
    await expect(readDbPassword(ctx)).rejects.toSatisfy((e) => isHealerError(e, 'CONFIG_INVALID') && e.message.includes('only PHP can compute it'));
  });

  it('sees WP-CLI when wp is on the PATH, with one probe per run', async () => {
    const bin = await fixture({ wp: '#!/bin/sh\nexit 0\n' });
    await chmod(join(bin, 'wp'), 0o755);
    class WithWp extends RecordingExecutor {
      override run(command: Command, options: RunOptions = {}): Promise<RunResult> {
        return super.run(command, { ...options, env: { ...options.env, PATH: `${bin}:${process.env['PATH']}` } });
      }
    }
    const exec = new WithWp();
    const ctx = detectContext(site.root, { exec });
    expect(metaOf(await detectWordpress(ctx)).wpCli).toBe(true);
    await detectWordpress({ ...ctx, path: debugSite.root });
    expect(exec.commands.filter((c) => JSON.stringify(c.command).includes('command -v wp'))).toHaveLength(1);
    const never = detectContext(site.root, { exec: new WithWp(), config: wordpressConfigSchema.parse({ wpCli: 'never' }) });
    expect(metaOf(await detectWordpress(never)).wpCli).toBe(false);
  });
});

describe('discovery', () => {
  it('finds every site under a folder in one batch, wp-config.php above included', async () => {
    const root = await fixture({
      'a/wp-config.php': CONFIG(),
      'a/wp-includes/version.php': VERSION_PHP,
      'b/wp-config.php': CONFIG(),
      'b/public/wp-includes/version.php': VERSION_PHP,
      'b/public/wp-settings.php': '<?php',
    });
    await mkdir(join(root, 'empty'));
    await writeFile(join(root, 'empty/readme.txt'), '');
    const plugin = definePlugin<typeof wordpressConfigSchema, WpMetadata>({
      name: 'wordpress',
      version: '1.0.0',
      engines: { core: '^1.0.0' },
      stacks: ['wordpress'],
      signatures: ['wp-config.php', 'wp-includes/version.php'],
      detectFiles: DETECT_FILES,
      configSchema: wordpressConfigSchema,
      detect: detectWordpress,
      checks: [],
      actions: [],
    });
    const exec = new RecordingExecutor();
    const healer = createHealer({ plugins: [plugin], executor: exec, sharedChecks: false });
    const found = (await healer.discover([root])).filter((f) => f.app).map((f) => [f.path, f.app!.confidence, f.app!.metadata['configPath']]);
    expect(found.sort()).toEqual([
      [`${root}/a`, 0.95, `${root}/a/wp-config.php`],
      [`${root}/b`, 0.5, `${root}/b/wp-config.php`],
      [`${root}/b/public`, 0.95, `${root}/b/wp-config.php`],
    ]);
    expect(exec.commands.filter((c) => JSON.stringify(c.command).includes('command -v wp'))).toHaveLength(1);
  });
});
