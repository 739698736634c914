/**
 * The process exit codes of `healer`. Part of its public interface: scripts
 * and monitoring read them. `diagnose` follows the Nagios plugin convention
 * (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) so it drops into existing monitoring.
 */
import type { Diagnosis, ExecutionState } from '@healer/core';

/** Every exit code `healer` uses, by meaning. */
export const EXIT = {
  /** Success: a passing diagnosis, a heal that FIXED or had NOTHING_TO_DO, any other command that did its job. */
  OK: 0,
  /** `diagnose`: at least one check warns, none fails. */
  WARN: 1,
  /** `diagnose`: at least one check fails. `heal`: ROLLED_BACK or ESCALATED (a person is needed). */
  FAIL: 2,
  /** An error: a check could not run, no stack detected, a heal FAILED, an internal error. */
  ERROR: 3,
  /** `heal`/`rollback`: BLOCKED by the circuit breaker or by another run holding the app's lock. */
  BLOCKED: 4,
  /** `heal`: some actions wait for a person's approval (AWAITING_APPROVAL). */
  AWAITING_APPROVAL: 5,
  /** Usage error: unknown command or flag, bad value, invalid configuration file (sysexits EX_USAGE). */
  USAGE: 64,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** `diagnose`: pass 0, warn 1, fail 2, error 3. */
export function exitCodeForDiagnosis(status: Diagnosis['status']): ExitCode {
  switch (status) {
    case 'pass':
      return EXIT.OK;
    case 'warn':
      return EXIT.WARN;
    case 'fail':
      return EXIT.FAIL;
    case 'error':
      return EXIT.ERROR;
  }
}

/** `heal`: FIXED/NOTHING_TO_DO 0, ROLLED_BACK/ESCALATED 2, BLOCKED 4, AWAITING_APPROVAL 5, anything else 3. */
export function exitCodeForHeal(state: ExecutionState): ExitCode {
  switch (state) {
    case 'FIXED':
    case 'NOTHING_TO_DO':
      return EXIT.OK;
    case 'ROLLED_BACK':
    case 'ESCALATED':
      return EXIT.FAIL;
    case 'BLOCKED':
      return EXIT.BLOCKED;
    case 'AWAITING_APPROVAL':
      return EXIT.AWAITING_APPROVAL;
    default:
      return EXIT.ERROR;
  }
}

/** `rollback`: the rollback execution ROLLED_BACK is success (0); BLOCKED 4; anything else 3. */
export function exitCodeForRollback(state: ExecutionState): ExitCode {
  if (state === 'ROLLED_BACK') return EXIT.OK;
  if (state === 'BLOCKED') return EXIT.BLOCKED;
  return EXIT.ERROR;
}
