/**
 * A framed command's outcome as the `RunResult` of the Executor contract.
 * @internal
 */
import { constants as osConstants } from 'node:os';
import type { RunResult } from '../contract/executor.js';
import { HealerError } from '../errors.js';
import type { FramedOutcome } from './framed-run.js';

/**
 * Exit code and signal as LocalExecutor reports them: a killed command
 * (timeout or abort) has `exitCode: null` and the signal it died of.
 */
export function toResult(outcome: FramedOutcome): RunResult {
  let exitCode: number | null;
  let signal: string | null = null;
  const killed = outcome.timedOut || outcome.aborted;
  if (outcome.status === null) {
    exitCode = null;
    signal = outcome.signalSent ?? 'SIGKILL';
  } else if (!/^\d{1,3}$/.test(outcome.status)) {
    throw new HealerError('COMMAND_FAILED', `Unexpected end of command from the remote shell: ${JSON.stringify(outcome.status)}.`);
  } else {
    const status = Number(outcome.status);
    if (killed && status > 128) {
      exitCode = null;
      signal = signalName(status - 128) ?? outcome.signalSent;
    } else {
      exitCode = status;
    }
  }
  const stdout = outcome.stdout;
  return {
    exitCode,
    signal,
    stdout: stdout.toString('utf8'),
    stderr: outcome.stderr.toString('utf8'),
    stdoutBytes: new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.byteLength),
    timedOut: outcome.timedOut,
    truncated: outcome.truncated,
    durationMs: outcome.durationMs,
  };
}

function signalName(n: number): string | null {
  for (const [name, value] of Object.entries(osConstants.signals)) if (value === n) return name;
  return null;
}
