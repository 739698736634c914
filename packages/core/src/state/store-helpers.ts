/**
 * Rules both state stores share, so the memory store behaves like the folder
 * store in tests: when a lock is stale, and how executions are listed.
 * Exported for the authors of other stores.
 */
import { hostname } from 'node:os';
import type { BackupManifest } from '../contract/backup.js';
import type { BreakerRecord, ExecutionFilter, ExecutionPage, ExecutionSummary, Fence, LockHandle } from '../contract/state.js';
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

/** The most `listExecutions` gives in one page, and what it gives without `limit`. */
export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 50;

/** Where a listing resumes: after the execution with this start time and id. */
export interface ExecutionCursor {
  startedAt: string;
  executionId: string;
}

/** The opaque cursor that resumes a listing after `last`. */
export function encodeCursor(last: Pick<Execution, 'startedAt' | 'executionId'>): string {
  return Buffer.from(JSON.stringify([last.startedAt, last.executionId]), 'utf8').toString('base64url');
}

/** The position an {@link encodeCursor} cursor names; `INVALID_ARGUMENT` for any other string. */
export function decodeCursor(cursor: string): ExecutionCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { startedAt: value[0], executionId: value[1] };
    }
  } catch {
    // said below
  }
  throw new HealerError('INVALID_ARGUMENT', 'The cursor is not one a listing of executions gave: pass nextCursor back unchanged.', { details: { cursor } });
}

function isoTime(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new HealerError('INVALID_ARGUMENT', `${name} must be an ISO date and time, got ${JSON.stringify(value)}.`, { details: { [name]: value } });
  return t;
}

/** A filter checked once: bad input is refused before anything is read. */
export interface CheckedFilter {
  matches(header: Pick<Execution, 'appId' | 'state' | 'kind' | 'startedAt' | 'executionId'>): boolean;
  limit: number;
}

/** Check `filter` (limit 1 to {@link MAX_PAGE}, ISO times, a cursor this module made) and say what matches it. */
export function checkExecutionFilter(filter: ExecutionFilter): CheckedFilter {
  const limit = filter.limit ?? DEFAULT_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new HealerError('INVALID_ARGUMENT', `limit must be a whole number from 1 to ${MAX_PAGE}, got ${limit}.`, { details: { limit } });
  }
  const since = isoTime('since', filter.since);
  const until = isoTime('until', filter.until);
  const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
  return {
    limit,
    matches(h) {
      if (filter.appId !== undefined && h.appId !== filter.appId) return false;
      if (filter.states !== undefined && !filter.states.includes(h.state)) return false;
      if (filter.kind !== undefined && h.kind !== filter.kind) return false;
      const t = Date.parse(h.startedAt);
      if (since !== undefined && !(t >= since)) return false;
      if (until !== undefined && !(t < until)) return false;
      return after === undefined || compareNewestFirst(after, h) < 0;
    },
  };
}

/** One page of summaries, newest first, from every header that matched (in any order). */
export function pageOf(matching: ExecutionSummary[], limit: number): ExecutionPage {
  const sorted = matching.sort(compareNewestFirst);
  const items = sorted.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: sorted.length > limit && last ? encodeCursor(last) : null };
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

/**
 * Refuse a write fenced by a lock that was handed out again since (`LOCK_LOST`).
 * `current`: the last token the store handed out for `fence.key` (0 when never).
 */
export function checkFence(fence: Fence | undefined, current: number, executionId: string): void {
  if (fence === undefined || current <= fence.token) return;
  throw new HealerError(
    'LOCK_LOST',
    `Write to execution ${executionId} refused: it was made under lock ${fence.key} token ${fence.token}, but the lock has been taken since (token ${current}).`,
    { details: { executionId, key: fence.key, token: fence.token, current } },
  );
}
