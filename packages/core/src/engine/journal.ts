/**
 * The execution journal: every step is recorded durably before it runs, so a
 * process killed at any point leaves enough on disk to finish the rollback.
 * @internal
 */
import type { StateStore } from '../contract/state.js';
import type { Redactor } from '../redact.js';
import type { ExecutionState, TimelineEvent } from '../schemas.js';

/** Event types written to the journal. Recovery reads them back. */
export type JournalEventType =
  | 'execution.started'
  | 'app.detected'
  | 'state'
  | 'diagnosis'
  | 'plan'
  | 'blocked'
  | 'action.started'
  | 'action.skipped'
  | 'backup.started'
  | 'backup.created'
  | 'apply.started'
  | 'apply.finished'
  | 'verify.started'
  | 'verify.result'
  | 'action.fixed'
  | 'rollback.started'
  | 'rollback.finished'
  | 'rollback.failed'
  | 'escalated'
  | 'recovered'
  | 'process.started'
  | 'processes.stopped'
  | 'execution.finished';

export class Journal {
  #seq: number;
  /** Appends happen one after another, in seq order, even when events are recorded concurrently. */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly state: StateStore,
    readonly executionId: string,
    private readonly redactor: Redactor,
    private readonly emit: (executionId: string, event: TimelineEvent) => void,
    private readonly now: () => Date = () => new Date(),
    startSeq = 0,
  ) {
    this.#seq = startSeq;
  }

  /** Append one event (redacted) and wait until it is durable. */
  async record(
    type: JournalEventType,
    message: string,
    extra: { state?: ExecutionState; actionId?: string; data?: Record<string, unknown> } = {},
  ): Promise<TimelineEvent> {
    const event: TimelineEvent = this.redactor.redactDeep({
      seq: ++this.#seq,
      at: this.now().toISOString(),
      type,
      message,
      ...(extra.state ? { state: extra.state } : {}),
      ...(extra.actionId ? { actionId: extra.actionId } : {}),
      ...(extra.data ? { data: extra.data } : {}),
    });
    const write = this.#tail.then(async () => {
      await this.state.appendEvent(this.executionId, event);
      if (extra.state) await this.state.updateExecution(this.executionId, { state: extra.state });
    });
    this.#tail = write.catch(() => undefined);
    await write;
    this.emit(this.executionId, event);
    return event;
  }
}
