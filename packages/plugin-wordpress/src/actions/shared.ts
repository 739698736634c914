/**
 * What the WordPress actions share: their context type, the culprit named by
 * the fatal-errors check, the site's operations, paths and small guards.
 * @internal
 */
import { posix } from 'node:path';
import { HealerError, isPathWithin, type ActionContext, type HealingAction, type PlanContext } from '@healer/core';
import type { WordpressConfig } from '../config.js';
import { wpMeta } from '../detect.js';
import { wpOps } from '../ops/index.js';
import { culpritFromDetails } from '../culprit.js';
import type { Culprit, WpMetadata, WpOps } from '../types.js';
import { availabilityCheck } from '../checks/availability.js';
import { fatalErrorsCheck } from '../checks/php-logs.js';

export type WpActionContext = ActionContext<WordpressConfig, WpMetadata>;
/** What plan() and preconditions() see: no execution id, no backup. */
export type WpPlanContext = PlanContext<WordpressConfig, WpMetadata>;
export type WpAction = HealingAction<WordpressConfig, WpMetadata>;

/** The checks a white screen fails, which every rung of the ladder must make pass. */
export const WHITE_SCREEN_CHECKS: readonly string[] = [fatalErrorsCheck.id, availabilityCheck.id];

export function metaOf(ctx: WpPlanContext): WpMetadata {
  return wpMeta(ctx.app);
}

/** The site's operations layer (WP-CLI, PHP helper or direct SQL), chosen once per run. */
export function opsOf(ctx: WpPlanContext): Promise<WpOps> {
  return wpOps(ctx);
}

/** `relative` under the app root. */
export function appPath(ctx: WpPlanContext, relative: string): string {
  return posix.join(ctx.app.root, relative);
}

/** The result of `checkId` this action was planned for, if it failed or warned. */
export function resultOf(ctx: WpPlanContext, checkId: string): { id: string; status: string; details?: Record<string, unknown> } | undefined {
  return ctx.results.find((r) => r.id === checkId && (r.status === 'fail' || r.status === 'warn'));
}

/** The culprit the fatal-errors check attributed the white screen to, or null. */
export function culpritOf(ctx: WpPlanContext): Culprit | null {
  return culpritFromDetails(resultOf(ctx, fatalErrorsCheck.id)?.details?.['culprit']);
}

/**
 * A reason to refuse when the database does not answer (the ladder's rungs
 * all change options, and a white screen from a dead database is not theirs
 * to fix), else null. One connection attempt per run.
 */
export async function databaseDown(ctx: WpPlanContext, ops: WpOps): Promise<string | null> {
  const error = await ctx.facts.get('wordpress:db-connect-error', () => ops.connectError());
  if (error === null) return null;
  return `the database does not answer (error ${error.errno}); see wordpress/database-connection`;
}

/**
 * `wp-config.php`, when the actions may edit it: it must lie inside the app
 * root (WordPress also allows the folder above, where writes are refused).
 */
export function editableConfigPath(ctx: WpPlanContext): { path: string } | { refused: string } {
  const path = metaOf(ctx).configPath;
  if (!isPathWithin(ctx.app.root, path)) {
    return { refused: `wp-config.php is outside the application root (${path}); edit it by hand` };
  }
  return { path };
}

/** The backup root for this app (known at plan time; the plan's fs writes nowhere). */
export function backupRootOf(ctx: WpPlanContext): string {
  return ctx.backupRoot;
}

/** Read a text file the action is about to change; a clear error when it is gone. */
export async function readRequired(ctx: WpPlanContext, path: string): Promise<string> {
  const text = await ctx.fs.readText(path);
  if (text === null) throw new HealerError('FILE_NOT_FOUND', `${path} does not exist.`);
  return text;
}

/** The error plan() and apply() throw when the site no longer fits the action (the preconditions said yes a moment ago). */
export function notApplicable(actionId: string, reason: string): HealerError {
  return new HealerError('ACTION_UNSAFE', `${actionId} does not apply: ${reason}.`);
}

/** What `wordpress/availability` reports for a white screen: WordPress's critical-error page, or a 200 with nothing in it. */
const WHITE_SCREEN_MARKERS: readonly unknown[] = ['critical-error', 'empty-body'];

/**
 * Null when the results show a white screen (a fatal error in the logs, or
 * the critical-error or empty page), else why not: the theme and safe-mode
 * rungs cannot help a maintenance page, a missing install or a dead database.
 */
export function notWhiteScreen(ctx: WpPlanContext): string | null {
  if (resultOf(ctx, fatalErrorsCheck.id)) return null;
  const page = resultOf(ctx, availabilityCheck.id);
  if (page && WHITE_SCREEN_MARKERS.includes(page.details?.['marker'])) return null;
  const marker = page?.details?.['marker'];
  return `the site is not white-screened${typeof marker === 'string' ? ` (the page shows: ${marker})` : ''} and no fatal error is logged`;
}
