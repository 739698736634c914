/**
 * Every error Healer raises on purpose is a {@link HealerError} with a literal
 * `code`. Test with {@link isHealerError} rather than `instanceof`: two copies
 * of core may be installed side by side.
 */
export type HealerErrorCode =
  | 'PLUGIN_VERSION_MISMATCH'
  | 'PLUGIN_INVALID'
  | 'PLUGIN_DUPLICATE'
  | 'PLUGIN_NOT_FOUND'
  | 'PLUGIN_CONFIG_INVALID'
  | 'ACTION_UNSAFE'
  | 'ACTION_NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'INVALID_ARGUMENT'
  | 'PATH_INVALID'
  | 'PATH_OUTSIDE_ROOTS'
  | 'COMMAND_INVALID'
  | 'COMMAND_TIMEOUT'
  | 'COMMAND_FAILED'
  | 'FILE_NOT_FOUND'
  | 'NO_STACK_DETECTED'
  | 'APPROVAL_STALE'
  | 'APPROVAL_INVALID'
  | 'CIRCUIT_OPEN'
  | 'LOCKED'
  | 'LOCK_LOST'
  | 'BACKUP_FAILED'
  | 'RESTORE_FAILED'
  | 'BACKUP_NOT_FOUND'
  | 'BACKUP_TAMPERED'
  | 'ROLLBACK_DRIFT'
  | 'EXECUTION_NOT_FOUND'
  | 'NOTHING_TO_ROLL_BACK'
  | 'NOT_HEALTHY'
  | 'STATE_CORRUPT'
  | 'ABORTED'
  | 'HOST_KEY_UNKNOWN'
  | 'HOST_KEY_CHANGED'
  | 'HOST_KEY_REJECTED'
  | 'CONNECTION_FAILED'
  | 'HOST_UNKNOWN'
  | 'AUTH_FAILED'
  | 'SUDO_PASSWORD_REQUIRED';

const BRAND = Symbol.for('healer.error');

export class HealerError extends Error {
  readonly code: HealerErrorCode;
  /** Extra data for programs (never secrets). */
  readonly details: Record<string, unknown> | undefined;
  readonly [BRAND] = true;

  constructor(
    code: HealerErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HealerError';
    this.code = code;
    this.details = options.details;
  }
}

/** True when `err` is a HealerError (from any copy of core), optionally with one of `codes`. */
export function isHealerError(err: unknown, ...codes: HealerErrorCode[]): err is HealerError {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { [BRAND]?: unknown; code?: unknown };
  if (e[BRAND] !== true || typeof e.code !== 'string') return false;
  return codes.length === 0 || codes.includes(e.code as HealerErrorCode);
}

/** Codes meaning the target could not be reached or trusted: nothing on it was looked at. */
export const TRANSPORT_ERROR_CODES: readonly HealerErrorCode[] = [
  'HOST_KEY_UNKNOWN',
  'HOST_KEY_CHANGED',
  'HOST_KEY_REJECTED',
  'CONNECTION_FAILED',
  'AUTH_FAILED',
  'SUDO_PASSWORD_REQUIRED',
];

/** True for errors of the transport itself (host key, connection, authentication, sudo). */
export function isTransportError(err: unknown): err is HealerError {
  return isHealerError(err, ...TRANSPORT_ERROR_CODES);
}

/** A readable one-line message for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
