import type { BackupManifest } from '../contract/backup.js';
import type { BreakerRecord, ExecutionFilter, ExecutionPage, Fence, LockHandle, LockOwner, StateStore } from '../contract/state.js';
import { HealerError } from '../errors.js';
import type { Execution, TimelineEvent } from '../schemas.js';
import {
  checkBreakerKey,
  checkExecutionFilter,
  checkFence,
  compareBackupsNewestFirst,
  isLockStale,
  leaseEnd,
  pageOf,
} from './store-helpers.js';

/**
 * A {@link StateStore} held in memory, for tests and for embedders that keep
 * state elsewhere. Nothing survives the process. Every read returns a copy,
 * and every write stores one, so callers never share objects with the store.
 * Locks follow the same rules as on disk (lease, dead local pid, fencing token).
 */
export class MemoryStateStore implements StateStore {
  readonly #executions = new Map<string, Execution>();
  readonly #breakers = new Map<string, BreakerRecord>();
  readonly #locks = new Map<string, LockHandle>();
  readonly #tokens = new Map<string, number>();
  readonly #backups = new Map<string, BackupManifest>();
  readonly #baselines = new Map<string, unknown>();

  async createExecution(execution: Execution): Promise<void> {
    if (this.#executions.has(execution.executionId)) {
      throw new HealerError('INVALID_ARGUMENT', `Execution ${execution.executionId} already exists`, {
        details: { executionId: execution.executionId },
      });
    }
    this.#executions.set(execution.executionId, structuredClone(execution));
  }

  async appendEvent(executionId: string, event: TimelineEvent, fence?: Fence): Promise<void> {
    const execution = this.#mustGet(executionId);
    checkFence(fence, fence === undefined ? 0 : (this.#tokens.get(fence.key) ?? 0), executionId);
    execution.timeline.push(structuredClone(event));
  }

  async updateExecution(
    executionId: string,
    patch: Partial<Omit<Execution, 'timeline' | 'executionId'>>,
    fence?: Fence,
  ): Promise<void> {
    const current = this.#mustGet(executionId);
    checkFence(fence, fence === undefined ? 0 : (this.#tokens.get(fence.key) ?? 0), executionId);
    const { timeline: _t, executionId: _id, ...fields } = structuredClone(patch) as Partial<Execution>;
    Object.assign(current, fields);
  }

  async getExecution(executionId: string): Promise<Execution | null> {
    const found = this.#executions.get(executionId);
    return found === undefined ? null : structuredClone(found);
  }

  async eventsAfter(executionId: string, afterSeq: number): Promise<{ state: Execution['state']; events: TimelineEvent[] } | null> {
    const found = this.#executions.get(executionId);
    return found === undefined ? null : { state: found.state, events: structuredClone(found.timeline.filter((e) => e.seq > afterSeq)) };
  }

  async listExecutions(filter: ExecutionFilter = {}): Promise<ExecutionPage> {
    const checked = checkExecutionFilter(filter);
    const matching = [...this.#executions.values()].filter((e) => checked.matches(e));
    return pageOf(
      matching.map(({ timeline, ...header }) => ({ ...structuredClone(header), events: timeline.length })),
      checked.limit,
    );
  }

  async getBreaker(key: string): Promise<BreakerRecord | null> {
    const found = this.#breakers.get(key);
    return found === undefined ? null : structuredClone(found);
  }

  async updateBreaker(
    key: string,
    update: (current: BreakerRecord | null) => BreakerRecord | null,
  ): Promise<BreakerRecord | null> {
    // No await between the read and the write: `update` is synchronous, so no other call can interleave.
    const current = this.#breakers.get(key);
    const next = update(current === undefined ? null : structuredClone(current));
    if (next === null) {
      this.#breakers.delete(key);
      return null;
    }
    checkBreakerKey(key, next);
    this.#breakers.set(key, structuredClone(next));
    return structuredClone(next);
  }

  async listBreakers(filter: { prefix?: string } = {}): Promise<BreakerRecord[]> {
    const { prefix } = filter;
    return [...this.#breakers.values()].filter((r) => prefix === undefined || r.key.startsWith(prefix)).map((r) => structuredClone(r));
  }

  async acquireLock(key: string, owner: LockOwner, ttlMs: number): Promise<LockHandle | null> {
    const expiresAt = leaseEnd(ttlMs);
    const held = this.#locks.get(key);
    if (held !== undefined && !isLockStale(held)) return null;
    const token = (this.#tokens.get(key) ?? 0) + 1;
    this.#tokens.set(key, token);
    const handle: LockHandle = { key, token, owner: { ...owner }, expiresAt };
    this.#locks.set(key, handle);
    return structuredClone(handle);
  }

  async renewLock(handle: LockHandle, ttlMs: number): Promise<boolean> {
    const held = this.#locks.get(handle.key);
    if (held === undefined || held.token !== handle.token) return false;
    held.expiresAt = leaseEnd(ttlMs);
    return true;
  }

  async releaseLock(handle: LockHandle): Promise<void> {
    if (this.#locks.get(handle.key)?.token === handle.token) this.#locks.delete(handle.key);
  }

  async getLock(key: string): Promise<LockHandle | null> {
    const held = this.#locks.get(key);
    return held === undefined ? null : structuredClone(held);
  }

  async putBackup(manifest: BackupManifest): Promise<void> {
    this.#backups.set(manifest.id, structuredClone(manifest));
  }

  async getBackup(id: string): Promise<BackupManifest | null> {
    const found = this.#backups.get(id);
    return found === undefined ? null : structuredClone(found);
  }

  async listBackups(filter: { appId?: string } = {}): Promise<BackupManifest[]> {
    return [...this.#backups.values()]
      .filter((m) => filter.appId === undefined || m.appId === filter.appId)
      .sort(compareBackupsNewestFirst)
      .map((m) => structuredClone(m));
  }

  async deleteBackup(id: string): Promise<void> {
    this.#backups.delete(id);
  }

  async getBaseline<T = unknown>(appId: string, name: string): Promise<T | null> {
    const key = JSON.stringify([appId, name]);
    return this.#baselines.has(key) ? (structuredClone(this.#baselines.get(key)) as T) : null;
  }

  async putBaseline(appId: string, name: string, value: unknown): Promise<void> {
    this.#baselines.set(JSON.stringify([appId, name]), structuredClone(value));
  }

  #mustGet(executionId: string): Execution {
    const found = this.#executions.get(executionId);
    if (found === undefined) {
      throw new HealerError('EXECUTION_NOT_FOUND', `No execution ${executionId}`, { details: { executionId } });
    }
    return found;
  }
}
