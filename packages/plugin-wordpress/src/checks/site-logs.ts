/**
 * Every log where the site's PHP errors may be: `debug.log`, the configured
 * PHP error log, the logs of the web server and PHP-FPM that serve the site
 * (or `settings.serverLogs`), and cPanel-style per-folder `error_log` files.
 * Read once per run, each bounded (4 MiB, 8 s), entries deduplicated.
 * @internal
 */
import { findFolderErrorLogs, readServerLogLines, serverUtcOffset, type PhpLogEntry } from '@healer/core';
import type { WpMetadata } from '../types.js';
import { configuredServerLogs, webServerOf } from '../web-server.js';
import { sinceOf, type LogSource, type PhpLogWindow, type WpCheckContext } from './shared.js';

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

/** PHP entries since the run's window start from every log of the site, deduplicated, oldest first. */
export async function readSiteLogs(ctx: WpCheckContext, meta: WpMetadata): Promise<PhpLogWindow> {
  const since = await sinceOf(ctx);
  return ctx.facts.get(`wordpress:site-logs:${ctx.app.root}:${since.toISOString()}`, async () => {
    const [paths, utcOffset] = await Promise.all([siteLogPaths(ctx, meta), serverUtcOffset(ctx.exec)]);
    const reads = await Promise.all(paths.map((p) => readServerLogLines(ctx.exec, p.path, since, { utcOffset, signal: ctx.signal }).then((r) => ({ ...r, kind: p.kind }))));
    const root = ctx.app.root.replace(/\/+$/, '');
    const sources: LogSource[] = [];
    const entries: PhpLogEntry[] = [];
    const from = new Map<PhpLogEntry, string>();
    const seen = new Set<string>();
    for (const r of reads) {
      // An empty or absent log is left out, unless the user named it: "nothing in it" is then the answer.
      if (r.fileSize === 0 && r.error === null && r.kind !== 'php error log') continue;
      sources.push({ path: r.path, kind: r.kind, truncated: r.truncated, fileSize: r.fileSize, ...(r.error ? { error: r.error } : {}) });
      const occurrences = new Map<string, number>();
      for (const e of r.entries) {
        // Server-wide logs hold every site's errors: only this site's count.
        if (r.kind !== 'debug.log' && !e.raw.includes(`${root}/`)) continue;
        // The same error logged in two files (PHP's log and the server's) counts once; repeats within one file all count.
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
