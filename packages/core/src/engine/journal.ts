/**
 * The execution journal: every step is recorded durably before it runs, so a
 * process killed at any point leaves enough on disk to finish the rollback.
 * @internal
 */
import type { Fence, StateStore } from '../contract/state.js';
import type { Redactor } from '../redact.js';
import type { ExecutionState, TimelineEvent, TimelineEventType } from '../schemas.js';

/** Event types written to the journal (one list: `TimelineEventTypeSchema`). Recovery reads them back. */
export type JournalEventType = TimelineEventType;

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
    /** The fence the next write carries (see `StateStore.appendEvent`); none for a writer holding no lock. */
    private readonly fence: () => Fence | undefined = () => undefined,
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
    const fence = this.fence();
    const write = this.#tail.then(async () => {
      await this.state.appendEvent(this.executionId, event, fence);
      if (extra.state) await this.state.updateExecution(this.executionId, { state: extra.state }, fence);
    });
    this.#tail = write.catch(() => undefined);
    await write;
    this.emit(this.executionId, event);
    return event;
  }
}
