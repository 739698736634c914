/** `php/fatal-errors`: PHP fatal and parse errors of this app since a time, in the logs its server really writes, with the file named. */
import type { PhpLogEntry } from '@healer/core';
import { readAppPhpLogs } from '../logs.js';
import { ACTION, CHECK, firstLine, MAX_EVIDENCE, plural, type PhpCheck } from '../shared.js';

/** Levels that stop the request. */
const FATAL_LEVELS: ReadonlySet<PhpLogEntry['level']> = new Set(['fatal', 'parse', 'error']);

/** A fatal caused by a missing `vendor/` (the autoloader or a class Composer would load). */
export function isMissingVendor(e: PhpLogEntry, vendorDir = 'vendor'): boolean {
  return new RegExp(`(?:require|include)(?:_once)?\\(.*/${vendorDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/autoload\\.php\\)|Failed opening required '[^']*/${vendorDir}/autoload\\.php'`).test(e.message);
}

export const fatalErrorsCheck: PhpCheck = {
  id: CHECK.fatalErrors,
  title: 'PHP fatal errors',
  category: 'availability',
  severity: 'critical',
  description: "Fatal and parse errors of this app since the start of the window, read from the logs the serving PHP and web server really write (the PHP error_log, PHP-FPM's, Apache's or nginx's, a php -S server's output, per-folder error_log files), each named with its file and line.",
  timeoutMs: 30_000,
  async run(ctx) {
    const window = await readAppPhpLogs(ctx);
    if (window.sources.length === 0) {
      return {
        status: 'skip',
        message: `No PHP error log was found for this app (looked at ${window.searched.length > 0 ? window.searched.join(', ') : 'no known log'}): set log_errors and error_log for the PHP that serves it, or list the logs in the app setting \`serverLogs\`.`,
        details: { searched: window.searched },
      };
    }
    const fatals = window.entries.filter((e) => FATAL_LEVELS.has(e.level));
    const where = window.sources.map((s) => s.path).join(' and ');
    const since = window.since.toISOString();
    if (fatals.length === 0) {
      const unread = window.sources.filter((s) => s.error !== undefined);
      if (unread.length > 0) return { status: 'warn', message: `${unread.map((s) => `${s.path}: ${s.error}`).join('; ')}. No PHP fatal error in the other logs since ${since}.`, details: { count: 0, since, logs: window.sources } };
      return { status: 'pass', message: `No PHP fatal error in ${where} since ${since}.`, details: { count: 0, since, logs: window.sources } };
    }
    const last = fatals[fatals.length - 1]!;
    const files = [...new Set(fatals.map((e) => (e.file ? `${e.file}${e.line ? `:${e.line}` : ''}` : null)).filter((f): f is string => f !== null))];
    const vendorMissing = fatals.some((e) => isMissingVendor(e, ctx.app.metadata.vendorDir ?? 'vendor'));
    const recent = fatals.slice(-8);
    const evidence = recent.map((e) => firstLine(e.raw, 500));
    for (const line of last.raw.split('\n').slice(1)) {
      if (evidence.length >= MAX_EVIDENCE) break;
      evidence.push(firstLine(line, 500));
    }
    return {
      status: 'fail',
      message: `${plural(fatals.length, 'PHP fatal error')} in ${where} since ${since}, the last at ${last.time!.toISOString()} in ${last.file ?? 'an unknown file'}${last.line ? ` on line ${last.line}` : ''}: "${firstLine(last.message, 200)}".${vendorMissing ? ' vendor/autoload.php is missing: composer install puts it back.' : ''}`,
      details: {
        count: fatals.length,
        file: last.file,
        line: last.line,
        lastMessage: firstLine(last.message, 500),
        files,
        first: fatals[0]!.time!.toISOString(),
        last: last.time!.toISOString(),
        since,
        evidenceFrom: window.sourceOf(last),
        logs: window.sources,
      },
      evidence,
      ...(vendorMissing ? { fixes: [ACTION.composerInstall] } : {}),
    };
  },
};
