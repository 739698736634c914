/**
 * `wordpress/debug-settings`: debugging constants that do not belong on a
 * production site, read from wp-config.php as WordPress applies them.
 */
import { isPathWithin } from '@healer/core';
import { wpMeta } from '../detect.js';
import type { WpMetadata } from '../types.js';
import { ACTION, phpTruthy, type WpCheck } from './shared.js';

/** How WordPress will treat errors, from the constants in wp-config.php. @internal */
export interface DebugSettings {
  wpDebug: boolean;
  /**
   * PHP errors are printed into pages: `WP_DEBUG` on and `WP_DEBUG_DISPLAY`
   * not false (WordPress defines it as true when absent: display follows
   * WP_DEBUG). Without WP_DEBUG, WordPress leaves `display_errors` alone.
   */
  display: boolean;
  /** WP_DEBUG_DISPLAY as written (null when absent). */
  displayConstant: string | number | boolean | null;
  saveQueries: boolean;
  scriptDebug: boolean;
  /** Where WP_DEBUG_LOG sends errors, when it is on. */
  debugLog: string | null;
}

/** Read the debug constants the way `wp_debug_mode()` applies them. @internal */
export function debugSettingsOf(meta: WpMetadata): DebugSettings {
  const c = meta.constants;
  const wpDebug = phpTruthy(c.WP_DEBUG);
  const displayConstant = c.WP_DEBUG_DISPLAY ?? null;
  // `null` (absent) means WordPress's default, true; an explicit false-y value turns display off.
  const displayOn = !('WP_DEBUG_DISPLAY' in c) || phpTruthy(displayConstant);
  return {
    wpDebug,
    display: wpDebug && displayOn,
    displayConstant,
    saveQueries: phpTruthy(c.SAVEQUERIES),
    scriptDebug: phpTruthy(c.SCRIPT_DEBUG),
    debugLog: wpDebug ? meta.debugLog : null,
  };
}

export const debugSettingsCheck: WpCheck = {
  id: 'wordpress/debug-settings',
  title: 'Debug settings',
  category: 'security',
  severity: 'medium',
  description:
    'On a production site: PHP errors shown to visitors (WP_DEBUG with WP_DEBUG_DISPLAY not false), SAVEQUERIES (every query kept in memory), WP_DEBUG itself, and a debug.log visitors can download.',
  async run(ctx) {
    const meta = wpMeta(ctx.app);
    const s = debugSettingsOf(meta);
    const details = { production: ctx.config.production, ...s };
    if (!ctx.config.production) {
      return { status: 'skip', message: 'The site is not marked as production (`production: false`), so debug settings are allowed.', details };
    }
    const evidence = constantLines(meta, ['WP_DEBUG', 'WP_DEBUG_DISPLAY', 'WP_DEBUG_LOG', 'SAVEQUERIES', 'SCRIPT_DEBUG']);
    if (s.display) {
      const why = 'WP_DEBUG_DISPLAY' in meta.constants ? 'WP_DEBUG and WP_DEBUG_DISPLAY are on' : 'WP_DEBUG is on and WP_DEBUG_DISPLAY is not set, so it follows WP_DEBUG';
      return {
        status: 'fail',
        message: `PHP errors are shown to every visitor (${why}): paths, queries and code leak into pages; set WP_DEBUG_DISPLAY to false in wp-config.php${s.saveQueries ? ' and turn SAVEQUERIES off' : ''}.`,
        details,
        evidence,
        fixes: [ACTION.debugDisplayOff],
      };
    }
    const warnings: string[] = [];
    if (s.saveQueries) warnings.push('SAVEQUERIES is on, so every database query of every request is kept in memory; turn it off');
    if (s.debugLog && isPathWithin(meta.contentDir, s.debugLog)) {
      warnings.push(`WP_DEBUG_LOG writes to ${s.debugLog}, inside wp-content where anyone may download it; point WP_DEBUG_LOG at a path outside the web root`);
    }
    if (s.wpDebug && warnings.length === 0) warnings.push('WP_DEBUG is on (errors are not displayed); turn it off once the debugging is done');
    if (warnings.length > 0) {
      return { status: 'warn', message: `${warnings.join('; ')}.`, details, evidence };
    }
    return { status: 'pass', message: 'WP_DEBUG, WP_DEBUG_DISPLAY and SAVEQUERIES are off, as a production site should have them.', details };
  },
};

function constantLines(meta: WpMetadata, names: string[]): string[] {
  return names.filter((n) => n in meta.constants).map((n) => `${n} = ${JSON.stringify(meta.constants[n])}`);
}
