/** Types and small helpers every PHP check and action shares. */
import type { ActionContext, CheckContext, DiagnosticCheck, HealingAction, PlanContext } from '@healer/core';
import type { PhpRuntimeConfig } from './config.js';
import type { PhpAppMeta } from './types.js';

export type PhpCheckContext = CheckContext<PhpRuntimeConfig, PhpAppMeta>;
export type PhpCheck = DiagnosticCheck<PhpRuntimeConfig, PhpAppMeta>;
export type PhpAction = HealingAction<PhpRuntimeConfig, PhpAppMeta>;
export type PhpPlanContext = PlanContext<PhpRuntimeConfig, PhpAppMeta>;
export type PhpActionContext = ActionContext<PhpRuntimeConfig, PhpAppMeta>;

/** The check and action ids, defined once (the checks name the actions in `fixes`). */
export const CHECK = {
  phpVersion: 'php/php-version',
  extensions: 'php/extensions',
  composerLock: 'php/composer-lock',
  vendor: 'php/vendor',
  iniProduction: 'php/ini-production',
  opcache: 'php/opcache',
  fatalErrors: 'php/fatal-errors',
  fpmStatus: 'php/fpm-status',
  fpmConfigStale: 'php/fpm-config-stale',
  appAnswers: 'php/app-answers',
  permissions: 'php/permissions',
} as const;

export const ACTION = {
  composerInstall: 'php/composer-install',
  restartFpm: 'php/restart-fpm',
  fixPermissions: 'php/fix-permissions',
} as const;

/** At most this many lines of evidence per check. */
export const MAX_EVIDENCE = 20;

/** `1 file`, `3 files`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** The first line of a (possibly multi-line) text, cut to a readable length. */
export function firstLine(text: string, max = 300): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max)}...` : line;
}

/** A path inside the app root: `root` + `rel` (`rel` relative, never `..`). */
export function inRoot(root: string, rel: string): string {
  return `${root === '/' ? '' : root.replace(/\/+$/, '')}/${rel}`;
}

/** PHP's reading of a boolean ini value (`On`, `1`, `true`, `yes` are on; `stderr`/`stdout` for display_errors count as on only where said). */
export function iniOn(value: string | null | undefined): boolean {
  if (value === null || value === undefined) return false;
  return /^(?:1|on|true|yes|stdout)$/i.test(value.trim());
}
