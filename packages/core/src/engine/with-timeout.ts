/**
 * Run plugin code under a deadline: `fn` gets a signal that aborts after
 * `timeoutMs` or when `outer` aborts, and the returned promise rejects then
 * even if `fn` ignores its signal.
 * @internal
 */
import { errorMessage } from '../errors.js';

export async function withTimeout<T>(
  timeoutMs: number,
  outer: AbortSignal | undefined,
  what: string,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (outer?.aborted) throw new Error(cancelMessage(outer));
  const controller = new AbortController();
  let stop!: (err: Error) => void;
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  // Rejecting `stopped` first, then aborting: the error names the real cause, not the abort it triggers.
  const end = (err: Error): void => {
    stop(err);
    controller.abort(err);
  };
  const onOuterAbort = (): void => end(new Error(cancelMessage(outer!)));
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(() => end(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
  try {
    // Through then(): code that throws synchronously rejects like any other.
    return await Promise.race([Promise.resolve().then(() => fn(controller.signal)), stopped]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
    stopped.catch(() => {});
    if (!controller.signal.aborted) controller.abort(new Error(`${what} finished`));
  }
}

/** "cancelled", with the signal's reason when it has one. */
export function cancelMessage(signal: AbortSignal): string {
  return signal.reason === undefined ? 'cancelled' : `cancelled (${errorMessage(signal.reason)})`;
}
