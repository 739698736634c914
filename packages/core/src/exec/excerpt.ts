/**
 * What a failed command said, short enough for a message: the first lines
 * that report an error (where build tools name the broken file) and the last
 * lines (how it ended), with a marker where lines were left out. The tail
 * alone is often the end of a stack trace.
 */
import type { RunResult } from '../contract/executor.js';
import { HealerError } from '../errors.js';

export interface OutputExcerptOptions {
  /** Characters kept from the first error line on. Default 1200. */
  headChars?: number;
  /** Characters kept from the end. Default 600. */
  tailChars?: number;
}

// eslint-disable-next-line no-control-regex
const ANSI_RE = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;
/** A line that reports a failure, in the words compilers, bundlers, package managers and runtimes use. */
const ERROR_LINE_RE = /\b(?:error|errors|failed|failure|fatal|exception|cannot|can't|could not|not found|denied|refused|invalid|unexpected|ERR_[A-Z_]+)\b|\bE[A-Z]{3,}\b|^\s*(?:x|⨯|✖|×)\s/i;

/**
 * An excerpt of command output: the whole text when it is short; otherwise
 * the lines from the first error line on (up to `headChars`), a marker
 * `[... N lines left out ...]`, and the last lines (up to `tailChars`).
 * Terminal colour codes are removed.
 *
 * @example
 * outputExcerpt(buildLog) // 'Failed to compile.\n\n./pages/index.js\n...\n[... 40 lines left out ...]\n...\n> Build failed because of webpack errors'
 */
export function outputExcerpt(text: string, options: OutputExcerptOptions = {}): string {
  const headChars = options.headChars ?? 1200;
  const tailChars = options.tailChars ?? 600;
  const clean = text.replace(ANSI_RE, '').replace(/\r\n?/g, '\n').trim();
  if (clean.length <= headChars + tailChars) return clean;
  const lines = clean.split('\n');

  // The tail: whole lines from the end, at least the last one (cut from its end when too long).
  let tailStart = lines.length;
  for (let size = 0; tailStart > 0; ) {
    const next = lines[tailStart - 1]!.length + 1;
    if (size + next > tailChars && tailStart < lines.length) break;
    size += next;
    tailStart--;
  }

  const firstError = lines.findIndex((l) => ERROR_LINE_RE.test(l));
  const headStart = firstError >= 0 && firstError < tailStart ? firstError : 0;
  let headEnd = headStart;
  for (let size = 0; headEnd < tailStart; headEnd++) {
    const next = lines[headEnd]!.length + 1;
    if (size + next > headChars && headEnd > headStart) break;
    size += next;
  }

  const parts: string[] = [];
  if (headStart > 0) parts.push(`[... ${headStart} line${headStart === 1 ? '' : 's'} left out ...]`);
  parts.push(...lines.slice(headStart, headEnd).map((l) => cut(l, headChars)));
  const skipped = tailStart - headEnd;
  if (skipped > 0) parts.push(`[... ${skipped} line${skipped === 1 ? '' : 's'} left out ...]`);
  parts.push(...lines.slice(tailStart).map((l) => cut(l, tailChars, true)));
  return parts.join('\n');
}

/**
 * The error for a `run` step that timed out or exited non-zero: the step's
 * description, the exit code and an excerpt of what it printed (stderr, or
 * stdout when stderr is empty). `COMMAND_TIMEOUT` or `COMMAND_FAILED`.
 */
export function stepFailedError(description: string, result: Pick<RunResult, 'exitCode' | 'signal' | 'stdout' | 'stderr' | 'timedOut'>): HealerError {
  const output = outputExcerpt(result.stderr.trim() !== '' ? result.stderr : result.stdout);
  const said = output === '' ? '' : `: ${output}`;
  const details = { exitCode: result.exitCode, signal: result.signal, output };
  if (result.timedOut) return new HealerError('COMMAND_TIMEOUT', `Step timed out: ${description}${said}`, { details });
  const how = result.exitCode === null ? `was killed by ${result.signal ?? 'a signal'}` : `failed with exit code ${result.exitCode}`;
  return new HealerError('COMMAND_FAILED', `Step ${how}: ${description}${said}`, { details });
}

function cut(line: string, max: number, keepEnd = false): string {
  if (line.length <= max) return line;
  return keepEnd ? `...${line.slice(line.length - max)}` : `${line.slice(0, max)}...`;
}
