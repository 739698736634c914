/**
 * What the WordPress checks share: action ids, the look-back window, the log
 * reader, database reachability, and small formatting helpers.
 * @internal
 */
import type { CheckContext, CheckResult, DiagnosticCheck, PhpLogEntry } from '@healer/core';
import type { WordpressConfig } from '../config.js';
import type { WpOps, WpMetadata } from '../types.js';
import { wpOps } from '../ops/index.js';

export type WpCheckContext = CheckContext<WordpressConfig, WpMetadata>;
export type WpCheck = DiagnosticCheck<WordpressConfig, WpMetadata>;

/**
 * The action ids, defined once: the actions (in `src/actions/`) take their
 * `id` from here and the checks name them in `fixes`. A map rather than the
 * action objects, because the actions import the checks.
 */
export const ACTION = {
  deactivatePlugin: 'wordpress/deactivate-plugin',
  switchTheme: 'wordpress/switch-theme',
  safeMode: 'wordpress/safe-mode',
  removeMaintenance: 'wordpress/remove-maintenance',
  repairTables: 'wordpress/repair-tables',
  fixPermissions: 'wordpress/fix-permissions',
  debugDisplayOff: 'wordpress/debug-display-off',
  restoreHtaccess: 'wordpress/restore-htaccess',
  clearCaches: 'wordpress/clear-caches',
  quarantineFiles: 'wordpress/quarantine-files',
  raiseMemoryLimit: 'wordpress/raise-memory-limit',
} as const;

/** The white-screen ladder, lowest rung first: the culprit plugin, then the theme, then every plugin. */
export const WHITE_SCREEN_LADDER: readonly string[] = [ACTION.deactivatePlugin, ACTION.switchTheme, ACTION.safeMode];

/** Log-reading checks look this far back when the run gives no `since`: 24 hours. */
export const DEFAULT_LOOKBACK_MS = 24 * 60 * 60 * 1000;

/** At most this many lines of evidence per check. */
export const MAX_EVIDENCE = 20;

/**
 * The start of the window log-reading checks look at: `ctx.since`, or 24 h
 * before the run (one instant per run, so every check of a run reads the same
 * window and shares one read of each log).
 */
export function sinceOf(ctx: WpCheckContext): Promise<Date> {
  if (ctx.since) return Promise.resolve(ctx.since);
  return ctx.facts.get('wordpress:default-since', async () => new Date(Date.now() - DEFAULT_LOOKBACK_MS));
}

/** One log the checks read. */
export interface LogSource {
  path: string;
  /** `debug.log` (WP_DEBUG_LOG), `php error log` (the plugin's config), a discovered server log (`apache-vhost`, `nginx-server`, `php-fpm-pool`, ...), `configured server log` or `folder error_log`. */
  kind: string;
  /** The cap was reached before the start of the window: older entries may be missing. */
  truncated: boolean;
  /** 0 when the file is absent. */
  fileSize: number;
  /** Why the file could not be read. */
  error?: string;
}

export interface PhpLogWindow {
  since: Date;
  sources: LogSource[];
  /** Entries stamped at or after `since`, every source together, oldest first. */
  entries: PhpLogEntry[];
  /** The log an entry was read from. */
  sourceOf(entry: PhpLogEntry): string | null;
  /** Every log looked at, found or not. */
  searched: string[];
}

/**
 * A `warn` when no entry was found but a log could not be read: "nothing
 * found" would claim more than was looked at. Null when every log was read.
 */
export function unreadLogsWarning(window: PhpLogWindow, what: string): CheckResult | null {
  const unread = window.sources.filter((s) => s.error !== undefined);
  if (unread.length === 0) return null;
  const read = window.sources.filter((s) => s.error === undefined).map((s) => s.path);
  return {
    status: 'warn',
    message: `${unread.map((s) => s.error).join(' ')} No ${what} in ${read.length ? read.join(' and ') : 'any readable log'} since ${window.since.toISOString()}.`,
    details: { count: 0, since: window.since.toISOString(), logs: window.sources },
  };
}

/** The site's operations layer (WP-CLI, PHP helper or direct SQL). */
export function opsFor(ctx: WpCheckContext): Promise<WpOps> {
  return wpOps(ctx);
}

/**
 * A `skip` result when the database cannot be reached (the connection is
 * tried once per run and shared), else null: database checks have nothing to
 * say then, and `wordpress/database-connection` explains why.
 */
export async function skipWhenDbDown(ctx: WpCheckContext, ops: WpOps): Promise<CheckResult | null> {
  const error = await connectErrorOnce(ctx, ops);
  if (error === null) return null;
  return {
    status: 'skip',
    message: `Skipped: the database cannot be reached (error ${error.errno}); see wordpress/database-connection.`,
    details: { dbErrno: error.errno },
  };
}

/** `ops.connectError()`, once per run. */
export function connectErrorOnce(ctx: WpCheckContext, ops: WpOps): Promise<{ errno: number; message: string } | null> {
  return ctx.facts.get('wordpress:db-connect-error', () => ops.connectError());
}

/** PHP's truthiness of a constant's parsed value (`'0'` and `''` are false, like `0`). */
export function phpTruthy(value: string | number | boolean | null | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value !== '' && value !== '0';
  return Boolean(value);
}

/** Compare dotted versions numerically (`8.2.7` vs `7.4`): negative, 0 or positive. Missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** `1.5 MB`, `800 KB`, `312 bytes`. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

/** `45 s`, `12 min`, `3 h 5 min`, `2 days`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `${Math.floor(h / 24)} days`;
}

/** `1 file`, `3 files`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** The first line of a (possibly multi-line) log entry, cut to a readable length. */
export function firstLine(text: string, max = 300): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max)}...` : line;
}

/** What `wp-includes/version.php` declares. */
export interface CoreVersions {
  /** `$wp_version`, or null when the file is missing or unreadable. */
  wordpress: string | null;
  /** `$required_php_version`: the oldest PHP this WordPress runs on. */
  requiredPhp: string | null;
  requiredMysql: string | null;
}

/** Parse `wp-includes/version.php` (never run it). @internal */
export function parseVersionFile(text: string): CoreVersions {
  const read = (name: string): string | null => new RegExp(`\\$${name}\\s*=\\s*['"]([^'"]{1,40})['"]\\s*;`).exec(text)?.[1] ?? null;
  return { wordpress: read('wp_version'), requiredPhp: read('required_php_version'), requiredMysql: read('required_mysql_version') };
}

/** `wp-includes/version.php` of the site at `root`, read once per run. */
export function coreVersions(ctx: Pick<WpCheckContext, 'facts' | 'fs'>, root: string): Promise<CoreVersions> {
  return ctx.facts.get(`wordpress:versions:${root}`, async () => {
    const text = await ctx.fs.readText(`${root === '/' ? '' : root}/wp-includes/version.php`, { maxBytes: 64 * 1024 });
    return text === null ? { wordpress: null, requiredPhp: null, requiredMysql: null } : parseVersionFile(text);
  });
}
