/**
 * Leases: a lock of the state store held for the duration of a run and
 * renewed in the background; the run's signal is aborted as soon as the
 * lease is lost, or could not be renewed before it expires.
 *
 * Liveness is judged by leases only, by the store (`acquireLock` succeeds
 * only when no live lease holds the key): never by comparing pids here.
 * @internal
 */
import { hostname } from 'node:os';
import type { Fence, LockHandle, LockOwner } from '../contract/state.js';
import { HealerError, errorMessage } from '../errors.js';
import type { Services } from './services.js';

/** The app lock: held by whoever changes the app (a heal, a rollback, a recovery). */
export function lockKey(appId: string): string {
  return `app:${appId}`;
}

/** The execution lease: held by the process running the execution, from its start to its end. */
export function executionLockKey(executionId: string): string {
  return `execution:${executionId}`;
}

export function currentOwner(purpose: string): LockOwner {
  return { pid: process.pid, hostname: hostname(), purpose };
}

export interface Lease {
  readonly handle: LockHandle;
  /** What a write made under this lease carries (see `StateStore.appendEvent`). */
  readonly fence: Fence;
  /** Aborted when the lease is lost (taken over), or could not be renewed before it expired. */
  readonly signal: AbortSignal;
  /** Stop renewing and release the lock (errors are ignored: the lease then simply expires). */
  release(): Promise<void>;
}

/** Take `key` for `svc.settings.lockTtlMs`, renewed every third of it; null when a live lease holds it. */
export async function acquireLease(svc: Pick<Services, 'state' | 'settings' | 'logger'>, key: string, purpose: string): Promise<Lease | null> {
  const ttl = svc.settings.lockTtlMs;
  const requested = Date.now();
  const handle = await svc.state.acquireLock(key, currentOwner(purpose), ttl);
  if (!handle) return null;
  const controller = new AbortController();
  // Measured from before each request, on this machine's clock: never later than the store's own view.
  let validUntil = requested + ttl;
  let renewing = false;
  const interval = Math.max(100, Math.floor(ttl / 3));
  const lose = (message: string, cause?: unknown): void => {
    if (controller.signal.aborted) return;
    clearInterval(timer);
    svc.logger.warn(message, { key, token: handle.token });
    controller.abort(new HealerError('LOCK_LOST', message, { details: { key, token: handle.token }, ...(cause === undefined ? {} : { cause }) }));
  };
  const timer = setInterval(() => {
    // The next chance to renew would come after the lease ends: stop before another process may take over.
    if (Date.now() + interval >= validUntil && renewing) {
      lose(`The lease of ${key} could not be renewed before it expired.`);
      return;
    }
    if (renewing) return;
    renewing = true;
    const started = Date.now();
    svc.state.renewLock(handle, ttl).then(
      (ok) => {
        renewing = false;
        if (ok) validUntil = started + ttl;
        else lose(`The lock ${key} was taken over by another run.`);
      },
      (e: unknown) => {
        renewing = false;
        if (Date.now() + interval >= validUntil) lose(`The lease of ${key} could not be renewed before it expired: ${errorMessage(e)}`, e);
      },
    );
  }, interval);
  timer.unref();
  let released = false;
  return {
    handle,
    fence: { key: handle.key, token: handle.token },
    signal: controller.signal,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await svc.state.releaseLock(handle).catch(() => undefined);
    },
  };
}

/** Hold the app lock for the duration of `fn`, renewing its lease; `onBusy` when a live lease holds it. */
export async function withAppLock<T>(
  svc: Services,
  appId: string,
  purpose: string,
  onBusy: (holder: LockHandle | null) => Promise<T>,
  fn: (lease: Lease) => Promise<T>,
): Promise<T> {
  const lease = await acquireLease(svc, lockKey(appId), purpose);
  if (!lease) return onBusy(await svc.state.getLock(lockKey(appId)));
  try {
    return await fn(lease);
  } finally {
    await lease.release();
  }
}

const RUNNING = Symbol.for('healer.running-executions');

/**
 * The executions this process is running, whichever healer (or copy of core)
 * runs them: recovery never touches one of them, even when a second healer
 * in the same process (a server worker) asks.
 */
function running(): Set<string> {
  const g = globalThis as { [RUNNING]?: Set<string> };
  return (g[RUNNING] ??= new Set<string>());
}

export function markRunning(executionId: string): void {
  running().add(executionId);
}

export function markStopped(executionId: string): void {
  running().delete(executionId);
}

export function isRunningHere(executionId: string): boolean {
  return running().has(executionId);
}
