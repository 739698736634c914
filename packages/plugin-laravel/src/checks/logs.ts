/**
 * `laravel/log-errors`: `ERROR` (and worse) entries in `storage/logs/laravel.log`
 * (and the daily `laravel-YYYY-MM-DD.log` files) since the run's `since`,
 * each with the file and line of its exception.
 */
import { posix } from 'node:path';
import { readLogSince } from '@healer/core';
import { CHECK } from './ids.js';
import { plural, type LaravelCheck } from './shared.js';

/** One log entry. */
export interface LaravelLogEntry {
  time: Date;
  env: string;
  level: string;
  message: string;
  /** The exception's class, file and line, when the entry has one. */
  exception: string | null;
  file: string | null;
  line: number | null;
}

const HEAD = /^\[(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2}:?\d{2})?\] ([\w-]+)\.([A-Z]+): (.*)$/;

/** The time of a log line's header (`[2026-12-07 01:50:53] production.ERROR: ...`), or null. Laravel writes the app's timezone; UTC assumed. */
export function parseLaravelLogTime(line: string): Date | null {
  const m = HEAD.exec(line);
  if (!m) return null;
  const time = m[2]!.replace(/(\.\d{3})\d+$/, '$1');
  const d = new Date(`${m[1]}T${time}${m[3] ? m[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') : 'Z'}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Entries of a log text (continuation lines belong to the entry above). */
export function parseLaravelLog(text: string): LaravelLogEntry[] {
  const out: LaravelLogEntry[] = [];
  let current: (LaravelLogEntry & { body: string }) | null = null;
  const finish = (): void => {
    if (!current) return;
    // `(Exception(code: 0): message at /var/www/app/Http/Foo.php:12)` in the context, or `#0 ...` frames.
    const m = /\(([\w\\]+)\(code: [^)]*\): .*? at (\/[^\s:]+):(\d+)\)/s.exec(current.body) ?? /\[object\] \(([\w\\]+)\(code: [^)]*\): .*? at (\/[^\s:]+):(\d+)\)/s.exec(current.body);
    if (m) {
      current.exception = m[1]!;
      current.file = m[2]!;
      current.line = Number(m[3]);
    }
    const { body: _body, ...entry } = current;
    out.push(entry);
    current = null;
  };
  for (const line of text.split('\n')) {
    const m = HEAD.exec(line);
    if (m) {
      finish();
      current = { time: parseLaravelLogTime(line)!, env: m[4]!, level: m[5]!, message: m[6]!.replace(/\s*\{".*$/, '').slice(0, 500), exception: null, file: null, line: null, body: line };
    } else if (current) current.body += `\n${line}`;
  }
  finish();
  return out;
}

const SERIOUS = new Set(['ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY']);

export const logErrorsCheck: LaravelCheck = {
  id: CHECK.logErrors,
  title: 'No errors in laravel.log',
  category: 'availability',
  severity: 'medium',
  timeoutMs: 60_000,
  async run(ctx) {
    const dir = posix.join(ctx.app.root, 'storage/logs');
    const since = ctx.since ?? new Date(Date.now() - ctx.config.logHours * 3600_000);
    const files = (await ctx.fs.list(dir).catch(() => [])).map((e) => e.name).filter((n) => /^laravel(-\d{4}-\d{2}-\d{2})?\.log$/.test(n)).sort().reverse().slice(0, 3);
    if (files.length === 0) return { status: 'pass', message: 'There is no laravel.log.', details: { since: since.toISOString(), files: [] } };
    const errors: Array<LaravelLogEntry & { log: string }> = [];
    let truncated = false;
    for (const name of files) {
      const tail = await readLogSince(ctx.exec, posix.join(dir, name), since, parseLaravelLogTime, { signal: ctx.signal, maxBytes: 4 * 1024 * 1024 });
      truncated ||= tail.truncated;
      for (const e of parseLaravelLog(tail.text)) if (e.time >= since && SERIOUS.has(e.level)) errors.push({ ...e, log: name });
    }
    const details = { since: since.toISOString(), files, count: errors.length, truncated };
    if (errors.length === 0) return { status: 'pass', message: `No error in ${files.join(', ')} since ${since.toISOString()}.`, details };
    const where = (e: LaravelLogEntry): string => (e.file ? ` at ${e.file}:${e.line}` : '');
    const latest = errors.sort((a, b) => b.time.getTime() - a.time.getTime())[0]!;
    return {
      status: 'fail',
      message: `${plural(errors.length, 'error')} in storage/logs since ${since.toISOString()}; the latest: ${latest.exception ?? latest.level}: ${latest.message}${where(latest)}.`,
      details: { ...details, latest: { time: latest.time.toISOString(), level: latest.level, message: latest.message, exception: latest.exception, file: latest.file, line: latest.line, log: latest.log } },
      evidence: errors.slice(0, 10).map((e) => `[${e.time.toISOString()}] ${e.level} ${e.exception ?? ''} ${e.message}${where(e)} (${e.log})`.replace(/\s+/g, ' ')),
    };
  },
};
