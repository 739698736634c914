/**
 * The plugin rungs of the white-screen ladder: deactivate the plugin the
 * fatal error points at (low, or high when it is in `protectedPlugins`), and
 * safe mode, every plugin off (high). Deactivation only rewrites the
 * `active_plugins` option (and `active_sitewide_plugins` on multisite), never
 * a file: the plan is one `wordpress/deactivate-plugins` operation the engine
 * applies, the backup is the `options` part and the rollback puts the option back.
 */
import { opStep, restoreBackup, type Step } from '@healer/core';
import { deactivatePluginsOp } from './ops-site.js';
import { WHITE_SCREEN_CHECKS, culpritOf, databaseDown, notApplicable, notWhiteScreen, opsOf, type WpAction, type WpPlanContext } from './shared.js';
import { fatalErrorsCheck } from '../checks/php-logs.js';
import { ACTION } from '../checks/shared.js';

interface Deactivation {
  /** Plugin files (`folder/main.php`) to turn off. */
  files: string[];
  /** `active_plugins` now. */
  before: string[];
}

/** Files of `active` that belong to plugin `slug` (a folder plugin or a single file). */
export function pluginFiles(active: readonly string[], slug: string): string[] {
  return active.filter((f) => f === `${slug}.php` || f.startsWith(`${slug}/`));
}

/** What deactivating the culprit would do, or why this action does not apply. */
async function culpritDeactivation(ctx: WpPlanContext, protectedOnly: boolean): Promise<Deactivation | string> {
  const culprit = culpritOf(ctx);
  if (!culprit) return `${fatalErrorsCheck.id} names no culprit`;
  if (culprit.kind !== 'plugin') return `the fatal error comes from ${culprit.kind === 'unknown' ? 'an unknown file' : `a ${culprit.kind}`}, not a plugin`;
  const isProtected = ctx.config.protectedPlugins.includes(culprit.slug);
  if (protectedOnly && !isProtected) return `${culprit.slug} is not a protected plugin (${ACTION.deactivatePlugin} handles it)`;
  if (!protectedOnly && isProtected) {
    return `${culprit.slug} is protected (protectedPlugins): deactivating it is high risk and needs approval (wordpress/deactivate-protected-plugin)`;
  }
  const ops = await opsOf(ctx);
  const down = await databaseDown(ctx, ops);
  if (down) return down;
  const before = await ops.activePlugins();
  const files = pluginFiles(before, culprit.slug);
  if (files.length === 0) return `${culprit.slug} is not active`;
  return { files, before };
}

/** The plan: one operation that drops `d.files` from the active plugins (the engine applies it). */
function deactivationSteps(d: Deactivation, what: string): Step[] {
  return [opStep(deactivatePluginsOp, { files: d.files, active: d.before }, what)];
}

function deactivateCulprit(protectedOnly: boolean): WpAction {
  const id = protectedOnly ? 'wordpress/deactivate-protected-plugin' : ACTION.deactivatePlugin;
  return {
    id,
    title: protectedOnly ? 'Deactivate the protected plugin that crashes the site' : 'Deactivate the plugin that crashes the site',
    description: protectedOnly
      ? 'The fatal error comes from a plugin listed in protectedPlugins (a shop cart, a membership gate): turning it off changes what the site does, so it always needs approval.'
      : 'The fatal error comes from one plugin: turn only that plugin off (its files stay), for every visitor.',
    risk: protectedOnly ? 'high' : 'low',
    fixes: [...WHITE_SCREEN_CHECKS],
    requiresBackup: true,
    backup: { paths: [], parts: ['options'] },
    async preconditions(ctx) {
      const d = await culpritDeactivation(ctx, protectedOnly);
      return typeof d === 'string' ? d : true;
    },
    async plan(ctx) {
      const d = await culpritDeactivation(ctx, protectedOnly);
      if (typeof d === 'string') throw notApplicable(id, d);
      return deactivationSteps(d, `Deactivate ${d.files.join(', ')}`);
    },
    rollback: restoreBackup,
  };
}

/** Deactivate the culprit plugin (low). Refuses protected plugins: see {@link deactivateProtectedPlugin}. */
export const deactivatePlugin: WpAction = deactivateCulprit(false);

/**
 * Deactivate a culprit plugin listed in `protectedPlugins` (high: always
 * needs approval). A separate action because the registry gives each action
 * one risk; the two refuse each other's cases in their preconditions.
 */
export const deactivateProtectedPlugin: WpAction = deactivateCulprit(true);

function everyPlugin(n: number): string {
  return n === 1 ? 'Deactivate the only active plugin' : `Deactivate all ${n} active plugins`;
}

/** Why safe mode cannot help, or the plugins it would turn off. */
async function safeModeTarget(ctx: WpPlanContext): Promise<Deactivation | string> {
  const notWhite = notWhiteScreen(ctx);
  if (notWhite) return notWhite;
  const culprit = culpritOf(ctx);
  if (culprit && culprit.kind !== 'plugin' && culprit.kind !== 'unknown') {
    return `the fatal error comes from ${culprit.kind === 'theme' ? `the theme ${culprit.slug}` : `a ${culprit.kind}`}: turning plugins off cannot fix it`;
  }
  const ops = await opsOf(ctx);
  const down = await databaseDown(ctx, ops);
  if (down) return down;
  const before = await ops.activePlugins();
  if (before.length === 0) return 'no plugin is active';
  return { files: before, before };
}

/** Safe mode: every plugin off (high). The last rung of the white-screen ladder. */
export const safeMode: WpAction = {
  id: ACTION.safeMode,
  title: 'Safe mode: deactivate every plugin',
  description: 'When neither the culprit plugin nor the theme is the answer: every plugin off, the site back on its theme alone. Plugin files stay; the saved list puts them back.',
  risk: 'high',
  fixes: [...WHITE_SCREEN_CHECKS],
  backup: { paths: [], parts: ['options'] },
  async preconditions(ctx) {
    const t = await safeModeTarget(ctx);
    return typeof t === 'string' ? t : true;
  },
  async plan(ctx) {
    const t = await safeModeTarget(ctx);
    if (typeof t === 'string') throw notApplicable(ACTION.safeMode, t);
    return deactivationSteps(t, everyPlugin(t.files.length));
  },
  rollback: restoreBackup,
};
