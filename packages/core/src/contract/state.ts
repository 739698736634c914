import type { BackupManifest } from './backup.js';
import type { Mode } from './plugin.js';
import type { Execution, ExecutionState, TimelineEvent } from '../schemas.js';

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

/** Which executions `listExecutions` gives. */
export interface ExecutionFilter {
  appId?: string;
  states?: readonly ExecutionState[];
  kind?: Execution['kind'];
  /** Started at or after this ISO time. */
  since?: string;
  /** Started before this ISO time. */
  until?: string;
  /** At most this many (1 to 500; default 50). */
  limit?: number;
  /** The `nextCursor` of the page before. */
  cursor?: string;
}

/** An execution in a list: its header, and how many events its journal holds. */
export type ExecutionSummary = Omit<Execution, 'timeline'> & { events: number };

export interface ExecutionPage {
  items: ExecutionSummary[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** Who holds a lock: enough to tell a dead holder from a live one. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** Free text: 'heal', the execution id... */
  purpose?: string;
}

/**
 * What a write made under a lock carries: the lock's key and the fencing
 * token its holder got. A store refuses the write (`LOCK_LOST`) when the key
 * has since been handed out with a larger token: the writer lost the lock,
 * whether it knows it yet or not.
 */
export interface Fence {
  key: string;
  token: number;
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
  /**
   * Append one event to the journal, durably, before the step it announces runs.
   *
   * `fence`: the lock the writer holds (the app lock of a heal, a rollback or
   * a recovery; the execution lease before that). The store refuses the write
   * with `LOCK_LOST`, and writes nothing, when the lock's current fencing
   * token for `fence.key` is larger than `fence.token` (someone took the lock
   * over since); the check and the write are one atomic step where the store
   * allows it (a database transaction). Without `fence` the write is not
   * checked: for callers that hold no lock (creating a QUEUED execution, a
   * program annotating a finished one).
   */
  appendEvent(executionId: string, event: TimelineEvent, fence?: Fence): Promise<void>;
  /** Update header fields (state, attempts, message...); never the timeline. `fence` as for {@link appendEvent}. */
  updateExecution(executionId: string, patch: Partial<Omit<Execution, 'timeline' | 'executionId'>>, fence?: Fence): Promise<void>;
  getExecution(executionId: string): Promise<Execution | null>;
  /**
   * The execution's state and its events after `afterSeq`, in order (one
   * consistent read): what a live view that has the first events needs,
   * without the whole timeline. Null for an unknown execution. Optional:
   * callers fall back to {@link getExecution}.
   */
  eventsAfter?(executionId: string, afterSeq: number): Promise<{ state: Execution['state']; events: TimelineEvent[] } | null>;
  /**
   * One page of execution headers, newest `startedAt` first (then by id),
   * without their timelines; `nextCursor` fetches the next page. Refuses a
   * bad filter (`INVALID_ARGUMENT`): a limit outside 1 to 500 (default 50),
   * a time that is not ISO, a cursor it did not give.
   */
  listExecutions(filter?: ExecutionFilter): Promise<ExecutionPage>;

  getBreaker(key: string): Promise<BreakerRecord | null>;
  /** Read-modify-write under the store's own mutual exclusion (shared by every process using it). */
  updateBreaker(key: string, update: (current: BreakerRecord | null) => BreakerRecord | null): Promise<BreakerRecord | null>;
  /** Every record, or only those whose key starts with `filter.prefix` (e.g. `action:<appId>:`). */
  listBreakers(filter?: { prefix?: string }): Promise<BreakerRecord[]>;

  /**
   * Take the lock, or return null when a live owner holds it. A stale lock
   * (expired lease by the store's clock, or a dead process on this host) is
   * taken over. Every acquisition of a key gets a larger fencing token than
   * the last one handed out for it, and that token is what `fence` checks
   * compare with. This is the only liveness test Healer uses: recovery takes
   * over an execution only when it can acquire its leases.
   */
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
