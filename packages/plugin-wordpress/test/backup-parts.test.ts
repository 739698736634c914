/**
 * The `options` and `database` backup parts through the healing engine on a
 * real site: a medium-risk action changes plugins, theme, a post and files,
 * its verification fails, and the rollback puts every one of them back.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealer, definePlugin, restoreBackup, type HealingAction } from '@healer/core';
import { hashFolder } from '@healer/test-utils';
import { wordpressBackup } from '../src/backup.js';
import { wordpressConfigSchema, type WordpressConfig } from '../src/config.js';
import { detectWordpress } from '../src/detect.js';
import { wpOps } from '../src/ops/index.js';
import { createWordPressSite, type WordPressSite } from './helpers/wordpress-site.js';
import { RecordingExecutor } from './helpers/ops-context.js';
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
    await ctx.fs.writeFile(`${ctx.app.root}/wp-content/plugins/added-by-action.php`, '<?php // new');
    await ctx.fs.writeFile(`${ctx.app.root}/wp-content/plugins/keep/keep.php`, '<?php /* Plugin Name: Keep */ // edited');
  },
  verify: async () => ({ ok: false, message: 'Still broken (on purpose).' }),
  rollback: restoreBackup,
});

const pluginWith = (parts: string[]) => definePlugin<typeof wordpressConfigSchema, WpMetadata>({
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
  actions: [breakEverything(parts)],
  backup: wordpressBackup,
});

describe('WordPress backup parts', () => {
  it('put options, a changed row and files back after a failed verification', async () => {
    await site.addPlugin('keep', '<?php /* Plugin Name: Keep */', { activate: true });
    await site.addPlugin('other', '<?php /* Plugin Name: Other */', { activate: true });
    await site.addTheme('healer-child', { 'style.css': '/*\nTheme Name: Healer Child\nTemplate: twentytwentythree\n*/\n' });
    await site.setOption('healer_marker', 'broken');
    const options = await storedOptions();
    const row = await post();
    const files = await hashFolder(`${site.root}/wp-content/plugins`);
    expect(options).toContain('active_plugins');

    const exec = new RecordingExecutor();
    const healer = createHealer({ plugins: [pluginWith(['options', 'database'])], executor: exec, sharedChecks: false, mode: 'auto' });
    const { execution } = await healer.heal(site.root);
    expect(execution.state).toBe('ROLLED_BACK');

    expect(await storedOptions()).toBe(options);
    expect(await post()).toBe(row);
    expect(await hashFolder(`${site.root}/wp-content/plugins`)).toBe(files);
    expect((await site.get('/')).status).toBe(200);

    const [manifest] = await healer.backups.list();
    expect(manifest!.parts.map((p) => [p.name, p.files.map((f) => f.path)])).toEqual([
      ['options', ['parts/options/options.json']],
      ['database', ['parts/database/database.sql']],
    ]);
    const saved = JSON.parse(await readFile(`${manifest!.dir}/parts/options/options.json`, 'utf8')) as { options: Record<string, unknown> };
    expect(saved.options['active_plugins']).toEqual(['keep/keep.php', 'other/other.php']);
    expect(saved.options['stylesheet']).toBe('twentytwentythree');
    const dump = await readFile(`${manifest!.dir}/parts/database/database.sql`, 'utf8');
    expect(dump).toContain('CREATE TABLE `wp_options`');
    expect(dump).toContain('CREATE TABLE `wp_posts`');
    expect(dump).not.toContain(site.db.password);
    expect(manifest!.parts[1]!.meta).toMatchObject({ database: site.db.name, prefix: 'wp_', file: 'database.sql' });
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
