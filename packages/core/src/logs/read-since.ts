/**
 * Read the recent end of a log file through an {@link Executor} without
 * reading the whole file: `tail -c` in growing chunks, which costs the same
 * locally and over SSH.
 */
import type { Executor } from '../contract/executor.js';
import { HealerError } from '../errors.js';
import { validatePath } from '../exec/paths.js';

export interface ReadLogSinceOptions {
  /** Never read more than this many bytes from the end. Default 8 MiB. */
  maxBytes?: number;
  /** The first chunk; each next one is four times larger. Default 64 KiB. */
  chunkBytes?: number;
  /** Cancels the `tail` commands. */
  signal?: AbortSignal;
}

/** The end of a log file. */
export interface LogTail {
  /** Whole lines, from the first entry at or after `since` to the end of the file. */
  text: string;
  /** True when the cap was reached before an entry older than `since`: older matching entries may be missing. */
  truncated: boolean;
  /** The file's size in bytes when the read started (0 when absent). */
  fileSize: number;
}

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
const DEFAULT_CHUNK_BYTES = 64 * 1024;
const GROWTH = 4;
const NEWLINE = 0x0a;

/**
 * The tail of the log at `path` holding every entry whose timestamp is at or
 * after `since`. `parseTime` reads a line's timestamp (null when the line has
 * none: such lines belong to the entry above). Reading goes backwards in
 * growing chunks and stops at the first chunk whose first complete
 * timestamped line is older than `since`, or at `maxBytes`. An absent file
 * gives empty text.
 *
 * @example
 * const { text } = await readLogSince(exec, '/var/www/site/wp-content/debug.log', since, parsePhpLogTime);
 * const entries = parsePhpErrorLog(text);
 */
export async function readLogSince(
  exec: Executor,
  path: string,
  since: Date,
  parseTime: (line: string) => Date | null,
  options: ReadLogSinceOptions = {},
): Promise<LogTail> {
  validatePath(path);
  const maxBytes = positive(options.maxBytes, DEFAULT_MAX_BYTES, 'maxBytes');
  const chunkBytes = positive(options.chunkBytes, DEFAULT_CHUNK_BYTES, 'chunkBytes');
  const fileSize = await sizeOf(exec, path, options.signal);
  if (fileSize === null) return { text: '', truncated: false, fileSize: 0 };
  if (fileSize === 0) return { text: '', truncated: false, fileSize };
  const sinceMs = since.getTime();

  let n = Math.min(chunkBytes, maxBytes, fileSize);
  for (;;) {
    const chunk = await readChunk(exec, path, n, options.signal);
    if (chunk === null) return { text: '', truncated: false, fileSize };
    const lines = chunk.text.split('\n');
    const firstStamped = firstTime(lines, parseTime);
    const olderFound = firstStamped !== null && firstStamped < sinceMs;
    if (chunk.wholeFile || olderFound || n >= maxBytes) {
      return { text: selectSince(lines, sinceMs, parseTime), truncated: !chunk.wholeFile && !olderFound, fileSize };
    }
    n = Math.min(n * GROWTH, maxBytes);
  }
}

/**
 * The last `maxLines` lines of a file (fewer when the file is shorter or the
 * lines are longer than `maxBytes` in total, default 8 MiB). Read backwards in
 * growing chunks like {@link readLogSince}. An absent file gives `[]`.
 */
export async function readLastLines(
  exec: Executor,
  path: string,
  maxLines: number,
  options: ReadLogSinceOptions = {},
): Promise<string[]> {
  validatePath(path);
  if (!Number.isInteger(maxLines) || maxLines < 0) {
    throw new HealerError('INVALID_ARGUMENT', `maxLines must be a whole number >= 0, got ${maxLines}.`);
  }
  const maxBytes = positive(options.maxBytes, DEFAULT_MAX_BYTES, 'maxBytes');
  const chunkBytes = positive(options.chunkBytes, DEFAULT_CHUNK_BYTES, 'chunkBytes');
  if (maxLines === 0) return [];
  const fileSize = await sizeOf(exec, path, options.signal);
  if (!fileSize) return [];

  let n = Math.min(chunkBytes, maxBytes, fileSize);
  for (;;) {
    const chunk = await readChunk(exec, path, n, options.signal);
    if (chunk === null) return [];
    const lines = chunk.text.split('\n');
    // A final newline ends the last line; it does not start an empty one.
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    if (chunk.wholeFile || lines.length >= maxLines || n >= maxBytes) return lines.slice(-maxLines);
    n = Math.min(n * GROWTH, maxBytes);
  }
}

/** Everything from the first line stamped at or after `sinceMs`; continuation lines of older entries are left out. */
function selectSince(lines: string[], sinceMs: number, parseTime: (line: string) => Date | null): string {
  let sawOlder = false;
  for (let k = 0; k < lines.length; k++) {
    const t = parseTime(lines[k]!)?.getTime();
    if (t === undefined || Number.isNaN(t)) continue;
    if (t >= sinceMs) return lines.slice(sawOlder ? k : 0).join('\n');
    sawOlder = true;
  }
  return '';
}

function firstTime(lines: string[], parseTime: (line: string) => Date | null): number | null {
  for (const line of lines) {
    const t = parseTime(line)?.getTime();
    if (t !== undefined && !Number.isNaN(t)) return t;
  }
  return null;
}

/**
 * The last `n` bytes of the file, starting at a line boundary. One byte more
 * than needed is asked for: it tells whether the chunk starts a line, and
 * getting fewer bytes than asked means the whole file was read.
 */
async function readChunk(
  exec: Executor,
  path: string,
  n: number,
  signal: AbortSignal | undefined,
): Promise<{ text: string; wholeFile: boolean } | null> {
  const want = n + 1;
  // `test -f` again right before reading: a link swapped to a device or FIFO since sizeOf() would never end.
  const r = await exec.run(['sh', '-c', READ_CHUNK, 'sh', path, String(want)], { maxOutputBytes: want, ...(signal ? { signal } : {}) });
  if (r.exitCode !== 0) {
    // Rotated away between the size check and the read.
    if (/no such file/i.test(r.stderr)) return null;
    throw new HealerError('COMMAND_FAILED', `Cannot read the end of ${path}: ${r.stderr.trim() || `exit ${r.exitCode}`}.`, {
      details: { exitCode: r.exitCode, timedOut: r.timedOut },
    });
  }
  const bytes = r.stdoutBytes;
  if (bytes.length < want) return { text: decode(bytes), wholeFile: true };
  // Drop the torn first line: everything up to the first newline.
  const nl = bytes.indexOf(NEWLINE);
  return { text: nl < 0 ? '' : decode(bytes.subarray(nl + 1)), wholeFile: false };
}

/** `tail -c $2` of `$1` only while `$1` is (or links to) a regular file; "No such file" when absent. */
const READ_CHUNK = 'if [ ! -e "$1" ]; then echo "$1: No such file" >&2; exit 1; fi; if [ ! -f "$1" ]; then echo "$1: not a regular file" >&2; exit 3; fi; exec tail -c "$2" -- "$1"';

async function sizeOf(exec: Executor, path: string, signal: AbortSignal | undefined): Promise<number | null> {
  const st = await exec.stat(path);
  if (st === null) return null;
  if (st.type === 'file') return st.size;
  if (st.type === 'symlink') {
    // stat() does not follow the link; `stat -L` reads the target's type and size without opening it
    // (`wc -c` would read a link to /dev/zero forever).
    const r = await exec.run(['stat', '-L', '-c', '%F|%s', '--', path], signal ? { signal } : {});
    if (r.exitCode !== 0) {
      if (/no such file/i.test(r.stderr)) return null;
      throw new HealerError('COMMAND_FAILED', `Cannot read where ${path} points: ${r.stderr.trim() || `exit ${r.exitCode}`}.`);
    }
    const out = r.stdout.trim();
    const kind = out.slice(0, out.lastIndexOf('|'));
    const size = Number.parseInt(out.slice(out.lastIndexOf('|') + 1), 10);
    if (!kind.startsWith('regular') || Number.isNaN(size)) throw notALogFile(path, `links to ${article(kind || 'unknown file type')}`);
    return size;
  }
  throw notALogFile(path, st.type === 'directory' ? 'is a directory' : 'is a FIFO, socket or device');
}

function notALogFile(path: string, what: string): HealerError {
  return new HealerError('INVALID_ARGUMENT', `${path} ${what}, not a regular file: it is not read as a log.`, { details: { path } });
}

function article(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

function decode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new HealerError('INVALID_ARGUMENT', `${name} must be a whole number >= 1, got ${value}.`);
  }
  return value;
}
