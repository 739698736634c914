/**
 * Each WordPress action on a real site: the check it answers fails, the plan
 * shows the exact steps (as data, the way a dry run prints them), a heal
 * approved for that action alone applies it and verifies it, and rolling
 * the execution back leaves the files (paths, modes, bytes) and the saved
 * options exactly as they were.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Execution, Healer, Plan, PlannedAction } from '@healer/core';
import { planDifferences } from '@healer/test-utils';
import { wordpressHtaccessBlock } from '../src/actions/htaccess-block.js';
import { setDefine } from '../src/actions/wp-config-edit.js';
import { FATAL_PLUGIN, FATAL_THEME, createHealthySite, editConfig, savedOptions, siteHealer, snapshot, type SiteHealerOptions } from './helpers/heal-harness.js';
import type { SiteOptions, WordPressSite } from './helpers/wordpress-site.js';
import { loosePermissions } from './helpers/broken-states.js';
import { wordpressPlugin } from '../src/plugin.js';

// Each test plans, backs up (files and the database), applies, verifies and rolls back on a real site: on a
// loaded two-core machine one can take over 30 s.
vi.setConfig({ testTimeout: 90_000 });

const run = promisify(execFile);

let site: WordPressSite | undefined;
let healer: Healer | undefined;

afterEach(async () => {
  await healer?.close();
  await site?.stop();
  healer = undefined;
  site = undefined;
});

async function setUp(options: SiteHealerOptions & { site?: SiteOptions } = {}): Promise<{ site: WordPressSite; healer: Healer }> {
  site = await createHealthySite(options.site);
  healer = siteHealer(site, options);
  return { site, healer };
}

/**
 * Plan in manual mode (nothing runs on its own) and return the action's
 * planned entry. Planned twice: the same state gives the same plan hash
 * (each planning with its own nonce), as an approval by hash needs.
 */
async function planFor(h: Healer, s: WordPressSite, actionId: string): Promise<{ plan: Plan; planned: PlannedAction }> {
  const plan = await h.plan(s.root, { mode: 'manual' });
  const planned = [...plan.autoHeal, ...plan.requireApproval].find((a) => a.actionId === actionId);
  expect(planned, `${actionId} is planned; cannot heal: ${JSON.stringify(plan.cannotHeal)}`).toBeDefined();
  const again = await h.plan(s.root, { mode: 'manual' });
  expect(planDifferences(plan, again)).toEqual([]);
  expect(again.planHash).toBe(plan.planHash);
  return { plan, planned: planned! };
}

/** Heal with only `actionId` approved, bound to the plan made just before. */
async function healWith(h: Healer, s: WordPressSite, actionId: string, plan: Plan): Promise<Execution> {
  const { execution } = await h.heal(s.root, { mode: 'manual', approve: { actions: [actionId], planHash: plan.planHash, fingerprint: plan.fingerprint } });
  expect(execution.attempts.map((a) => a.actionId)).toEqual([actionId]);
  return execution;
}

async function rollBack(h: Healer, execution: Execution): Promise<void> {
  const undone = await h.rollback(execution.executionId);
  expect(undone.state, undone.message).toBe('ROLLED_BACK');
}

const sha12 = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 12);

async function rootSql(statement: string): Promise<string> {
  return (await run('mariadb', ['-h127.0.0.1', '-uroot', '--batch', '--skip-column-names', '-e', statement])).stdout;
}

/** Every transient row of the site as stored: id, name, bytes, autoload. */
function transientRows(s: WordPressSite): Promise<string> {
  return s.sql("SELECT option_id, option_name, HEX(option_value), autoload FROM wp_options WHERE option_name LIKE '\\_transient\\_%' OR option_name LIKE '\\_site\\_transient\\_%' ORDER BY option_id");
}

describe('the white-screen rungs', () => {
  it('wordpress/deactivate-plugin (low): plans the active_plugins change, applies it, rolls the option back', async () => {
    const { site, healer } = await setUp();
    const file = await site.addPlugin('broken-plugin', FATAL_PLUGIN, { activate: true });
    await site.get('/');
    const before = await snapshot(site);

    const { plan, planned } = await planFor(healer, site, 'wordpress/deactivate-plugin');
    expect(planned).toMatchObject({ risk: 'low', backup: true, fixes: expect.arrayContaining(['wordpress/fatal-errors', 'wordpress/availability']) });
    expect(planned.steps).toHaveLength(1);
    expect(planned.steps[0]).toEqual({
      kind: 'op',
      write: true,
      display: `wordpress/deactivate-plugins: deactivate ${file}: active plugins [] (were ["${file}"])`,
      description: `Deactivate ${file}`,
    });

    const execution = await healWith(healer, site, 'wordpress/deactivate-plugin', plan);
    expect(execution.state, execution.message).toBe('FIXED');
    expect(await site.getOption('active_plugins')).toEqual([]);
    expect((await site.get('/')).status).toBe(200);

    await rollBack(healer, execution);
    expect(await snapshot(site)).toEqual(before);
  });

  it('wordpress/deactivate-plugin refuses a protected plugin; wordpress/deactivate-protected-plugin (high) takes it, only with approval', async () => {
    const { site, healer } = await setUp({ config: { protectedPlugins: ['shop-cart'] } });
    const file = await site.addPlugin('shop-cart', FATAL_PLUGIN, { activate: true });
    await site.get('/');
    const before = await snapshot(site);

    const supervised = await healer.plan(site.root, { mode: 'supervised' });
    expect(supervised.autoHeal).toEqual([]);
    const protectedRung = supervised.requireApproval.find((a) => a.actionId === 'wordpress/deactivate-protected-plugin');
    expect(protectedRung).toMatchObject({ risk: 'high', reason: 'high risk always needs approval' });
    expect([...supervised.autoHeal, ...supervised.requireApproval].map((a) => a.actionId)).not.toContain('wordpress/deactivate-plugin');
    const waiting = await healer.heal(site.root, { mode: 'supervised' });
    expect(waiting.execution.state).toBe('AWAITING_APPROVAL');
    expect(await snapshot(site)).toEqual(before);

    const { plan } = await planFor(healer, site, 'wordpress/deactivate-protected-plugin');
    const execution = await healWith(healer, site, 'wordpress/deactivate-protected-plugin', plan);
    expect(execution.state, execution.message).toBe('FIXED');
    expect(await site.getOption('active_plugins')).not.toContain(file);
    await rollBack(healer, execution);
    expect(await snapshot(site)).toEqual(before);
  });

  it('wordpress/switch-theme (medium): switches to the newest twenty* theme, rolls template and stylesheet back', async () => {
    const { site, healer } = await setUp();
    await site.addTheme('broken-theme', FATAL_THEME, { activate: true });
    await site.get('/');
    const before = await snapshot(site);

    const { plan, planned } = await planFor(healer, site, 'wordpress/switch-theme');
    expect(planned).toMatchObject({ risk: 'medium', backup: true });
    expect(planned.steps.map((s) => s.display)).toEqual([
      'wordpress/set-theme: switch the theme from broken-theme to twentytwentythree: options template = "twentytwentythree", stylesheet = "twentytwentythree"',
    ]);

    const execution = await healWith(healer, site, 'wordpress/switch-theme', plan);
    expect(execution.state, execution.message).toBe('FIXED');
    expect(await savedOptions(site)).toMatchObject({ template: 'twentytwentythree', stylesheet: 'twentytwentythree' });
    await rollBack(healer, execution);
    expect(await snapshot(site)).toEqual(before);
  });

  it('wordpress/safe-mode (high): every plugin off, every plugin back on rollback', async () => {
    const { site, healer } = await setUp();
    await site.setOption('active_plugins', ['akismet/akismet.php']);
    const file = await site.addPlugin('broken-plugin', FATAL_PLUGIN, { activate: true });
    await site.get('/');
    const before = await snapshot(site);

    const { plan, planned } = await planFor(healer, site, 'wordpress/safe-mode');
    expect(planned.risk).toBe('high');
    expect(planned.steps).toEqual([
      {
        kind: 'op',
        write: true,
        display: `wordpress/deactivate-plugins: deactivate akismet/akismet.php, ${file}: active plugins [] (were ["akismet/akismet.php","${file}"])`,
        description: 'Deactivate all 2 active plugins',
      },
    ]);
    const execution = await healWith(healer, site, 'wordpress/safe-mode', plan);
    expect(execution.state, execution.message).toBe('FIXED');
    expect(await site.getOption('active_plugins')).toEqual([]);
    await rollBack(healer, execution);
    expect(await snapshot(site)).toEqual(before);
  });
  it('wordpress/deactivate-plugin refuses to apply when another plugin was activated between the plan and the apply, and changes nothing', async () => {
    const s = await createHealthySite();
    site = s;
    const file = await s.addPlugin('broken-plugin', FATAL_PLUGIN, { activate: true });
    await s.get('/');
    const before = await snapshot(s);
    let calls = 0;
    // The engine's second call is its plan made again before the backup and the apply: someone activates akismet in between.
    const plugin = {
      ...wordpressPlugin,
      actions: wordpressPlugin.actions.map((action) =>
        action.id !== 'wordpress/deactivate-plugin'
          ? action
          : {
              ...action,
              async preconditions(ctx: Parameters<NonNullable<typeof action.preconditions>>[0]) {
                calls += 1;
                if (calls === 2) await s.setOption('active_plugins', ['akismet/akismet.php', file]);
                return action.preconditions!(ctx);
              },
            },
      ),
    };
    healer = siteHealer(s, { plugin });
    const { execution } = await healer.heal(s.root, { mode: 'supervised' });
    expect(calls).toBe(2);
    expect(execution.attempts.map((a) => a.actionId)).toEqual(['wordpress/deactivate-plugin']);
    expect(execution.state).not.toBe('FIXED');
    const skipped = execution.timeline.find((e) => e.type === 'action.skipped');
    expect(skipped?.data?.['code']).toBe('PLAN_DRIFT');
    expect(skipped?.message).toContain('the application changed since the plan was made, so nothing was changed');
    expect(skipped?.message).toContain(`active plugins [] (were ["${file}"])`);
    expect(skipped?.message).toContain(`active plugins ["akismet/akismet.php"] (were ["akismet/akismet.php","${file}"])`);
    expect(execution.timeline.some((e) => e.type === 'apply.started')).toBe(false);
    // Refused before the backup: nothing was written, not even a backup.
    expect(execution.timeline.some((e) => e.type === 'backup.started')).toBe(false);
    expect(await snapshot(s)).toEqual({ ...before, options: { ...before.options, active_plugins: ['akismet/akismet.php', file] } });
  });
});

describe('file and configuration actions', () => {
  it('wordpress/remove-maintenance (low): removes the stale file, puts it back byte for byte', async () => {
    const { site, healer } = await setUp();
    const path = join(site.root, '.maintenance');
    await writeFile(path, `<?php $upgrading = ${Math.floor(Date.now() / 1000) - 7200}; ?>`);
    const before = await snapshot(site);

    const { plan, planned } = await planFor(healer, site, 'wordpress/remove-maintenance');
    expect(planned.steps).toEqual([{ kind: 'remove', write: true, display: `remove ${path}`, description: 'remove the stale .maintenance' }]);
    const execution = await healWith(healer, site, 'wordpress/remove-maintenance', plan);
    expect(execution.state, execution.message).toBe('FIXED');
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    await rollBack(healer, execution);
    expect(await snapshot(site)).toEqual(before);
  });

  it('wordpress/remove-maintenance leaves a fresh .maintenance alone (an update may be running)', async () => {
    const { site, healer } = await setUp();
    await writeFile(join(site.root, '.maintenance'), `<?php $upgrading = ${Math.floor(Date.now() / 1000) + 3600}; ?>`);
    const plan = await healer.plan(site.root, { mode: 'supervised' });
    // A timestamp in the future blocks visitors, but the file is seconds old: not stale yet.
    expect(plan.autoHeal).toEqual([]);
  });

  it('wordpress/fix-permissions (medium): wp-config.php 0640, o-w on world-writable folders; modes back on rollback', async () => {
    const { site, healer } = await setUp();
    const { config, folder: open } = await loosePermissions(site);
    const before = await snapshot(site);

    const { plan, planned } = await planFor(healer, site, 'wordpress/fix-permissions');
    expect(planned.steps.map((s) => s.display)).toEqual([`chmod 0640 ${config}`, `chmod 0775 ${open}`]);
    const execution = await healWith(healer, site, 'wordpress/fix-permissions', plan);
    expect(execution.state, execution.message).toBe('FIXED');
    expect((await stat(config)).mode & 0o7777).toBe(0o640);
    expect((await stat(open)).mode & 0o7777).toBe(0o775);
    await rollBack(healer, execution);
    expect(await snapshot(site)).toEqual(before);
    expect((await stat(open)).mode & 0o7777).toBe(0o777);
  });

  it('wordpress/fix-permissions: PHP neither owner nor in the group -> chgrp to its group, then 0640; group and mode back on rollback', async () => {
    const { site, healer } = await setUp({ settings: { phpUser: 'www-data' } });
    const config = join(site.root, 'wp-config.php');
    await chmod(config, 0o644);
    const gid = (await stat(config)).gid;
    const wwwData = Number((await promisify(execFile)('id', ['-g', 'www-data'])).stdout.trim());
    expect(gid).not.toBe(wwwData);
    const before = await snapshot(site);

    const { plan, planned } = await planFor(healer, site, 'wordpress/fix-permissions');
    expect(planned.steps.map((s) => s.display)).toEqual([`chgrp -- ${wwwData} ${config}`, `chmod 0640 ${config}`]);
    const execution = await healWith(healer, site, 'wordpress/fix-permissions', plan);
    expect(execution.state, execution.message).toBe('FIXED');
    const after = await stat(config);
    expect({ mode: after.mode & 0o7777, gid: after.gid }).toEqual({ mode: 0o640, gid: wwwData });
    await rollBack(healer, execution);
    expect(await snapshot(site)).toEqual(before);
    expect((await stat(config)).gid).toBe(gid);
  });

  it('wordpress/debug-display-off (low): one write-file step with the exact new wp-config.php, reverted on rollback', async () => {
    const { site, healer } = await setUp();
    await editConfig(site, (t) => t.replace("define( 'WP_DEBUG', false );", "define( 'WP_DEBUG', true );\ndefine( 'SAVEQUERIES', true );"));
    const path = join(site.root, 'wp-config.php');
    const original = await readFile(path, 'utf8');
    const expected = setDefine(setDefine(original, 'WP_DEBUG_DISPLAY', false), 'SAVEQUERIES', false);
    const before = await snapshot(site);

    const { plan, planned } = await planFor(healer, site, 'wordpress/debug-display-off');
    expect(planned.steps).toEqual([
      {
        kind: 'write-file',
        write: true,
        display: `write ${path} (${Buffer.byteLength(expected)} bytes, sha256 ${sha12(expected)})`,
        description: 'set WP_DEBUG_DISPLAY and SAVEQUERIES to false in wp-config.php',
      },
    ]);
    const execution = await healWith(healer, site, 'wordpress/debug-display-off', plan);
    expect(execution.state, execution.message).toBe('FIXED');
    expect(await readFile(path, 'utf8')).toBe(expected);
    expect((await stat(path)).mode & 0o7777).toBe(0o640);
    await rollBack(healer, execution);
    expect(await snapshot(site)).toEqual(before);
  });

  it('wordpress/raise-memory-limit (low): sets WP_MEMORY_LIMIT after PHP ran out of memory, reverted on rollback', async () => {
    const { site, healer } = await setUp();
    await site.addPlugin(
      'memory-hog',
      "<?php\n/* Plugin Name: Memory Hog */\nif ( isset( $_GET['hog'] ) ) { ini_set( 'memory_limit', '64M' ); $a = str_repeat( 'x', 128 * 1024 * 1024 ); }\n",
      { activate: true },
    );
    expect((await site.get('/?hog=1')).status).toBe(500);
    const path = join(site.root, 'wp-config.php');
    const expected = setDefine(await readFile(path, 'utf8'), 'WP_MEMORY_LIMIT', '256M');
    const before = await snapshot(site);

    const { plan, planned } = await planFor(healer, site, 'wordpress/raise-memory-limit');
    expect(planned.steps.map((s) => s.display)).toEqual([`write ${path} (${Buffer.byteLength(expected)} bytes, sha256 ${sha12(expected)})`]);
    const execution = await healWith(healer, site, 'wordpress/raise-memory-limit', plan);
    expect(execution.state, execution.message).toBe('FIXED');
    expect(await readFile(path, 'utf8')).toContain("define( 'WP_MEMORY_LIMIT', '256M' );");
    await rollBack(healer, execution);
    expect(await snapshot(site)).toEqual(before);
  });

  it('wordpress/restore-htaccess (medium): the standard block back, every other line kept; the old file back on rollback', async () => {
    // The block matters with pretty permalinks on a server that reads .htaccess.
    const { site, healer } = await setUp({ settings: { webServer: 'apache' } });
    await site.setOption('permalink_structure', '/%postname%/');
    const path = join(site.root, '.htaccess');
    const custom = '# Custom rules\nOptions -Indexes\n\n';
    await writeFile(path, `${custom}# BEGIN WordPress\n<IfModule mod_rewrite.c>\nRewriteEngine On\nRewriteRule . /elsewhere.php [L]\n</IfModule>\n# END WordPress\n\nHeader set X-Kept yes\n`);
    const expected = `${custom}${wordpressHtaccessBlock('/')}\n\nHeader set X-Kept yes\n`;
    const before = await snapshot(site);

    const { plan, planned } = await planFor(healer, site, 'wordpress/restore-htaccess');
    expect(planned.steps.map((s) => s.display)).toEqual([`write ${path} (${Buffer.byteLength(expected)} bytes, sha256 ${sha12(expected)})`]);
    const execution = await healWith(healer, site, 'wordpress/restore-htaccess', plan);
    expect(execution.state, execution.message).toBe('FIXED');
    expect(await readFile(path, 'utf8')).toBe(expected);
    await rollBack(healer, execution);
    expect(await snapshot(site)).toEqual(before);
  });

  it('wordpress/restore-htaccess is not offered for a symlinked .htaccess (a write would refuse it): a person is asked, nothing changes', async () => {
    const { site, healer } = await setUp({ settings: { webServer: 'apache' } });
    await site.setOption('permalink_structure', '/%postname%/');
    const real = join(site.dir, 'shared.htaccess');
    const body = '# BEGIN WordPress\n# END WordPress\n';
    await writeFile(real, body);
    await symlink(real, join(site.root, '.htaccess'));
    const plan = await healer.plan(site.root, { mode: 'auto' });
    expect([...plan.autoHeal, ...plan.requireApproval].map((a) => a.actionId)).not.toContain('wordpress/restore-htaccess');
    expect(plan.cannotHeal.find((c) => c.checkId === 'wordpress/htaccess')?.reason).toContain('symbolic link');
    expect(await readFile(real, 'utf8')).toBe(body);
  });

  it('wordpress/quarantine-files (high): moves the flagged files beside the backups, moves them back on rollback', async () => {
    const { site, healer } = await setUp();
    const shell = join(site.root, 'wp-content/uploads/2024/05/shell.php');
    const injected = join(site.root, 'wp-content/plugins/old-gallery/gallery.php');
    await mkdir(join(site.root, 'wp-content/uploads/2024/05'), { recursive: true });
    await writeFile(shell, '<?php system($_GET["c"]);\n');
    await mkdir(join(site.root, 'wp-content/plugins/old-gallery'));
    await writeFile(injected, "<?php\n/* Plugin Name: Old Gallery */\neval(base64_decode('ZWNobyAxOw=='));\n");
    const before = await snapshot(site);

    const { plan, planned } = await planFor(healer, site, 'wordpress/quarantine-files');
    expect(planned.risk).toBe('high');
    const quarantine = join(site.dir, '.healer-backups', 'quarantine');
    const [galleryHash, shellHash] = [injected, shell].map(async (f) => createHash('sha256').update(await readFile(f)).digest('hex').slice(0, 16));
    const gallery = `${quarantine}/${await galleryHash}/wp-content/plugins/old-gallery`;
    const uploads = `${quarantine}/${await shellHash}/wp-content/uploads/2024/05`;
    expect(planned.steps.map((s) => s.display)).toEqual(
      [
        ...[gallery, uploads].sort().map((folder) => `wordpress/quarantine-folder: create the private folder ${folder} (mode 0700)`),
        `rename ${injected} -> ${gallery}/gallery.php`,
        `rename ${shell} -> ${uploads}/shell.php`,
      ],
    );
    const execution = await healWith(healer, site, 'wordpress/quarantine-files', plan);
    expect(execution.state, execution.message).toBe('FIXED');
    await expect(stat(shell)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(injected)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(quarantine)).length).toBe(2);
    expect((await stat(uploads)).mode & 0o777).toBe(0o700);
    expect((await stat(quarantine)).mode & 0o777).toBe(0o700);

    await rollBack(healer, execution);
    expect(await snapshot(site)).toEqual(before);
    expect(await readdir(quarantine)).toEqual([]);
  });

  it('wordpress/clear-caches (low): empties wp-content/cache and deletes transients; the cache folder and every transient row come back on rollback', async () => {
    const { site, healer } = await setUp({ config: { autoloadWarnBytes: 50_000 } });
    const cache = join(site.root, 'wp-content/cache');
    await mkdir(join(cache, 'pages'), { recursive: true });
    await writeFile(join(cache, 'pages/index.html'), '<html>cached</html>');
    await site.sql(
      "INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('_transient_healer_big', REPEAT('x', 300000), 'yes'), ('_transient_timeout_healer_big', '4102444800', 'no'), ('_site_transient_healer_bin', CONCAT('a', CHAR(9), 'b', CHAR(10), 0xC3A9, '\\\\'), 'no')",
    );
    const transients = () => transientRows(site);
    const before = await snapshot(site);
    const rows = await transients();
    expect(rows).toContain('_transient_healer_big');
    expect(rows).toContain('_site_transient_healer_bin');

    const { plan, planned } = await planFor(healer, site, 'wordpress/clear-caches');
    expect(planned.steps.map((s) => s.display)).toEqual([
      `remove ${join(cache, 'pages')}`,
      "wordpress/delete-transients: DELETE FROM `wp_options` WHERE option_name LIKE '\\_transient\\_%' OR option_name LIKE '\\_site\\_transient\\_%'",
    ]);
    const execution = await healWith(healer, site, 'wordpress/clear-caches', plan);
    expect(execution.state, execution.message).toBe('FIXED');
    expect(await readdir(cache)).toEqual([]);
    // WordPress sets some transients again as soon as a page is served (the verification requests one): the planted ones are gone.
    expect((await site.sql("SELECT COUNT(*) FROM wp_options WHERE option_name IN ('_transient_healer_big', '_transient_timeout_healer_big', '_site_transient_healer_bin')")).trim()).toBe('0');

    // A transient set after the heal is drift: the rollback would delete it.
    await site.sql("INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('_transient_set_later', 'v', 'no')");
    const refused = await healer.rollback(execution.executionId);
    expect(refused.error?.code).toBe('ROLLBACK_DRIFT');
    expect(refused.message).toContain('wp_options');
    expect(await readdir(cache)).toEqual([]);
    expect((await site.sql("SELECT option_name FROM wp_options WHERE option_name IN ('_transient_set_later', '_transient_healer_big')")).trim()).toBe('_transient_set_later');

    const forced = await healer.rollback(execution.executionId, { force: true });
    expect(forced.state, forced.message).toBe('ROLLED_BACK');
    expect(await snapshot(site)).toEqual(before);
    expect(await transients()).toBe(rows);
  });

  it('wordpress/clear-caches: a plain rollback right after the heal puts the transients back, byte for byte', async () => {
    const { site, healer } = await setUp({ config: { autoloadWarnBytes: 50_000 } });
    await site.sql("INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('_transient_healer_big', REPEAT('y', 300000), 'yes')");
    const transients = () => transientRows(site);
    const before = await snapshot(site);
    const rows = await transients();
    const { plan } = await planFor(healer, site, 'wordpress/clear-caches');
    const execution = await healWith(healer, site, 'wordpress/clear-caches', plan);
    expect(execution.state, execution.message).toBe('FIXED');
    expect(await transients()).not.toBe(rows);
    await rollBack(healer, execution);
    expect(await snapshot(site)).toEqual(before);
    expect(await transients()).toBe(rows);
  });
});

describe('database actions', () => {
  it('wordpress/repair-tables (medium): dumps the database, repairs the crashed table; the dump goes back on rollback', async () => {
    const { site, healer } = await setUp();
    await site.sql(
      "CREATE TABLE wp_healer_log (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(100), KEY (v)) ENGINE=MyISAM; INSERT INTO wp_healer_log (v) VALUES ('a'), ('b'), ('c');",
    );
    // Crash it for real: cut its index file, as a full disk or a killed server does.
    const datadir = (await site.sql('SELECT @@datadir')).trim();
    await rootSql(`FLUSH TABLES ${site.db.name}.wp_healer_log`);
    await truncate(join(datadir, site.db.name, 'wp_healer_log.MYI'), 1024);
    await rootSql(`FLUSH TABLES ${site.db.name}.wp_healer_log`);
    const before = await snapshot(site);
    const postsBefore = await site.sql('CHECKSUM TABLE wp_posts');

    const { plan, planned } = await planFor(healer, site, 'wordpress/repair-tables');
    expect(planned.steps.map((s) => s.display)).toEqual(['wordpress/repair-table: REPAIR TABLE `wp_healer_log`']);
    const execution = await healWith(healer, site, 'wordpress/repair-tables', plan);
    expect(execution.state, execution.message).toBe('FIXED');
    expect(await site.sql('CHECK TABLE wp_healer_log')).toMatch(/status\tOK/);
    expect((await site.sql('SELECT v FROM wp_healer_log ORDER BY id')).trim().split('\n')).toEqual(['a', 'b', 'c']);

    await rollBack(healer, execution);
    expect(await snapshot(site)).toEqual(before);
    expect(await site.sql('CHECKSUM TABLE wp_posts')).toBe(postsBefore);
  });
});
