/**
 * The one audited quoting function. Every place that must hand a command to a
 * shell as text (the SSH transport, dry-run display) goes through here; nothing
 * else in Healer builds shell text from values.
 *
 * Why it is safe: inside POSIX single quotes every byte is literal (no `$`,
 * backquote, backslash, glob, tilde or line-break processing) except the
 * closing `'` itself, which cannot be escaped inside the quotes. So a word is
 * wrapped in `'...'` and each `'` becomes `'\''` (close, an escaped quote,
 * reopen). The one byte that cannot travel is NUL (C strings end there), so it
 * is refused instead of silently cut.
 *
 * The output is for a POSIX shell (dash, bash, ksh, zsh in sh mode). csh and
 * fish parse quotes differently: a transport whose login shell may be one of
 * them must hand the line to `sh -c` (itself quoted with this function).
 */
import type { Command } from '../contract/executor.js';
import { HealerError } from '../errors.js';
import { toArgv, validateEnv } from './command.js';
import { validatePath } from './paths.js';

/** Characters that mean nothing to `sh` in any position of a word. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** `NAME=...` in command position is an assignment, not a program name. */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
/** Reserved words are keywords in command position (POSIX list plus common shell extensions). */
const RESERVED = new Set([
  'case', 'do', 'done', 'elif', 'else', 'esac', 'fi', 'for', 'if', 'in', 'then', 'until', 'while',
  'function', 'select', 'time', 'coproc',
]);

/**
 * Quote one value as a single POSIX `sh` word that the shell turns back into
 * exactly `word`, whatever its position in the command line.
 *
 * Words made only of `[A-Za-z0-9_@%+=:,./-]` stay bare, unless they could be
 * read as something else in command position (an assignment `A=b`, a reserved
 * word such as `if`, or a leading `=` that zsh expands); every other word is
 * single-quoted. The empty string becomes `''`.
 *
 * @throws HealerError `COMMAND_INVALID` when `word` contains a NUL byte.
 * @example quoteShellWord("it's") // => 'it'\''s'
 */
export function quoteShellWord(word: string): string {
  if (typeof word !== 'string') {
    throw new HealerError('COMMAND_INVALID', `Only strings can be quoted; got ${typeof word}.`);
  }
  if (word.includes('\0')) {
    throw new HealerError('COMMAND_INVALID', `A shell word cannot contain a NUL byte: ${JSON.stringify(word)}.`);
  }
  if (SAFE_WORD.test(word) && !ASSIGNMENT.test(word) && !RESERVED.has(word) && !word.startsWith('=')) {
    return word;
  }
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Options of {@link commandToShell}: the same `cwd` and `env` as `RunOptions`. */
export interface CommandToShellOptions {
  /** Absolute working directory: rendered as `cd -- DIR &&`. */
  cwd?: string;
  /** Extra variables: rendered as `env -- K=V ... PROGRAM`. Names must match `^[A-Za-z_][A-Za-z0-9_]*$`. */
  env?: Record<string, string>;
}

/**
 * Render a command as one POSIX `sh` command line, every word quoted with
 * {@link quoteShellWord}: an argv as is, a {@link Script} as
 * `sh -c SCRIPT sh ARGS...` (so its arguments are `$1..$n`), prefixed with
 * `cd -- DIR &&` and `env -- K=V ...` when `cwd` / `env` are given.
 *
 * `env` (rather than `K=V prog`) keeps the variables out of the shell's own
 * parsing and works for any program; `--` stops `cd` and `env` from reading
 * a value that starts with `-` as an option.
 *
 * @throws HealerError `COMMAND_INVALID` (empty argv, NUL byte, bad env name,
 *   a program name containing `=` together with `env`), `PATH_INVALID` (cwd).
 * @example commandToShell(['ls', '-l', 'a b'], { cwd: '/srv' }) // => cd -- /srv && ls -l 'a b'
 */
export function commandToShell(command: Command, options: CommandToShellOptions = {}): string {
  const argv = toArgv(command);
  const parts: string[] = [];
  if (options.cwd !== undefined) {
    validatePath(options.cwd, 'working directory');
    parts.push('cd', '--', quoteShellWord(options.cwd), '&&');
  }
  const env = Object.entries(validateEnv(options.env));
  if (env.length > 0) {
    // env reads every leading NAME=VALUE operand as an assignment, even after `--`.
    if (argv[0]!.includes('=')) {
      throw new HealerError(
        'COMMAND_INVALID',
        `The program name ${JSON.stringify(argv[0])} contains "=", which env would read as a variable; use a path without "=".`,
      );
    }
    parts.push('env', '--', ...env.map(([k, v]) => quoteShellWord(`${k}=${v}`)));
  }
  parts.push(...argv.map(quoteShellWord));
  return parts.join(' ');
}
