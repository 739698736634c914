/**
 * The theme rung of the white-screen ladder: switch to the configured
 * `defaultTheme`, or the newest installed `twenty*` theme that is not the
 * broken one (medium). Only the `template` and `stylesheet` options change,
 * through one `wordpress/set-theme` operation the engine applies; the
 * backup's `options` part puts them back.
 */
import { posix } from 'node:path';
import { opStep, restoreBackup, type Step } from '@healer/core';
import { setThemeOp } from './ops-site.js';
import { WHITE_SCREEN_CHECKS, culpritOf, databaseDown, metaOf, notApplicable, notWhiteScreen, opsOf, type WpAction, type WpPlanContext } from './shared.js';
import { ACTION } from '../checks/shared.js';

const ID = ACTION.switchTheme;

const UNITS = ['', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TEENS = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];

/**
 * The year of a default theme from its slug (`twentytwentythree` -> 2023,
 * `twentyten` -> 2010), or null for any other slug.
 */
export function defaultThemeYear(slug: string): number | null {
  const m = /^twenty(.*)$/.exec(slug);
  if (!m) return null;
  const rest = m[1]!;
  const teen = TEENS.indexOf(rest);
  if (teen !== -1) return 2010 + teen;
  const twenties = /^twenty(.*)$/.exec(rest);
  if (twenties) {
    const unit = UNITS.indexOf(twenties[1]!);
    return unit === -1 ? null : 2020 + unit;
  }
  return null;
}

/** The `Template:` header of a theme's style.css (the parent of a child theme), or null. */
export function parentTheme(styleCss: string): string | null {
  const m = /^[ \t/*#@]*Template:(.*)$/im.exec(styleCss.slice(0, 8192));
  const value = m?.[1]?.trim();
  return value ? value : null;
}

interface ThemeSwitch {
  from: { template: string; stylesheet: string };
  to: { template: string; stylesheet: string };
}

/** Installed themes (folders of the themes dir with a style.css), each with its style.css text. */
async function installedTheme(ctx: WpPlanContext, slug: string): Promise<string | null> {
  return ctx.fs.readText(posix.join(metaOf(ctx).themesDir, slug, 'style.css'), { maxBytes: 8192 });
}

/** The theme to switch to, or why this rung does not apply. */
async function themeSwitch(ctx: WpPlanContext): Promise<ThemeSwitch | string> {
  const notWhite = notWhiteScreen(ctx);
  if (notWhite) return notWhite;
  const culprit = culpritOf(ctx);
  if (culprit && (culprit.kind === 'mu-plugin' || culprit.kind === 'drop-in' || culprit.kind === 'core')) {
    return `the fatal error comes from a ${culprit.kind} (${culprit.file}): switching the theme cannot fix it`;
  }
  const ops = await opsOf(ctx);
  const down = await databaseDown(ctx, ops);
  if (down) return down;
  const from = await ops.theme();
  // A fatal in a child theme's own files leaves its parent innocent (WordPress's rule: the folder the file is in).
  const childAtFault = culprit?.kind === 'theme' && culprit.slug === from.stylesheet && from.template !== from.stylesheet;
  const broken = new Set([...(childAtFault ? [] : [from.template]), from.stylesheet, ...(culprit?.kind === 'theme' ? [culprit.slug] : [])]);

  const configured = ctx.config.defaultTheme;
  if (configured && !broken.has(configured)) {
    const style = await installedTheme(ctx, configured);
    if (style !== null) {
      const parent = parentTheme(style);
      if (parent !== null && broken.has(parent)) return `the configured default theme ${configured} is a child of the broken theme ${parent}`;
      return { from, to: { template: parent ?? configured, stylesheet: configured } };
    }
  }
  const entries = await ctx.fs.list(metaOf(ctx).themesDir).catch(() => []);
  const candidates = entries
    .filter((e) => e.type === 'directory' || e.type === 'symlink')
    .map((e) => ({ slug: e.name, year: defaultThemeYear(e.name) }))
    .filter((t): t is { slug: string; year: number } => t.year !== null && !broken.has(t.slug))
    .sort((a, b) => b.year - a.year);
  for (const { slug } of candidates) {
    const style = await installedTheme(ctx, slug);
    if (style !== null && parentTheme(style) === null) return { from, to: { template: slug, stylesheet: slug } };
  }
  const why = configured ? `the configured default theme ${configured} is broken or not installed, and no` : 'no';
  return `${why} default twenty* theme other than ${[...broken].join(', ')} is installed`;
}

/** The plan: one operation that sets `template` and `stylesheet` (the engine applies it). */
function switchSteps(s: ThemeSwitch): Step[] {
  return [opStep(setThemeOp, { template: s.to.template, stylesheet: s.to.stylesheet, was: { template: s.from.template, stylesheet: s.from.stylesheet } })];
}

/** Switch to a default theme (medium): the middle rung of the white-screen ladder. */
export const switchTheme: WpAction = {
  id: ID,
  title: 'Switch to a default theme',
  description: 'The white screen comes from the theme (or the plugin rung did not fix it): switch to the configured default theme or the newest installed twenty* theme. The broken theme stays installed.',
  risk: 'medium',
  fixes: [...WHITE_SCREEN_CHECKS],
  backup: { paths: [], parts: ['options'] },
  async preconditions(ctx) {
    const s = await themeSwitch(ctx);
    return typeof s === 'string' ? s : true;
  },
  async plan(ctx) {
    const s = await themeSwitch(ctx);
    if (typeof s === 'string') throw notApplicable(ID, s);
    return switchSteps(s);
  },
  rollback: restoreBackup,
};
