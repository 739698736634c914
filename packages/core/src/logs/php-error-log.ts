/**
 * Parse PHP error logs: the `error_log` file PHP writes, WordPress's
 * `wp-content/debug.log`, and PHP's stderr output when no log is set.
 */
import { parseZonedTime } from './time.js';

/** How bad a PHP log entry is. `'other'` is anything PHP did not label (`error_log()` calls, "WordPress database error ..."). */
export type PhpLogLevel = 'fatal' | 'parse' | 'warning' | 'notice' | 'deprecated' | 'error' | 'other';

/** One frame of a PHP stack trace (`#0 /path/file.php(34): fn()`). */
export interface PhpStackFrame {
  index: number;
  /** Null for `[internal function]` and `{main}`. */
  file: string | null;
  line: number | null;
  /** The call as PHP printed it: `Foo->bar(Array)`, `{main}`. */
  call: string;
}

/** One entry of a PHP error log, continuation lines included. */
export interface PhpLogEntry {
  /** The timestamp as a Date, or null when the line had none. */
  time: Date | null;
  /** The timestamp as written, e.g. `21-Nov-2026 10:12:01 UTC`; null when absent. */
  rawTime: string | null;
  level: PhpLogLevel;
  /** The message without the level label and without the trailing location (`in FILE on line N`). */
  message: string;
  /** Where the error happened: for an uncaught exception, where it was thrown. */
  file: string | null;
  line: number | null;
  stack: PhpStackFrame[];
  /** Every line of the entry, as written. */
  raw: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// [21-Nov-2026 10:12:01 UTC] / [21-Nov-2026 10:12:01 Europe/Paris] / [21-Nov-2026 10:12:01]
const TIMESTAMP_RE = /^\[(\d{1,2})-([A-Z][a-z]{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?: ([A-Za-z][\w+\-/]*|[+-]\d{2}:?\d{2}))?\] ?/;

// "PHP Fatal error:  ..." or "Fatal error: ..." (display_errors / some debug.log writers)
const LEVEL_RE =
  /^(?:PHP )?(Fatal error|Recoverable fatal error|Catchable fatal error|Parse error|Warning|Notice|Deprecated|Strict Standards|Unknown error):\s+/;

// Xdebug logs its stack as separate timestamped lines: "PHP Stack trace:", "PHP   1. {main}() /x.php:0".
const XDEBUG_HEADER_RE = /^PHP Stack trace:\s*$/;
const XDEBUG_FRAME_RE = /^PHP\s+(\d+)\.\s+(.*?)\s+(\S.*):(\d+)\s*$/;

const FRAME_RE = /^#(\d+) (?:(.+?)\((\d+)\)|\[internal function\]): (.*)$/;
const MAIN_FRAME_RE = /^#(\d+) (\{main\})\s*$/;
const THROWN_RE = /^\s*thrown in (.+?) on line (\d+)\s*$/;
const MAX_LOCATION_LINE = 16_384;
const ON_LINE_RE = /^(.*) in (\S.*?) on line (\d+)\s*$/;
// "in /x.php:12" needs something that looks like a path, so "in a:b" text is not taken for one.
const COLON_LINE_RE = /^(.*) in ((?:\/|[A-Za-z]:[\\/]|phar:\/\/)[^\n]*?|[^\s:]+\.php[^\s:]*):(\d+)\s*$/;

/** Parse the timestamp that starts a PHP log line (`[21-Nov-2026 10:12:01 UTC]`); null when the line has none. */
export function parsePhpLogTime(line: string): Date | null {
  return readTimestamp(line)?.time ?? null;
}

/**
 * Split PHP error log text into entries. Lines that do not start an entry
 * (stack traces, `thrown in`, wrapped messages) belong to the entry above;
 * stray lines before the first entry become an `'other'` entry.
 *
 * @example
 * parsePhpErrorLog('[21-Nov-2026 10:12:01 UTC] PHP Warning:  Undefined variable $x in /a.php on line 3')
 * // [{ level: 'warning', message: 'Undefined variable $x', file: '/a.php', line: 3, ... }]
 */
export function parsePhpErrorLog(text: string): PhpLogEntry[] {
  const groups: Group[] = [];
  let current: Group | undefined;

  for (const line of text.split(/\r?\n/)) {
    const ts = readTimestamp(line);
    const body = ts ? line.slice(ts.length) : line;
    const continuation =
      current !== undefined &&
      (ts ? XDEBUG_HEADER_RE.test(body) || XDEBUG_FRAME_RE.test(body) : !LEVEL_RE.test(body));
    if (continuation) {
      current!.lines.push(line);
      continue;
    }
    if (!ts && body.trim() === '') continue;
    current = { time: ts?.time ?? null, rawTime: ts?.raw ?? null, stampLength: ts?.length ?? 0, lines: [line] };
    groups.push(current);
  }
  return groups.map(buildEntry);
}

/**
 * The memory limit, in bytes, when the entry is PHP's
 * "Allowed memory size of N bytes exhausted"; null otherwise (including the
 * rarer "Out of memory", which is the host running out, not the limit).
 */
export function isMemoryExhausted(entry: Pick<PhpLogEntry, 'message'>): number | null {
  const m = /Allowed memory size of (\d+) bytes exhausted/.exec(entry.message);
  return m ? Number(m[1]) : null;
}

interface Group {
  time: Date | null;
  rawTime: string | null;
  /** Length of the timestamp prefix of the first line. */
  stampLength: number;
  lines: string[];
}

function buildEntry({ time, rawTime, stampLength, lines }: Group): PhpLogEntry {
  while (lines.length > 1 && lines[lines.length - 1]!.trim() === '') lines.pop();
  let first = lines[0]!.slice(stampLength);
  let level: PhpLogLevel = 'other';
  const lm = LEVEL_RE.exec(first);
  if (lm) {
    level = levelOf(lm[1]!);
    first = first.slice(lm[0].length);
  }

  // The message runs until the first stack trace or "thrown in" line.
  const messageLines = [first];
  let i = 1;
  for (; i < lines.length; i++) {
    const l = lines[i]!;
    const body = stripTimestamp(l);
    if (/^(?:PHP )?Stack trace:\s*$/.test(body) || THROWN_RE.test(l) || FRAME_RE.test(l) || XDEBUG_FRAME_RE.test(body)) break;
    messageLines.push(l);
  }
  while (messageLines.length > 1 && messageLines[messageLines.length - 1]!.trim() === '') messageLines.pop();
  // The location ends the message's last line. Very long lines are not searched: the patterns backtrack.
  const last = messageLines.pop()!;
  const loc = last.length <= MAX_LOCATION_LINE ? (ON_LINE_RE.exec(last) ?? COLON_LINE_RE.exec(last)) : null;
  let file: string | null = null;
  let line: number | null = null;
  messageLines.push(loc ? loc[1]! : last);
  if (loc) {
    file = loc[2]!;
    line = Number(loc[3]);
  }
  const message = messageLines.join('\n');

  const stack: PhpStackFrame[] = [];
  let stackDone = false;
  for (; i < lines.length; i++) {
    const l = lines[i]!;
    const body = stripTimestamp(l);
    const thrown = THROWN_RE.exec(l);
    if (thrown) {
      if (file === null) {
        file = thrown[1]!;
        line = Number(thrown[2]);
      }
      stackDone = true;
      continue;
    }
    // Only the first trace: a chained exception ("Next ...") prints one per exception.
    if (stackDone) continue;
    const frame = parseFrame(l) ?? parseXdebugFrame(body);
    if (frame) {
      stack.push(frame);
      if (frame.call === '{main}') stackDone = true;
    }
  }

  return { time, rawTime, level, message: message.trim(), file, line, stack, raw: lines.join('\n') };
}

function parseFrame(l: string): PhpStackFrame | null {
  const main = MAIN_FRAME_RE.exec(l);
  if (main) return { index: Number(main[1]), file: null, line: null, call: '{main}' };
  const m = FRAME_RE.exec(l);
  if (!m) return null;
  return { index: Number(m[1]), file: m[2] ?? null, line: m[3] === undefined ? null : Number(m[3]), call: m[4]! };
}

function parseXdebugFrame(body: string): PhpStackFrame | null {
  const m = XDEBUG_FRAME_RE.exec(body);
  if (!m) return null;
  return { index: Number(m[1]), file: m[3]!, line: Number(m[4]), call: m[2]! };
}

function levelOf(label: string): PhpLogLevel {
  const l = label.toLowerCase();
  if (l === 'fatal error') return 'fatal';
  if (l === 'parse error') return 'parse';
  if (l === 'warning') return 'warning';
  if (l === 'notice' || l === 'strict standards') return 'notice';
  if (l === 'deprecated') return 'deprecated';
  // Recoverable / catchable fatal errors and PHP's "Unknown error".
  return 'error';
}

function stripTimestamp(line: string): string {
  const ts = readTimestamp(line);
  return ts ? line.slice(ts.length) : line;
}

function readTimestamp(line: string): { time: Date | null; raw: string; length: number } | null {
  const m = TIMESTAMP_RE.exec(line);
  if (!m) return null;
  const month = MONTHS.indexOf(m[2]!);
  if (month < 0) return null;
  const raw = m[0].trim().slice(1, -1);
  const time = parseZonedTime(
    { year: Number(m[3]), month, day: Number(m[1]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]) },
    m[7],
  );
  return { time, raw, length: m[0].length };
}
