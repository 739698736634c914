/**
 * Creating, continuing and finishing execution records.
 * @internal
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Fence } from '../contract/state.js';
import { HealerError } from '../errors.js';
import type { Mode, Target } from '../contract/plugin.js';
import type { Attempt, Execution, ExecutionState } from '../schemas.js';
import { Journal } from './journal.js';
import { acquireLease, executionLockKey, markRunning, markStopped, type Lease } from './lease.js';
import type { Services } from './services.js';

/** Time-sortable, unique: `ex_<base36 ms>_<random>`. */
export function newExecutionId(now: Date): string {
  return `ex_${now.getTime().toString(36)}_${randomBytes(5).toString('hex')}`;
}

/**
 * A live execution: its record, journal and attempts, and the execution
 * lease its process holds from its start to its end (how another process
 * tells a live run from a dead one).
 */
export class ExecutionRun {
  readonly attempts: Attempt[] = [];
  /** The fence every write of this run carries: the execution lease's, the app lock's while that is held. */
  fence: Fence;

  private constructor(
    private readonly svc: Services,
    readonly id: string,
    readonly journal: Journal,
    /** The execution lease; its signal aborts when it is lost. */
    readonly lease: Lease,
  ) {
    this.fence = lease.fence;
  }

  static async start(
    svc: Services,
    init: { kind: Execution['kind']; target: Target; mode: Mode; rollbackOf?: string },
  ): Promise<ExecutionRun> {
    const now = svc.now();
    const id = newExecutionId(now);
    // The lease before the record: no other process may ever see this execution without a live lease.
    const lease = await acquireLease(svc, executionLockKey(id), `${init.kind} ${id}`);
    if (!lease) throw new HealerError('LOCKED', `The lease of the new execution ${id} is held already.`);
    markRunning(id);
    const record: Execution = {
      executionId: id,
      kind: init.kind,
      appId: '',
      target: init.target,
      plugin: '',
      mode: init.mode,
      state: 'PENDING',
      planHash: null,
      message: '',
      nextAttemptAt: null,
      attempts: [],
      timeline: [],
      startedAt: now.toISOString(),
      finishedAt: null,
      owner: { pid: process.pid, hostname: hostname() },
      ...(init.rollbackOf ? { rollbackOf: init.rollbackOf } : {}),
    };
    try {
      await svc.state.createExecution(record);
    } catch (e) {
      markStopped(id);
      await lease.release();
      throw e;
    }
    return ExecutionRun.#make(svc, id, lease, 0);
  }

  /**
   * Create a QUEUED execution, with no lease: its run starts later with
   * {@link ExecutionRun.claim}. Recovery leaves QUEUED executions alone (they
   * have changed nothing, and whoever queued them owns them).
   */
  static async queue(svc: Services, init: { kind: 'heal'; target: Target; mode: Mode; appId: string }): Promise<Execution> {
    const now = svc.now();
    const id = newExecutionId(now);
    const record: Execution = {
      executionId: id,
      kind: init.kind,
      appId: init.appId,
      target: init.target,
      plugin: '',
      mode: init.mode,
      state: 'QUEUED',
      planHash: null,
      message: 'Queued.',
      nextAttemptAt: null,
      attempts: [],
      timeline: [{ seq: 1, at: now.toISOString(), type: 'execution.queued', message: `Queued: ${init.kind} of ${init.target.path} on ${init.target.host}`, state: 'QUEUED' }],
      startedAt: now.toISOString(),
      finishedAt: null,
    };
    await svc.state.createExecution(record);
    return record;
  }

  /**
   * Start the run of a QUEUED execution: take its lease, check it is still
   * QUEUED and of this kind and target, and mark it PENDING under the lease.
   * `INVALID_ARGUMENT` for an unknown id, or one that is not (or no longer) QUEUED.
   */
  static async claim(svc: Services, executionId: string, expect: { kind: Execution['kind']; target: Target; mode: Mode }): Promise<ExecutionRun> {
    const refuse = (why: string): HealerError =>
      new HealerError('INVALID_ARGUMENT', `Cannot run execution ${executionId}: ${why}.`, { details: { executionId } });
    const seen = await svc.state.getExecution(executionId);
    if (!seen) throw refuse('no such execution in this state store');
    if (seen.state !== 'QUEUED') throw refuse(`it is ${seen.state}, not QUEUED`);
    const lease = await acquireLease(svc, executionLockKey(executionId), `${expect.kind} ${executionId}`);
    if (!lease) throw refuse('another run is starting it');
    try {
      // Read again under the lease: another run may have claimed it between our read and our lease.
      const current = await svc.state.getExecution(executionId);
      if (!current || current.state !== 'QUEUED') throw refuse(`it is ${current?.state ?? 'gone'}, not QUEUED`);
      if (current.kind !== expect.kind) throw refuse(`it is a ${current.kind}, not a ${expect.kind}`);
      if (current.target.host !== expect.target.host || current.target.path !== expect.target.path) {
        throw refuse(`it was queued for ${current.target.path} on ${current.target.host}, not ${expect.target.path} on ${expect.target.host}`);
      }
      const run = ExecutionRun.resume(svc, current, lease);
      markRunning(executionId);
      await run.update({ state: 'PENDING', mode: expect.mode, target: expect.target, owner: { pid: process.pid, hostname: hostname() } });
      return run;
    } catch (e) {
      markStopped(executionId);
      await lease.release();
      throw e;
    }
  }

  /**
   * A QUEUED execution that cannot start (its host unknown, its settings
   * unreadable) ends FAILED with why, instead of waiting forever. Under its
   * lease and only while still QUEUED: one another run is starting is left
   * alone. Returns whether it was marked.
   */
  static async failQueued(svc: Services, executionId: string, error: { code: string; message: string }): Promise<boolean> {
    const lease = await acquireLease(svc, executionLockKey(executionId), `fail ${executionId}`);
    if (!lease) return false;
    try {
      const current = await svc.state.getExecution(executionId);
      if (!current || current.state !== 'QUEUED') return false;
      await ExecutionRun.resume(svc, current, lease).finish('FAILED', `The heal could not start: ${error.message}`, { error });
      return true;
    } finally {
      await lease.release();
    }
  }

  /** Continue an existing execution whose lease the caller took (recovery). */
  static resume(svc: Services, execution: Execution, lease: Lease): ExecutionRun {
    const run = ExecutionRun.#make(svc, execution.executionId, lease, execution.timeline.at(-1)?.seq ?? 0);
    run.attempts.push(...execution.attempts);
    return run;
  }

  static #make(svc: Services, id: string, lease: Lease, lastSeq: number): ExecutionRun {
    const holder: { run?: ExecutionRun } = {};
    const journal = new Journal(svc.state, id, svc.redactor, svc.emit, svc.now, lastSeq, () => holder.run?.fence);
    holder.run = new ExecutionRun(svc, id, journal, lease);
    return holder.run;
  }

  /** Run `fn` with the app lock's fence on every write (the app lock, once held, is the stronger claim). */
  async underLock<T>(appLease: Lease, fn: () => Promise<T>): Promise<T> {
    const before = this.fence;
    this.fence = appLease.fence;
    try {
      return await fn();
    } finally {
      this.fence = before;
    }
  }

  /** Stop renewing the execution lease and release it: the run is over (or left to recovery). */
  async close(): Promise<void> {
    markStopped(this.id);
    await this.lease.release();
  }

  async update(patch: Parameters<Services['state']['updateExecution']>[1]): Promise<void> {
    await this.svc.state.updateExecution(this.id, patch, this.fence);
  }

  async saveAttempts(): Promise<void> {
    await this.update({ attempts: this.attempts });
  }

  /** Record the final state and return the whole execution. */
  async finish(
    state: ExecutionState,
    message: string,
    extra: { nextAttemptAt?: string | null; error?: { code: string; message: string } } = {},
  ): Promise<Execution> {
    const clean = this.svc.redactor.redact(message);
    await this.journal.record('execution.finished', clean, { state });
    await this.update({
      state,
      message: clean,
      finishedAt: this.svc.now().toISOString(),
      attempts: this.attempts,
      nextAttemptAt: extra.nextAttemptAt ?? null,
      ...(extra.error ? { error: { code: extra.error.code, message: this.svc.redactor.redact(extra.error.message) } } : {}),
    });
    const execution = await this.svc.state.getExecution(this.id);
    return execution!;
  }
}
