/**
 * What the ladder's transitions leave behind: journal events (recovery reads
 * them back), the execution's attempts, and the breaker's records. The ladder
 * says what happened; this says how it is written down.
 * @internal
 */
import type { HealingAction, Mode } from '../contract/plugin.js';
import type { BackupManifest } from '../contract/backup.js';
import type { Attempt, PlannedAction } from '../schemas.js';
import type { CircuitBreaker } from './breaker.js';
import type { ExecutionRun } from './execution-record.js';
import type { LeftEntry } from './step-left.js';

export class HealRecorder {
  constructor(
    private readonly run: ExecutionRun,
    private readonly breaker: CircuitBreaker,
    private readonly appId: string,
    /** The mode a failed heal counts against. */
    private readonly mode: Mode,
  ) {}

  /** A rung not tried: nothing was started for it. */
  async skipped(actionId: string, message: string): Promise<void> {
    await this.run.journal.record('action.skipped', message, { actionId });
  }

  /** An action starts: the heal counts against the app's limit from its first one. */
  async started(action: HealingAction, rung: PlannedAction): Promise<RungRecorder> {
    if (this.run.attempts.length === 0) await this.breaker.recordAttempt(this.appId);
    await this.run.journal.record('action.started', `${action.title} (${action.risk} risk)`, {
      actionId: action.id,
      data: { risk: action.risk, fixes: rung.fixes, steps: rung.steps, ...(rung.nonce ? { nonce: rung.nonce } : {}) },
    });
    await this.breaker.recordAttempt(this.appId, action.id);
    const attempt: Attempt = { actionId: action.id, risk: action.risk, backupId: null, verified: false, rolledBack: false, message: '' };
    this.run.attempts.push(attempt);
    await this.run.saveAttempts();
    return new RungRecorder(this.run, this.breaker, this.appId, attempt);
  }

  /** The heal failed: a person is needed. */
  async escalated(message: string, actionId?: string): Promise<void> {
    await this.breaker.recordFailure(this.appId, undefined, { mode: this.mode });
    await this.run.journal.record('escalated', message, actionId ? { actionId } : {});
  }

  /** Every targeted check passes. */
  async healed(): Promise<void> {
    await this.breaker.recordSuccess(this.appId);
  }
}

/** The transitions of one started action, on its attempt. */
export class RungRecorder {
  constructor(
    private readonly run: ExecutionRun,
    private readonly breaker: CircuitBreaker,
    private readonly appId: string,
    readonly attempt: Attempt,
  ) {}

  async backupStarted(backupId: string, dir: string): Promise<void> {
    await this.run.journal.record('backup.started', `Backing up before ${this.attempt.actionId}`, {
      state: 'BACKING_UP',
      actionId: this.attempt.actionId,
      data: { backupId, dir },
    });
  }

  async backupTaken(manifest: BackupManifest): Promise<void> {
    this.attempt.backupId = manifest.id;
    await this.run.saveAttempts();
    await this.run.journal.record('backup.created', `Backup ${manifest.id} taken`, {
      actionId: this.attempt.actionId,
      data: { backupId: manifest.id, dir: manifest.dir, files: manifest.files.length },
    });
  }

  /** Nothing was changed (the backup failed, the plan drifted): the action ends here. */
  async skipped(message: string, data?: Record<string, unknown>): Promise<void> {
    await this.#note(message);
    await this.run.journal.record('action.skipped', message, { actionId: this.attempt.actionId, ...(data ? { data } : {}) });
  }

  async applying(steps: PlannedAction['steps']): Promise<void> {
    await this.run.journal.record('apply.started', `Applying ${this.attempt.actionId}`, { state: 'APPLYING', actionId: this.attempt.actionId, data: { steps } });
  }

  async applied(): Promise<void> {
    await this.run.journal.record('apply.finished', `Applied ${this.attempt.actionId}`, { actionId: this.attempt.actionId });
  }

  async verifying(): Promise<void> {
    await this.run.journal.record('verify.started', `Verifying ${this.attempt.actionId}`, { state: 'VERIFYING', actionId: this.attempt.actionId });
  }

  async verifyResult(verified: boolean, why: string): Promise<void> {
    await this.run.journal.record('verify.result', verified ? 'Verified' : `Not verified: ${why}`, {
      actionId: this.attempt.actionId,
      data: { verified, reason: why },
    });
  }

  /** Verified; `left`: what its steps left, for a drift-checked rollback later. */
  async fixed(fixes: readonly string[], left: readonly LeftEntry[]): Promise<void> {
    this.attempt.verified = true;
    await this.#note('verified');
    await this.breaker.recordSuccess(this.appId, this.attempt.actionId);
    await this.run.journal.record('action.fixed', `${this.attempt.actionId} fixed ${fixes.join(', ')}`, { actionId: this.attempt.actionId, data: { left } });
  }

  /** Not verified, with no rollback and no backup: the change stays. */
  async cannotRollBack(why: string): Promise<void> {
    await this.#note(why);
    await this.breaker.recordFailure(this.appId, this.attempt.actionId);
  }

  async rollingBack(why: string): Promise<void> {
    await this.run.journal.record('rollback.started', `Rolling back ${this.attempt.actionId}: ${why}`, { state: 'ROLLING_BACK', actionId: this.attempt.actionId });
  }

  async rollbackFailed(message: string): Promise<void> {
    await this.#note(message);
    await this.run.journal.record('rollback.failed', message, { actionId: this.attempt.actionId });
  }

  async rolledBack(why: string): Promise<void> {
    this.attempt.rolledBack = true;
    await this.#note(why);
    await this.breaker.recordFailure(this.appId, this.attempt.actionId);
    await this.run.journal.record('rollback.finished', `Rolled back ${this.attempt.actionId}`, { actionId: this.attempt.actionId });
  }

  async #note(message: string): Promise<void> {
    this.attempt.message = message;
    await this.run.saveAttempts();
  }
}
