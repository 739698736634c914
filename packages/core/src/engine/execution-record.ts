/**
 * Creating and finishing execution records, and the per-app lock around them.
 * @internal
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { LockHandle, LockOwner } from '../contract/state.js';
import type { Mode, Target } from '../contract/plugin.js';
import type { Attempt, Execution, ExecutionState } from '../schemas.js';
import { Journal } from './journal.js';
import type { Services } from './services.js';

/** Time-sortable, unique: `ex_<base36 ms>_<random>`. */
export function newExecutionId(now: Date): string {
  return `ex_${now.getTime().toString(36)}_${randomBytes(5).toString('hex')}`;
}

export function lockKey(appId: string): string {
  return `app:${appId}`;
}

export function currentOwner(purpose: string): LockOwner {
  return { pid: process.pid, hostname: hostname(), purpose };
}

/** A live execution: its record, journal and attempts. */
export class ExecutionRun {
  readonly attempts: Attempt[] = [];

  private constructor(
    private readonly svc: Services,
    readonly id: string,
    readonly journal: Journal,
  ) {}

  static async start(
    svc: Services,
    init: { kind: Execution['kind']; target: Target; mode: Mode; rollbackOf?: string },
  ): Promise<ExecutionRun> {
    const now = svc.now();
    const id = newExecutionId(now);
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
    await svc.state.createExecution(record);
    const run = new ExecutionRun(svc, id, new Journal(svc.state, id, svc.redactor, svc.emit, svc.now));
    return run;
  }

  /** Resume the journal of an existing execution (recovery). */
  static resume(svc: Services, execution: Execution): ExecutionRun {
    const lastSeq = execution.timeline.at(-1)?.seq ?? 0;
    const run = new ExecutionRun(svc, execution.executionId, new Journal(svc.state, execution.executionId, svc.redactor, svc.emit, svc.now, lastSeq));
    run.attempts.push(...execution.attempts);
    return run;
  }

  async update(patch: Parameters<Services['state']['updateExecution']>[1]): Promise<void> {
    await this.svc.state.updateExecution(this.id, patch);
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

/** Hold the app lock for the duration of `fn`, renewing its lease; `signal` aborts if the lock is lost. */
export async function withAppLock<T>(
  svc: Services,
  appId: string,
  purpose: string,
  onBusy: (holder: LockHandle | null) => Promise<T>,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const ttl = svc.settings.lockTtlMs;
  const handle = await svc.state.acquireLock(lockKey(appId), currentOwner(purpose), ttl);
  if (!handle) return onBusy(await svc.state.getLock(lockKey(appId)));
  const controller = new AbortController();
  const timer = setInterval(() => {
    svc.state.renewLock(handle, ttl).then(
      (ok) => {
        if (!ok) controller.abort(new Error('the app lock was lost'));
      },
      () => undefined,
    );
  }, Math.max(1000, Math.floor(ttl / 3)));
  timer.unref();
  try {
    return await fn(controller.signal);
  } finally {
    clearInterval(timer);
    await svc.state.releaseLock(handle).catch(() => undefined);
  }
}
