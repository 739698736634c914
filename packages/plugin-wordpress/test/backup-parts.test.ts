/**
 * The `options`, `database` and `transients` backup parts through the
 * healing engine on a real site: a medium-risk action changes plugins,
 * theme, a post, transients and files, its verification fails, and the
 * rollback puts every one of them back.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealer, definePlugin, restoreBackup, type ActionContext, type HealingAction } from '@healer/core';
import { hashFolder } from '@healer/test-utils';
import { wordpressBackup } from '../src/backup.js';
import { wordpressConfigSchema, type WordpressConfig } from '../src/config.js';
import { detectWordpress, wpMeta } from '../src/detect.js';
import { deleteTransientsOp, transientArgs } from '../src/actions/ops-db.js';
import { wpOps } from '../src/ops/index.js';
import { createWordPressSite, type WordPressSite } from './helpers/wordpress-site.js';
import { RecordingExecutor, siteContext } from './helpers/ops-context.js';
import type { WpMetadata } from '../src/types.js';

let site: WordPressSite;
beforeAll(async () => {
  site = await createWordPressSite();
}, 60_000);
afterAll(() => site?.stop());

/** Each saved option as stored (existence and bytes). */
const storedOptions = (): Promise<string> =>
  site.sql("SELECT option_name, HEX(option_value) FROM wp_options WHERE option_name IN ('active_plugins', 'template', 'stylesheet', 'current_theme') ORDER BY option_name");
const post = (): Promise<string> => site.sql('SELECT post_title, post_status FROM wp_posts WHERE ID = 1');
const TRANSIENT = "option_name LIKE '\\_transient\\_%' OR option_name LIKE '\\_site\\_transient\\_%'";
/** Every transient row as stored: id, name, bytes, autoload. */
const transients = (s: WordPressSite = site): Promise<string> => s.sql(`SELECT option_id, option_name, HEX(option_value), autoload FROM wp_options WHERE ${TRANSIENT} ORDER BY option_id`);
/** Transients planted before each heal: a timeout, bytes that need escaping, a large value. */
const PLANTED =
  "INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('_transient_healer_a', CONCAT('tab', CHAR(9), 'nl', CHAR(10), 'quote''', 0xC3A9, '\\\\'), 'yes'), ('_transient_timeout_healer_a', '4102444800', 'no'), ('_site_transient_healer_b', REPEAT('z', 200000), 'no')";

/** A medium-risk action that changes everything the parts protect, and never verifies. */
const breakEverything = (parts: string[]): HealingAction<WordpressConfig, WpMetadata> => ({
  id: 'wordpress/test-change-everything',
  title: 'Change plugins, theme, a post and plugin files (test)',
  risk: 'medium',
  fixes: ['wordpress/test-marker'],
  backup: { paths: ['wp-content/plugins'], parts },
  plan: () => [{ kind: 'note', write: true, description: 'Deactivate plugins, switch theme, edit post 1, write plugin files.' }],
  async apply(ctx) {
    const ops = await wpOps(ctx);
    await ops.deactivatePlugins(await ops.activePlugins());
    await ops.switchTheme('twentytwentythree', 'healer-child');
    await site.sql("UPDATE wp_posts SET post_title = 'Changed by the action', post_status = 'draft' WHERE ID = 1");
    await site.sql(`DELETE FROM wp_options WHERE option_name = '_transient_healer_a'; UPDATE wp_options SET option_value = 'changed' WHERE option_name = '_site_transient_healer_b'; REPLACE INTO wp_options (option_name, option_value, autoload) VALUES ('_transient_added_by_action', 'new', 'yes')`);
    await ctx.fs.writeFile(`${ctx.app.root}/wp-content/plugins/added-by-action.php`, '<?php // new');
    await ctx.fs.writeFile(`${ctx.app.root}/wp-content/plugins/keep/keep.php`, '<?php /* Plugin Name: Keep */ // edited');
  },
  verify: async () => ({ ok: false, message: 'Still broken (on purpose).' }),
  rollback: restoreBackup,
});

/** A medium-risk action that deletes, changes and adds transients of `target`, in the options table and sitemeta, and never verifies. */
const changeTransients = (target: WordPressSite): HealingAction<WordpressConfig, WpMetadata> => ({
  id: 'wordpress/test-change-transients',
  title: 'Change transients (test)',
  risk: 'medium',
  fixes: ['wordpress/test-marker'],
  backup: { paths: [], parts: ['transients'] },
  plan: () => [{ kind: 'note', write: true, description: 'Delete, change and add transients.' }],
  async apply() {
    await target.sql(
      `DELETE FROM wp_options WHERE option_name = '_transient_healer_a'; UPDATE wp_options SET option_value = 'changed' WHERE option_name = '_site_transient_healer_b';
       DELETE FROM wp_sitemeta WHERE meta_key = '_site_transient_timeout_healer_net'; UPDATE wp_sitemeta SET meta_value = 'changed' WHERE meta_key = '_site_transient_healer_net';
       INSERT INTO wp_sitemeta (site_id, meta_key, meta_value) VALUES (1, '_site_transient_added', 'new'); INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('_transient_added', 'new', 'no')`,
    );
  },
  verify: async () => ({ ok: false, message: 'Still broken (on purpose).' }),
  rollback: restoreBackup,
});

const pluginWith = (parts: string[], action: HealingAction<WordpressConfig, WpMetadata> = breakEverything(parts)) => definePlugin<typeof wordpressConfigSchema, WpMetadata>({
  name: 'wordpress',
  version: '1.0.0',
  engines: { core: '^1.0.0' },
  stacks: ['wordpress'],
  signatures: ['wp-config.php', 'wp-includes/version.php'],
  configSchema: wordpressConfigSchema,
  detect: detectWordpress,
  checks: [
    {
      id: 'wordpress/test-marker',
      title: 'The marker option says healthy (test)',
      category: 'configuration',
      severity: 'high',
      async run(ctx) {
        const value = await (await wpOps(ctx)).getOption('healer_marker');
        return value === 'healthy' ? { status: 'pass', message: 'Healthy.' } : { status: 'fail', message: `Marker is ${String(value)}.` };
      },
    },
  ],
  actions: [action],
  backup: wordpressBackup,
});

describe('WordPress backup parts', () => {
  it('put options, a changed row and files back after a failed verification', async () => {
    await site.addPlugin('keep', '<?php /* Plugin Name: Keep */', { activate: true });
    await site.addPlugin('other', '<?php /* Plugin Name: Other */', { activate: true });
    await site.addTheme('healer-child', { 'style.css': '/*\nTheme Name: Healer Child\nTemplate: twentytwentythree\n*/\n' });
    await site.setOption('healer_marker', 'broken');
    await site.sql(PLANTED);
    const options = await storedOptions();
    const row = await post();
    const transientRows = await transients();
    const files = await hashFolder(`${site.root}/wp-content/plugins`);
    expect(options).toContain('active_plugins');

    const exec = new RecordingExecutor();
    const healer = createHealer({ plugins: [pluginWith(['options', 'database', 'transients'])], executor: exec, sharedChecks: false, mode: 'auto' });
    const { execution } = await healer.heal(site.root);
    expect(execution.state).toBe('ROLLED_BACK');

    expect(await storedOptions()).toBe(options);
    expect(await post()).toBe(row);
    expect(await transients()).toBe(transientRows);
    expect(await hashFolder(`${site.root}/wp-content/plugins`)).toBe(files);
    expect((await site.get('/')).status).toBe(200);

    const [manifest] = await healer.backups.list();
    expect(manifest!.parts.map((p) => [p.name, p.files.map((f) => f.path)])).toEqual([
      ['options', ['parts/options/options.json']],
      ['database', ['parts/database/database.sql']],
      ['transients', ['parts/transients/wp_options.sql']],
    ]);
    const saved = JSON.parse(await readFile(`${manifest!.dir}/parts/options/options.json`, 'utf8')) as { options: Record<string, unknown> };
    expect(saved.options['active_plugins']).toEqual(['keep/keep.php', 'other/other.php']);
    expect(saved.options['stylesheet']).toBe('twentytwentythree');
    const dump = await readFile(`${manifest!.dir}/parts/database/database.sql`, 'utf8');
    expect(dump).toContain('CREATE TABLE `wp_options`');
    expect(dump).toContain('CREATE TABLE `wp_posts`');
    expect(dump).not.toContain(site.db.password);
    expect(manifest!.parts[1]!.meta).toMatchObject({ database: site.db.name, prefix: 'wp_', file: 'database.sql' });
    const savedRows = await readFile(`${manifest!.dir}/parts/transients/wp_options.sql`, 'utf8');
    expect(savedRows).toContain('_transient_healer_a');
    expect(savedRows).not.toContain('active_plugins');
    expect(savedRows).not.toContain(site.db.password);
    expect(manifest!.parts[2]!.meta).toMatchObject({ database: site.db.name, tables: [{ table: 'wp_options', file: 'wp_options.sql' }] });
    expect(JSON.stringify(manifest)).not.toContain(site.db.password);

    for (const { command, options: o } of exec.commands) {
      expect(JSON.stringify(command)).not.toContain(site.db.password);
      expect(JSON.stringify(o?.env ?? {})).not.toContain(site.db.password);
    }
    expect(JSON.stringify(execution)).not.toContain(site.db.password);
  });

  it('puts the options back on their own, removing one that did not exist', async () => {
    await site.sql("DELETE FROM wp_options WHERE option_name = 'current_theme'");
    await site.setOption('healer_marker', 'broken');
    const options = await storedOptions();
    expect(options).not.toContain('current_theme');
    const healer = createHealer({ plugins: [pluginWith(['options'])], sharedChecks: false, mode: 'auto' });
    const { execution } = await healer.heal(site.root);
    expect(execution.state).toBe('ROLLED_BACK');
    expect(await storedOptions()).toBe(options);
    // Without the database part the post keeps the action's change: only what was saved comes back.
    expect(await post()).toMatch(/^Changed by the action\t/);
  });
});

describe('the transients part on multisite', () => {
  let ms: WordPressSite;
  beforeAll(async () => {
    ms = await createWordPressSite();
    // WordPress's own network installer, then the constants wp-config.php gets for a network.
    await ms.php(
      `require_once ABSPATH . 'wp-admin/includes/upgrade.php'; require_once ABSPATH . 'wp-admin/includes/network.php';
       foreach ($wpdb->tables('ms_global') as $table => $prefixed) { $wpdb->$table = $prefixed; }
       install_network(); populate_network(1, 'healer.test', 'admin@example.com', 'Healer network', '/', false);`,
    );
    const path = `${ms.root}/wp-config.php`;
    const text = await readFile(path, 'utf8');
    await writeFile(
      path,
      text.replace(
        "require_once ABSPATH . 'wp-settings.php';",
        "define( 'MULTISITE', true );\ndefine( 'SUBDOMAIN_INSTALL', false );\ndefine( 'DOMAIN_CURRENT_SITE', 'healer.test' );\ndefine( 'PATH_CURRENT_SITE', '/' );\ndefine( 'SITE_ID_CURRENT_SITE', 1 );\ndefine( 'BLOG_ID_CURRENT_SITE', 1 );\nrequire_once ABSPATH . 'wp-settings.php';",
      ),
    );
  }, 60_000);
  afterAll(() => ms?.stop());

  it('saves the network transients in sitemeta too, and puts both tables back row for row', async () => {
    await ms.sql(`${PLANTED}; INSERT INTO wp_sitemeta (site_id, meta_key, meta_value) VALUES (1, '_site_transient_healer_net', 'net'), (1, '_site_transient_timeout_healer_net', '4102444800')`);
    await ms.sql("INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('healer_marker', 'broken', 'no')");
    const networkTransients = () =>
      ms.sql("SELECT meta_id, site_id, meta_key, HEX(meta_value) FROM wp_sitemeta WHERE meta_key LIKE '\\_transient\\_%' OR meta_key LIKE '\\_site\\_transient\\_%' ORDER BY meta_id");
    const before = { options: await transients(ms), sitemeta: await networkTransients() };
    expect(before.sitemeta).toContain('_site_transient_healer_net');

    const healer = createHealer({ plugins: [pluginWith(['transients'], changeTransients(ms))], sharedChecks: false, mode: 'auto' });
    const { execution } = await healer.heal(ms.root);
    expect(execution.state, execution.message).toBe('ROLLED_BACK');
    expect({ options: await transients(ms), sitemeta: await networkTransients() }).toEqual(before);

    const [manifest] = await healer.backups.list();
    expect(manifest!.parts.map((p) => [p.name, p.files.map((f) => f.path)])).toEqual([['transients', ['parts/transients/wp_options.sql', 'parts/transients/wp_sitemeta.sql']]]);
    await healer.close();
  });

  it('wordpress/delete-transients deletes the transients of both tables, and refuses any other tables', async () => {
    await ms.sql("REPLACE INTO wp_sitemeta (meta_id, site_id, meta_key, meta_value) VALUES (9001, 1, '_site_transient_healer_del', 'x'); REPLACE INTO wp_options (option_name, option_value, autoload) VALUES ('_transient_healer_del', 'x', 'no')");
    const ctx = (await siteContext(ms.root)) as unknown as ActionContext<WordpressConfig, WpMetadata>;
    const args = transientArgs(wpMeta(ctx.app));
    expect(args).toEqual({ options: 'wp_options', sitemeta: 'wp_sitemeta' });
    await expect(deleteTransientsOp.apply(ctx, { options: 'wp_options', sitemeta: null })).rejects.toThrow(/wp_options and wp_sitemeta/);
    expect((await ms.sql("SELECT COUNT(*) FROM wp_sitemeta WHERE meta_key = '_site_transient_healer_del'")).trim()).toBe('1');
    await deleteTransientsOp.apply(ctx, args);
    expect((await ms.sql("SELECT COUNT(*) FROM wp_sitemeta WHERE meta_key LIKE '\\_%transient\\_%'")).trim()).toBe('0');
    expect((await ms.sql(`SELECT COUNT(*) FROM wp_options WHERE ${TRANSIENT}`)).trim()).toBe('0');
    expect((await ms.sql("SELECT COUNT(*) FROM wp_sitemeta WHERE meta_key = 'site_name'")).trim()).toBe('1');
  });
});
