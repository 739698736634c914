import type { BackupManifest } from './backup.js';
import type { Mode } from './plugin.js';
import type { Execution, TimelineEvent } from '../schemas.js';

/** A circuit breaker's persisted record, per application or per action. */
export interface BreakerRecord {
  /** `app:<appId>` or `action:<appId>:<actionId>`. */
  key: string;
  /** ISO times of the attempts inside the current window. */
  attempts: string[];
  state: 'closed' | 'open' | 'half-open';
  /** When an open circuit turns half-open. */
  openUntil: string | null;
  consecutiveFailures: number;
  /** Set when repeated failures lowered the app's mode; cleared only by a reset. */
  demotedTo: Mode | null;
  updatedAt: string;
}

/** Who holds a lock: enough to tell a dead holder from a live one. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** Free text: 'heal', the execution id... */
  purpose?: string;
}

export interface LockHandle {
  key: string;
  /** Fencing token: strictly increases with each acquisition of the key. */
  token: number;
  owner: LockOwner;
  expiresAt: string;
}

/**
 * Where Healer keeps what must survive a restart: executions and their
 * journals, circuit breakers, locks, the backups index and baselines.
 */
export interface StateStore {
  /** Create an execution record (its timeline empty or as given). */
  createExecution(execution: Execution): Promise<void>;
  /** Append one event to the journal, durably, before the step it announces runs. */
  appendEvent(executionId: string, event: TimelineEvent): Promise<void>;
  /** Update header fields (state, attempts, message...); never the timeline. */
  updateExecution(executionId: string, patch: Partial<Omit<Execution, 'timeline' | 'executionId'>>): Promise<void>;
  getExecution(executionId: string): Promise<Execution | null>;
  /** Newest first. */
  listExecutions(filter?: { appId?: string; states?: string[]; limit?: number }): Promise<Execution[]>;

  getBreaker(key: string): Promise<BreakerRecord | null>;
  /** Read-modify-write under the store's own mutual exclusion (shared by every process using it). */
  updateBreaker(key: string, update: (current: BreakerRecord | null) => BreakerRecord | null): Promise<BreakerRecord | null>;
  /** Every record, or only those whose key starts with `filter.prefix` (e.g. `action:<appId>:`). */
  listBreakers(filter?: { prefix?: string }): Promise<BreakerRecord[]>;

  /** Take the lock, or return null when a live owner holds it. A stale lock (expired lease, or a dead process on this host) is taken over. */
  acquireLock(key: string, owner: LockOwner, ttlMs: number): Promise<LockHandle | null>;
  /** Extend the lease; false when the lock was lost (taken over). */
  renewLock(handle: LockHandle, ttlMs: number): Promise<boolean>;
  releaseLock(handle: LockHandle): Promise<void>;
  getLock(key: string): Promise<LockHandle | null>;

  putBackup(manifest: BackupManifest): Promise<void>;
  getBackup(id: string): Promise<BackupManifest | null>;
  listBackups(filter?: { appId?: string }): Promise<BackupManifest[]>;
  deleteBackup(id: string): Promise<void>;

  getBaseline<T = unknown>(appId: string, name: string): Promise<T | null>;
  putBaseline(appId: string, name: string, value: unknown): Promise<void>;
}
