/**
 * Every log where the site's PHP errors may be: `debug.log`, the configured
 * PHP error log, the logs of the web server and PHP-FPM that serve the site
 * (or `settings.serverLogs`), and cPanel-style per-folder `error_log` files.
 * Read once per run, each bounded (4 MiB, 8 s), entries deduplicated.
 * @internal
 */
import { findFolderErrorLogs, readAppLogWindow } from '@healer/core';
import type { WpMetadata } from '../types.js';
import { configuredServerLogs, webServerOf } from '../web-server.js';
import { sinceOf, type PhpLogWindow, type WpCheckContext } from './shared.js';

/** The logs to read, most specific first. */
export async function siteLogPaths(ctx: WpCheckContext, meta: WpMetadata): Promise<Array<{ path: string; kind: string }>> {
  const out: Array<{ path: string; kind: string }> = [];
  const add = (path: string, kind: string): void => {
    if (!out.some((o) => o.path === path)) out.push({ path, kind });
  };
  if (meta.debugLog) add(meta.debugLog, 'debug.log');
  if (ctx.config.phpErrorLog) add(ctx.config.phpErrorLog, 'php error log');
  const configured = configuredServerLogs(ctx);
  if (configured) for (const p of configured) add(p, 'configured server log');
  else for (const l of (await webServerOf(ctx)).logs) add(l.path, l.kind);
  for (const p of await findFolderErrorLogs(ctx.exec, ctx.app.root, { signal: ctx.signal }).catch(() => [])) add(p, 'folder error_log');
  return out;
}

/** PHP entries since the run's window start from every log of the site, deduplicated, oldest first (core's `readAppLogWindow`). */
export async function readSiteLogs(ctx: WpCheckContext, meta: WpMetadata): Promise<PhpLogWindow> {
  const since = await sinceOf(ctx);
  return ctx.facts.get(`wordpress:site-logs:${ctx.app.root}:${since.toISOString()}`, async () => {
    const paths = await siteLogPaths(ctx, meta);
    // debug.log is the site's own; the PHP error log the user named counts even when empty.
    const logs = paths.map((p) => ({ ...p, appOnly: p.kind === 'debug.log', keepWhenEmpty: p.kind === 'php error log' }));
    return readAppLogWindow(ctx.exec, logs, since, { root: ctx.app.root, signal: ctx.signal });
  });
}
