/**
 * Rules both state stores share, so the memory store behaves like the folder
 * store in tests: when a lock is stale, and how executions are listed.
 * @internal
 */
import { hostname } from 'node:os';
import type { BackupManifest } from '../contract/backup.js';
import type { BreakerRecord, LockHandle } from '../contract/state.js';
import { HealerError } from '../errors.js';
import type { Execution } from '../schemas.js';

/** True unless signalling `pid` says there is no such process. */
export function isPidAlive(pid: number): boolean {
  // 0 and negative numbers address process groups, not a holder.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * A lock is stale when its lease ran out, or when its owner ran on this host
 * and that process is gone. A holder on another host is trusted until its
 * lease ends: we cannot see its processes.
 */
export function isLockStale(lock: Pick<LockHandle, 'owner' | 'expiresAt'>, nowMs: number = Date.now()): boolean {
  const expires = Date.parse(lock.expiresAt);
  if (Number.isNaN(expires) || expires <= nowMs) return true;
  return lock.owner.hostname === hostname() && !isPidAlive(lock.owner.pid);
}

/** The lease end of a lock taken or renewed now for `ttlMs`. */
export function leaseEnd(ttlMs: number): string {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new HealerError('INVALID_ARGUMENT', `A lock lease must be a positive number of ms, got ${ttlMs}`, {
      details: { ttlMs },
    });
  }
  return new Date(Date.now() + ttlMs).toISOString();
}

export interface ExecutionFilter {
  appId?: string;
  states?: string[];
  limit?: number;
}

/** True when the header matches the filter's appId and states. */
export function matchesExecutionFilter(execution: Pick<Execution, 'appId' | 'state'>, filter: ExecutionFilter): boolean {
  if (filter.appId !== undefined && execution.appId !== filter.appId) return false;
  if (filter.states !== undefined && !filter.states.includes(execution.state)) return false;
  return true;
}

/** Sort order for `listExecutions`: newest `startedAt` first, then by id for a stable order. */
export function compareNewestFirst(
  a: Pick<Execution, 'startedAt' | 'executionId'>,
  b: Pick<Execution, 'startedAt' | 'executionId'>,
): number {
  const ta = Date.parse(a.startedAt);
  const tb = Date.parse(b.startedAt);
  if (ta !== tb && !Number.isNaN(ta) && !Number.isNaN(tb)) return tb - ta;
  if (a.startedAt !== b.startedAt) return a.startedAt < b.startedAt ? 1 : -1;
  return a.executionId < b.executionId ? 1 : a.executionId > b.executionId ? -1 : 0;
}

/** Applies `limit` (absent or negative: no limit). */
export function applyLimit<T>(items: T[], limit: number | undefined): T[] {
  return limit === undefined || limit < 0 ? items : items.slice(0, limit);
}

/** A record stored under `key` must say so itself. */
export function checkBreakerKey(key: string, record: BreakerRecord): void {
  if (record.key !== key) {
    throw new HealerError('INVALID_ARGUMENT', `Breaker record for ${key} carries the key ${record.key}`, {
      details: { key, recordKey: record.key },
    });
  }
}

/** `listBackups` order: newest `createdAt` first. */
export function compareBackupsNewestFirst(a: BackupManifest, b: BackupManifest): number {
  return a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1;
}
