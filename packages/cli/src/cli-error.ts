/**
 * Errors the CLI raises itself (bad flags, bad configuration, a plugin that
 * cannot be loaded), each with the exit code it ends the process with.
 */
import { isHealerError, errorMessage, type HealerErrorCode } from '@healer/core';
import { EXIT, type ExitCode } from './exit-codes.js';

/** One problem in the configuration file, at a path such as `breaker.maxAttempts`. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** `CONFIG_UNSAFE` / `PLUGIN_UNSAFE`: a configuration file or plugin module someone else could have written (exit 64). */
export type CliErrorCode = 'USAGE' | 'CONFIG_INVALID' | 'CONFIG_UNSAFE' | 'PLUGIN_LOAD_FAILED' | 'PLUGIN_UNSAFE';

export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly exitCode: ExitCode;
  /** For `CONFIG_INVALID`: every problem found, so they are all reported at once. */
  readonly issues: ConfigIssue[] | undefined;

  constructor(code: CliErrorCode, message: string, options: { exitCode?: ExitCode; issues?: ConfigIssue[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.exitCode = options.exitCode ?? EXIT.USAGE;
    this.issues = options.issues;
  }
}

export function usageError(message: string): CliError {
  return new CliError('USAGE', message);
}

/** Core error codes that mean "the user asked for something invalid": exit 64, not 3. */
const USAGE_CODES: readonly HealerErrorCode[] = [
  'PATH_INVALID',
  'CONFIG_INVALID',
  'PLUGIN_CONFIG_INVALID',
  'PLUGIN_VERSION_MISMATCH',
  'PLUGIN_INVALID',
  'PLUGIN_DUPLICATE',
  'ACTION_UNSAFE',
];

/** What the user sees for any thrown value: a code, one message, an exit code. Never a stack trace. */
export function describeError(err: unknown): { code: string; message: string; exitCode: ExitCode; issues?: ConfigIssue[] } {
  if (err instanceof CliError) {
    return { code: err.code, message: err.message, exitCode: err.exitCode, ...(err.issues ? { issues: err.issues } : {}) };
  }
  if (isHealerError(err)) {
    return { code: err.code, message: err.message, exitCode: USAGE_CODES.includes(err.code) ? EXIT.USAGE : EXIT.ERROR };
  }
  return { code: 'INTERNAL', message: `Internal error: ${errorMessage(err)}`, exitCode: EXIT.ERROR };
}
