/**
 * The site operations the white-screen rungs and the quarantine plan as
 * `op` steps: deactivate plugins, set the theme, make a private quarantine
 * folder. Each is carried out through the site's operations layer (WP-CLI,
 * the PHP helper or the database client) or its fs, and reads back what it
 * changed so that a later rollback can tell when someone changed it since.
 */
import { posix } from 'node:path';
import { z } from 'zod';
import { HealerError, isPathWithin, type Operation } from '@healer/core';
import type { WordpressConfig } from '../config.js';
import type { WpMetadata } from '../types.js';
import { backupRootOf, opsOf } from './shared.js';

type WpOperation<A> = Operation<A, WordpressConfig, WpMetadata>;

/** A plugin file as WordPress lists it in `active_plugins`: `folder/main.php` or `file.php`, never a way out of the plugins folder. */
const pluginFile = z
  .string()
  .min(1)
  .refine((f) => !/[\0\n\\]/.test(f) && !f.startsWith('/') && !f.split('/').includes('..'), 'not a plugin file (folder/main.php)');

/** A theme folder name (the ops layer refuses the same). */
const themeSlug = z
  .string()
  .min(1)
  .refine((s) => s !== '.' && s !== '..' && !/[/\\\0\n]/.test(s), 'not a theme folder name');

const list = (files: readonly string[]): string => JSON.stringify(files);

export interface DeactivatePluginsArgs {
  /** Plugin files to turn off (site-active or network-active). */
  files: string[];
  /** Every active plugin when the plan was made (`active_plugins`, then `active_sitewide_plugins` on multisite). */
  active: string[];
}

/**
 * Drop plugin files from `active_plugins` (and `active_sitewide_plugins` on
 * multisite); their files stay. `active` is in the arguments so that the plan
 * (and its hash) changes when another plugin is turned on or off before the
 * apply.
 */
export const deactivatePluginsOp: WpOperation<DeactivatePluginsArgs> = {
  id: 'wordpress/deactivate-plugins',
  args: z.object({ files: z.array(pluginFile).min(1), active: z.array(pluginFile) }),
  describe: ({ files, active }) => `deactivate ${files.join(', ')}: active plugins ${list(active.filter((f) => !files.includes(f)))} (were ${list(active)})`,
  async apply(ctx, { files }) {
    const ops = await opsOf(ctx);
    await ops.deactivatePlugins(files);
    const still = (await ops.activePlugins()).filter((f) => files.includes(f));
    if (still.length > 0) throw new HealerError('COMMAND_FAILED', `${still.join(', ')} still active after the ${ops.kind} operations deactivated it.`);
  },
  async read(ctx) {
    return list(await (await opsOf(ctx)).activePlugins());
  },
};

export interface SetThemeArgs {
  /** The theme to switch to: `template` (the parent) and `stylesheet` (the child, or the same). */
  template: string;
  stylesheet: string;
  /** The theme when the plan was made. */
  was: { template: string; stylesheet: string };
}

const showTheme = (t: { template: string; stylesheet: string }): string => (t.template === t.stylesheet ? t.stylesheet : `${t.stylesheet} (child of ${t.template})`);

/** Set the `template` and `stylesheet` options (and `current_theme`, as switch_theme() does). */
export const setThemeOp: WpOperation<SetThemeArgs> = {
  id: 'wordpress/set-theme',
  args: z.object({ template: themeSlug, stylesheet: themeSlug, was: z.object({ template: z.string(), stylesheet: z.string() }) }),
  describe: ({ template, stylesheet, was }) =>
    `switch the theme from ${showTheme(was)} to ${showTheme({ template, stylesheet })}: options template = ${JSON.stringify(template)}, stylesheet = ${JSON.stringify(stylesheet)}`,
  async apply(ctx, { template, stylesheet }) {
    const ops = await opsOf(ctx);
    await ops.switchTheme(template, stylesheet);
    const now = await ops.theme();
    if (now.template !== template || now.stylesheet !== stylesheet) {
      throw new HealerError('COMMAND_FAILED', `The theme is ${showTheme(now)} after the ${ops.kind} operations switched it to ${showTheme({ template, stylesheet })}.`);
    }
  },
  async read(ctx) {
    const { template, stylesheet } = await (await opsOf(ctx)).theme();
    return JSON.stringify({ template, stylesheet });
  },
};

export interface QuarantineFolderArgs {
  /** A folder under `<backup root>/quarantine`. */
  path: string;
}

/** `<backup root>/quarantine`, where quarantined files go. */
export function quarantineRoot(backupRoot: string): string {
  return posix.join(backupRoot, 'quarantine');
}

/**
 * Make a folder of the quarantine (and the folders above it, up to the
 * quarantine itself), private to the backup owner: the files moved there are
 * suspect. A rename step cannot create its destination's folder.
 */
export const quarantineFolderOp: WpOperation<QuarantineFolderArgs> = {
  id: 'wordpress/quarantine-folder',
  args: z.object({ path: z.string().refine((p) => posix.isAbsolute(p) && posix.resolve(p) === p && !/[\0\n]/.test(p), 'an absolute, normalized path') }),
  describe: ({ path }) => `create the private folder ${path} (mode 0700)`,
  async apply(ctx, { path }) {
    const root = quarantineRoot(backupRootOf(ctx));
    if (!isPathWithin(root, path)) throw new HealerError('ACTION_UNSAFE', `${path} is not inside the quarantine folder ${root}.`);
    await ctx.fs.mkdir(path, { mode: 0o700 });
  },
  async read(ctx, { path }) {
    const st = await ctx.fs.stat(path);
    return st ? `${st.type} ${st.mode.toString(8).padStart(4, '0')}` : null;
  },
};

/** Every operation of this file, for the plugin's `operations`. */
export const siteOperations = [deactivatePluginsOp, setThemeOp, quarantineFolderOp];
