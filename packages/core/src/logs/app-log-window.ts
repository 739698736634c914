/**
 * The PHP errors of one app since a time, from every log it may write to
 * (its own logs, and server-wide ones shared with other sites): each log
 * read with {@link readServerLogLines} (bounded, any format), entries of
 * server-wide logs kept only when they name a file of the app, and an error
 * logged in two files (PHP's log and the server's) counted once. Shared by
 * the PHP plugins (WordPress, generic PHP, Laravel).
 */
import type { Executor } from '../contract/executor.js';
import type { PhpLogEntry } from './php-error-log.js';
import { readServerLogLines, serverUtcOffset } from './server-log-lines.js';

/** One log to read. */
export interface AppLogSpec {
  path: string;
  /** What it is, as the caller names it (`debug.log`, `apache-vhost`, `php-fpm-pool`...). */
  kind: string;
  /** Only this app writes there (WordPress's `debug.log`): its entries are not filtered by the app's folder. */
  appOnly?: boolean;
  /** Listed among the sources even when absent or empty (a log the user named: "nothing in it" is then the answer). */
  keepWhenEmpty?: boolean;
}

/** One log read. */
export interface AppLogSource {
  path: string;
  kind: string;
  /** The cap was reached before the start of the window: older entries may be missing. */
  truncated: boolean;
  /** 0 when the file is absent. */
  fileSize: number;
  /** Why the file could not be read. */
  error?: string;
}

export interface AppLogWindow {
  since: Date;
  /** The logs read that exist and hold something (and the ones kept when empty). */
  sources: AppLogSource[];
  /** The app's entries stamped at or after `since`, every source together, oldest first. */
  entries: PhpLogEntry[];
  /** The log an entry was read from. */
  sourceOf(entry: PhpLogEntry): string | null;
  /** Every log looked at, found or not. */
  searched: string[];
}

export interface ReadAppLogWindowOptions {
  /** The app's root: entries of shared logs must name a file under it. */
  root: string;
  /** The server's UTC offset for logs stamped in local time; read from the server when not given. */
  utcOffset?: string;
  signal?: AbortSignal;
}

/**
 * Read the app's PHP entries since `since` from `logs` (most specific
 * first: an entry found in two logs is attributed to the first).
 *
 * @example
 * const window = await readAppLogWindow(exec, [{ path: '/var/log/apache2/shop-error.log', kind: 'apache-vhost' }], since, { root: '/srv/shop' });
 * window.entries.filter((e) => e.level === 'fatal');
 */
export async function readAppLogWindow(exec: Executor, logs: readonly AppLogSpec[], since: Date, options: ReadAppLogWindowOptions): Promise<AppLogWindow> {
  const utcOffset = options.utcOffset ?? (await serverUtcOffset(exec));
  const reads = await Promise.all(logs.map((l) => readServerLogLines(exec, l.path, since, { utcOffset, ...(options.signal ? { signal: options.signal } : {}) }).then((r) => ({ ...r, spec: l }))));
  const root = options.root.replace(/\/+$/, '');
  const sources: AppLogSource[] = [];
  const entries: PhpLogEntry[] = [];
  const from = new Map<PhpLogEntry, string>();
  const seen = new Set<string>();
  for (const r of reads) {
    if (r.fileSize === 0 && r.error === null && !r.spec.keepWhenEmpty) continue;
    sources.push({ path: r.path, kind: r.spec.kind, truncated: r.truncated, fileSize: r.fileSize, ...(r.error ? { error: r.error } : {}) });
    const occurrences = new Map<string, number>();
    for (const e of r.entries) {
      // Server-wide logs hold every site's errors: only this app's count.
      if (!r.spec.appOnly && !e.raw.includes(`${root}/`)) continue;
      // The same error logged in two files counts once; repeats within one file all count.
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
  return { since, sources, entries, sourceOf: (e: PhpLogEntry) => from.get(e) ?? null, searched: logs.map((l) => l.path) };
}
