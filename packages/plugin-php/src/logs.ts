/**
 * Every log where the app's PHP errors may be: the configured PHP error log,
 * the serving PHP's `error_log`, a `php -S` server's own output, the logs of
 * the web server and PHP-FPM that serve the app (or `settings.serverLogs`),
 * and cPanel-style per-folder `error_log` files. Read once per run with
 * core's `readAppLogWindow` (the reader the WordPress plugin uses too).
 */
import { findFolderErrorLogs, readAppLogWindow, type AppLogSource, type AppLogWindow } from '@healer/core';
import { servingPhpOrError } from './serving-php.js';
import type { PhpCheckContext } from './shared.js';
import { builtinServerOf, configuredServerLogs, webServerOf } from './web-server.js';

/** Log-reading checks look this far back when the run gives no `since`: 24 hours. */
export const DEFAULT_LOOKBACK_MS = 24 * 60 * 60 * 1000;

/** One log read (core's `AppLogSource`). */
export type LogSource = AppLogSource;
/** The app's PHP entries since a time (core's `AppLogWindow`). */
export type PhpLogWindow = AppLogWindow;

/** The start of the window log-reading checks look at: `ctx.since`, or 24 h before the run (one instant per run). */
export function sinceOf(ctx: PhpCheckContext): Promise<Date> {
  if (ctx.since) return Promise.resolve(ctx.since);
  return ctx.facts.get('php:default-since', async () => new Date(Date.now() - DEFAULT_LOOKBACK_MS));
}

/** The logs to read for the app, most specific first. */
export async function appLogPaths(ctx: PhpCheckContext): Promise<Array<{ path: string; kind: string }>> {
  const out: Array<{ path: string; kind: string }> = [];
  const add = (path: string | null | undefined, kind: string): void => {
    if (path && path.startsWith('/') && !out.some((o) => o.path === path)) out.push({ path, kind });
  };
  add(ctx.config.phpErrorLog, 'php error log');
  const serving = await servingPhpOrError(ctx);
  if (!('error' in serving)) add(serving.ini['error_log'], 'serving php error_log');
  const builtin = await builtinServerOf(ctx);
  if (builtin) add(builtin.stderr, 'php -S output');
  const configured = configuredServerLogs(ctx);
  if (configured) for (const p of configured) add(p, 'configured server log');
  else for (const l of (await webServerOf(ctx)).logs) add(l.path, l.kind);
  for (const p of await findFolderErrorLogs(ctx.exec, ctx.app.root, { signal: ctx.signal }).catch(() => [])) add(p, 'folder error_log');
  return out;
}

/** PHP entries of this app since the run's window start, from every log, deduplicated, oldest first (core's `readAppLogWindow`). */
export async function readAppPhpLogs(ctx: PhpCheckContext): Promise<PhpLogWindow> {
  const since = await sinceOf(ctx);
  return ctx.facts.get(`php:app-logs:${ctx.app.root}:${since.toISOString()}`, async () => {
    const paths = await appLogPaths(ctx);
    // The PHP error log the user named counts even when empty.
    const logs = paths.map((p) => ({ ...p, keepWhenEmpty: p.kind === 'php error log' }));
    return readAppLogWindow(ctx.exec, logs, since, { root: ctx.app.root, signal: ctx.signal });
  });
}
