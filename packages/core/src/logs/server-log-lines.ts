/**
 * PHP errors from the logs web servers write: Apache's error log (mod_php's
 * `[php:error] ... PHP Fatal error: ...` lines), nginx's (`FastCGI sent in
 * stderr: "PHP message: PHP Fatal error: ..."`), PHP-FPM's own log
 * (`child 12 said into stderr: "..."`), PHP's built-in server (`php -S`,
 * which stamps its lines the way Apache does), and PHP's own format
 * (`error_log` files, cPanel's per-folder `error_log`). Each read is bounded in bytes and
 * in time, and starts at a given time.
 */
import type { Executor } from '../contract/executor.js';
import { errorMessage } from '../errors.js';
import { parsePhpErrorLog, parsePhpLogTime, type PhpLogEntry } from './php-error-log.js';
import { readLogSince } from './read-since.js';
import { parseZonedTime } from './time.js';

/** How a log file is written. */
export type ServerLogFormat = 'php' | 'apache' | 'nginx';

export interface ReadServerLogOptions {
  /** Default: told from the file's lines. */
  format?: ServerLogFormat;
  /** Bytes read from the end at most. Default 4 MiB. */
  maxBytes?: number;
  /** The read gives up after this long. Default 8 s. */
  timeoutMs?: number;
  /** The server's UTC offset (`+0100`) for logs written in local time without a zone; default `+0000`. */
  utcOffset?: string;
  signal?: AbortSignal;
}

export interface ServerLogRead {
  path: string;
  format: ServerLogFormat;
  /** PHP entries stamped at or after `since`, oldest first. */
  entries: PhpLogEntry[];
  /** The byte cap was reached before the start of the window. */
  truncated: boolean;
  timedOut: boolean;
  /** 0 when the file is absent. */
  fileSize: number;
  /** Why the file could not be read (permission denied, ...); null when read. */
  error: string | null;
}

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 8_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// [Sun Dec 06 02:30:01.123456 2026], and PHP's built-in server (`php -S`): [Mon Dec  7 01:55:49 2026]
const APACHE_TIME_RE = /^\[(?:[A-Z][a-z]{2} )?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? (\d{4})\]/;
// 2026/12/06 02:30:01 [error] 1234#1234: *5 message
const NGINX_TIME_RE = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2}) \[(\w+)\] /;

/** The timestamp of an Apache error-log line, read in `offset`. @internal */
export function parseApacheTime(line: string, offset = '+0000'): Date | null {
  const m = APACHE_TIME_RE.exec(line);
  if (!m) return null;
  const month = MONTHS.indexOf(m[1]!);
  return parseZonedTime({ year: Number(m[6]), month, day: Number(m[2]), hour: Number(m[3]), minute: Number(m[4]), second: Number(m[5]) }, offset);
}

/** The timestamp of an nginx error-log line, read in `offset`. @internal */
export function parseNginxTime(line: string, offset = '+0000'): Date | null {
  const m = NGINX_TIME_RE.exec(line);
  if (!m) return null;
  return parseZonedTime({ year: Number(m[1]), month: Number(m[2]) - 1, day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]) }, offset);
}

/** The format of a log, told from its lines; `'php'` when nothing else fits. */
export function detectLogFormat(text: string): ServerLogFormat {
  for (const line of text.split('\n', 50)) {
    if (NGINX_TIME_RE.test(line)) return 'nginx';
    if (APACHE_TIME_RE.test(line)) return 'apache';
    if (parsePhpLogTime(line)) return 'php';
  }
  return 'php';
}

/** `[21-Nov-2026 10:12:01 UTC] ` for a Date. */
function phpStamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `[${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC] `;
}

/** A PHP message as logged by a server: literal `\n` escapes turned back into lines. */
function unescape(message: string): string {
  return message.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\"/g, '"');
}

/** The PHP messages in one nginx entry: `PHP message: A; PHP message: B`, or a bare `PHP Fatal error: ...`. */
function phpMessagesOf(body: string): string[] {
  const start = body.indexOf('PHP message: ');
  if (start < 0) {
    const bare = /PHP (?:Fatal error|Parse error|Warning|Notice|Deprecated|Recoverable fatal error)/.exec(body);
    return bare ? [body.slice(bare.index)] : [];
  }
  // The quoted stderr ends with `" while reading ...` or `", client: ...`.
  let text = body.slice(start);
  const end = /"(?: while [^"]*?)?, client: |" while (?:reading|sending)/.exec(text);
  if (end) text = text.slice(0, end.index);
  return text.split(/(?:;\s*)?PHP message: /).filter((m) => m.trim() !== '');
}

/**
 * Turn server error-log text into PHP log entries: only the lines that carry
 * PHP messages, each stamped with the server line's time.
 */
export function parseServerLogText(text: string, format: ServerLogFormat, utcOffset = '+0000'): PhpLogEntry[] {
  if (format === 'php') return parsePhpErrorLog(text.split('\n').map(fpmWorkerLine).join('\n'));
  const parseTime = format === 'apache' ? (l: string) => parseApacheTime(l, utcOffset) : (l: string) => parseNginxTime(l, utcOffset);
  // Entries: a stamped line and the unstamped lines after it (a message with real newlines).
  const entries: Array<{ time: Date; text: string }> = [];
  for (const line of text.split('\n')) {
    const time = parseTime(line);
    if (time) entries.push({ time, text: line });
    else if (entries.length > 0) entries[entries.length - 1]!.text += `\n${line}`;
  }
  const php: string[] = [];
  for (const { time, text: entry } of entries) {
    const messages =
      format === 'nginx' ? phpMessagesOf(entry) : /\] \[php\d*:\w+\] /.test(entry) || / PHP (?:Fatal|Parse|Warning|Notice)/.test(entry) ? apacheMessage(entry) : [];
    for (const m of messages) php.push(phpStamp(time) + unescape(m.trimEnd()));
  }
  return parsePhpErrorLog(php.join('\n'));
}

/**
 * PHP-FPM's own log with `catch_workers_output`: `[06-Dec-2026 02:35:13] WARNING: [pool www] child 12 said into
 * stderr: "NOTICE: PHP message: PHP Fatal error: ..."` becomes `[06-Dec-2026 02:35:13] PHP Fatal error: ...`.
 */
function fpmWorkerLine(line: string): string {
  const m = /^(\[[^\]]+\] )\w+: \[pool [^\]]+\] child \d+ said into std(?:err|out): "(.*?)"?(?:, pipe is closed)?$/.exec(line);
  if (!m) return line;
  return m[1]! + m[2]!.replace(/^(?:\w+: )?PHP message: /, '');
}

/** The message of an Apache line after its `[time] [module:level] [pid N] [client ...]` prefix (and any `AH01071: Got error '...'`). */
function apacheMessage(entry: string): string[] {
  let body = entry.replace(/^(?:\[[^\]]*\] )+/, '');
  const fcgi = /^AH01071: Got error '([\s\S]*)'\s*$/.exec(body);
  if (fcgi) body = fcgi[1]!;
  if (body.startsWith('PHP message: ') || body.includes('PHP message: ')) return phpMessagesOf(body);
  return [body.replace(/, referer: \S+\s*$/, '')];
}

/**
 * PHP entries since `since` in a server or PHP log, read through the
 * executor, bounded in bytes and time. Never throws for an unreadable file:
 * `error` says why.
 *
 * @example
 * const read = await readServerLogLines(exec, '/var/log/apache2/error.log', since);
 * read.entries.filter((e) => e.level === 'fatal');
 */
export async function readServerLogLines(exec: Executor, path: string, since: Date, options: ReadServerLogOptions = {}): Promise<ServerLogRead> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const offset = options.utcOffset ?? '+0000';
  const base = { path, truncated: false, timedOut: false, fileSize: 0, error: null as string | null };
  let format = options.format;
  // Any timestamp format: the chosen parser finds the window's start.
  const anyTime = (l: string): Date | null =>
    format === 'apache' ? parseApacheTime(l, offset) : format === 'nginx' ? parseNginxTime(l, offset) : format === 'php' ? parsePhpLogTime(l) : (parsePhpLogTime(l) ?? parseNginxTime(l, offset) ?? parseApacheTime(l, offset));
  try {
    const tail = await readLogSince(exec, path, since, anyTime, { maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES, signal });
    format ??= detectLogFormat(tail.text);
    const entries = parseServerLogText(tail.text, format, offset).filter((e) => e.time !== null && e.time >= since);
    return { ...base, format, entries, truncated: tail.truncated, fileSize: tail.fileSize };
  } catch (e) {
    return { ...base, format: format ?? 'php', entries: [], timedOut: timeout.aborted, error: errorMessage(e) };
  }
}

/** The server's UTC offset (`+0100`) as `date +%z` prints it; `+0000` when it cannot be told. */
export async function serverUtcOffset(exec: Executor): Promise<string> {
  try {
    const r = await exec.run(['date', '+%z'], { timeoutMs: 5_000 });
    const out = r.stdout.trim();
    return /^[+-]\d{4}$/.test(out) ? out : '+0000';
  } catch {
    return '+0000';
  }
}

/**
 * cPanel-style per-folder `error_log` files under `root` (PHP writes one
 * beside the script that failed when `error_log = error_log`), at most
 * `maxDepth` folders deep, `wp-content/uploads` and `.git` left out.
 */
export async function findFolderErrorLogs(exec: Executor, root: string, options: { maxDepth?: number; signal?: AbortSignal } = {}): Promise<string[]> {
  const r = await exec.run(
    ['find', root, '-maxdepth', String(options.maxDepth ?? 5), '(', '-name', '.git', '-o', '-name', 'node_modules', '-o', '-path', `${root}/wp-content/uploads`, ')', '-prune', '-o', '-type', 'f', '-name', 'error_log', '-print0'],
    { timeoutMs: 5_000, maxOutputBytes: 256 * 1024, ...(options.signal ? { signal: options.signal } : {}) },
  );
  return r.stdout.split('\0').filter((p) => p.startsWith('/')).sort().slice(0, 50);
}
