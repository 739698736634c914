/**
 * Healing a real test site the way users do: `createHealer` with the
 * WordPress plugin, a `FolderStateStore` in the site's temp folder, the
 * site's URL in the app settings and its PHP error log in the plugin config.
 * Plus what the action and scenario tests plant and compare.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHealer, FolderStateStore, type CreateHealerOptions, type Executor, type Healer, type ModeInput } from '@healer/core';
import { hashFolder } from '@healer/test-utils';
import type { WordpressConfigInput } from '../../src/config.js';
import { wordpressPlugin } from '../../src/plugin.js';
import { createWordPressSite, PHP_S_USER, type SiteOptions, type WordPressSite } from './wordpress-site.js';

/** A plugin that fatals as soon as WordPress loads it. */
export const FATAL_PLUGIN = "<?php\n/* Plugin Name: Broken Plugin */\nhealer_undefined_function();\n";

/** A classic theme whose functions.php calls an undefined function. */
export const FATAL_THEME: Record<string, string> = {
  'style.css': '/*\nTheme Name: Broken Theme\nVersion: 1.0\n*/\n',
  'index.php': '<?php echo "broken theme";\n',
  'functions.php': '<?php\nhealer_undefined_theme_function();\n',
};

/**
 * A site whose only problems are the ones a test plants: `wp-config.php` is
 * made 0640 (the harness writes it 0644, which wordpress/permissions reports).
 */
export async function createHealthySite(options: SiteOptions = {}): Promise<WordPressSite> {
  const site = await createWordPressSite(options);
  await chmod(join(site.root, 'wp-config.php'), 0o640);
  return site;
}

export interface SiteHealerOptions {
  mode?: ModeInput;
  executor?: Executor;
  config?: WordpressConfigInput;
  /** Extra app settings (`webServer`...); `url` is the site's. */
  settings?: Record<string, unknown>;
  /** The plugin object to register instead of {@link wordpressPlugin} (a test's wrapped copy of it). */
  plugin?: typeof wordpressPlugin;
}

/** A healer for one site: state in `<site dir>/healer-home`, backups beside the site (the default root). */
export function siteHealer(site: WordPressSite, options: SiteHealerOptions = {}): Healer {
  const { config, ...rest } = siteHealerOptions(site, options);
  return createHealer({ ...rest, plugins: [{ plugin: options.plugin ?? wordpressPlugin, config }] });
}

/** What {@link siteHealer} gives `createHealer` besides the plugin: its options, and the plugin's configuration. */
export function siteHealerOptions(site: WordPressSite, options: SiteHealerOptions = {}): Omit<CreateHealerOptions, 'plugins'> & { config: WordpressConfigInput } {
  return {
    config: { phpErrorLog: site.phpErrorLog, ...options.config },
    state: new FolderStateStore({ home: join(site.dir, 'healer-home') }),
    sharedChecks: false,
    checkTimeoutMs: 60_000,
    // A failed rung must not keep later tests of the same site from healing.
    breaker: { cooldownMs: 0 },
    apps: { [site.root]: { url: site.url, phpUser: PHP_S_USER, ...options.settings } },
    ...(options.mode ? { mode: options.mode } : {}),
    ...(options.executor ? { executor: options.executor } : {}),
  };
}

/** The options a WordPress backup saves, as the site has them now. */
export async function savedOptions(site: WordPressSite): Promise<Record<string, unknown>> {
  const [active_plugins, template, stylesheet] = await Promise.all(['active_plugins', 'template', 'stylesheet'].map((n) => site.getOption(n)));
  return { active_plugins, template, stylesheet };
}

/** Every file of the site (paths, modes, bytes) and the saved options. */
export async function snapshot(site: WordPressSite): Promise<{ files: string; options: Record<string, unknown> }> {
  return { files: await hashFolder(site.root), options: await savedOptions(site) };
}

/** Replace text in wp-config.php (the edit must change something). */
export async function editConfig(site: WordPressSite, edit: (text: string) => string): Promise<void> {
  const path = join(site.root, 'wp-config.php');
  const before = await readFile(path, 'utf8');
  const after = edit(before);
  if (after === before) throw new Error('the wp-config.php edit changed nothing');
  await writeFile(path, after);
}
