/**
 * Every log where the app's PHP errors may be: the configured PHP error log,
 * the serving PHP's `error_log`, a `php -S` server's own output, the logs of
 * the web server and PHP-FPM that serve the app (or `settings.serverLogs`),
 * and cPanel-style per-folder `error_log` files. Read once per run, each
 * bounded, with core's log readers; an entry logged in two files counts once.
 */
import { findFolderErrorLogs, readServerLogLines, serverUtcOffset, type PhpLogEntry } from '@healer/core';
import { servingPhpOrError } from './serving-php.js';
import type { PhpCheckContext } from './shared.js';
import { builtinServerOf, configuredServerLogs, webServerOf } from './web-server.js';

/** Log-reading checks look this far back when the run gives no `since`: 24 hours. */
export const DEFAULT_LOOKBACK_MS = 24 * 60 * 60 * 1000;

/** One log read. */
export interface LogSource {
  path: string;
  /** `php error log` (configured), `serving php error_log`, `php -S output`, a discovered server log kind (`apache-vhost`, `php-fpm-pool`...), `configured server log` or `folder error_log`. */
  kind: string;
  /** The cap was reached before the start of the window: older entries may be missing. */
  truncated: boolean;
  /** 0 when the file is absent. */
  fileSize: number;
  error?: string;
}

export interface PhpLogWindow {
  since: Date;
  sources: LogSource[];
  /** Entries of this app stamped at or after `since`, every source together, oldest first. */
  entries: PhpLogEntry[];
  sourceOf(entry: PhpLogEntry): string | null;
  /** Every log looked at, found or not. */
  searched: string[];
}

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

/** PHP entries of this app since the run's window start, from every log, deduplicated, oldest first. */
export async function readAppPhpLogs(ctx: PhpCheckContext): Promise<PhpLogWindow> {
  const since = await sinceOf(ctx);
  return ctx.facts.get(`php:app-logs:${ctx.app.root}:${since.toISOString()}`, async () => {
    const [paths, utcOffset] = await Promise.all([appLogPaths(ctx), serverUtcOffset(ctx.exec)]);
    const reads = await Promise.all(paths.map((p) => readServerLogLines(ctx.exec, p.path, since, { utcOffset, signal: ctx.signal }).then((r) => ({ ...r, kind: p.kind }))));
    const root = ctx.app.root.replace(/\/+$/, '');
    const sources: LogSource[] = [];
    const entries: PhpLogEntry[] = [];
    const from = new Map<PhpLogEntry, string>();
    const seen = new Set<string>();
    for (const r of reads) {
      if (r.fileSize === 0 && r.error === null && r.kind !== 'php error log') continue;
      sources.push({ path: r.path, kind: r.kind, truncated: r.truncated, fileSize: r.fileSize, ...(r.error ? { error: r.error } : {}) });
      const occurrences = new Map<string, number>();
      for (const e of r.entries) {
        // Server-wide logs hold every site's errors: only this app's count.
        if (!e.raw.includes(`${root}/`)) continue;
        const base = `${Math.floor(e.time!.getTime() / 1000)}|${e.level}|${e.file}:${e.line}|${e.message.split('\n', 1)[0]}`;
        const n = (occurrences.get(base) ?? 0) + 1;
        occurrences.set(base, n);
        const key = `${base}#${n}`;
        if (seen.has(key)) continue;
        seen.add(key);
        entries.push(e);
        from.set(e, r.path);
      }
    }
    entries.sort((a, b) => a.time!.getTime() - b.time!.getTime());
    return { since, sources, entries, sourceOf: (e: PhpLogEntry) => from.get(e) ?? null, searched: paths.map((p) => p.path) };
  });
}
