/** A small typed event emitter for the healer's timeline. */
import type { CheckResultEntry, TimelineEvent } from './schemas.js';

/** Events a healer emits, by name, with their listener arguments. */
export interface HealerEvents {
  /** A journal event of an execution, as it is recorded. */
  timeline: [executionId: string, event: TimelineEvent];
  /** A check result, as each check finishes during a diagnosis. */
  result: [result: CheckResultEntry];
}

export type HealerEventListener<K extends keyof HealerEvents> = (...args: HealerEvents[K]) => void;

type Listener = (...args: unknown[]) => void;

/** @internal */
export class TypedEmitter {
  readonly #listeners = new Map<keyof HealerEvents, Set<Listener>>();

  on<K extends keyof HealerEvents>(name: K, listener: HealerEventListener<K>): () => void {
    const set = this.#listeners.get(name) ?? new Set();
    set.add(listener as unknown as Listener);
    this.#listeners.set(name, set);
    return () => this.off(name, listener);
  }

  off<K extends keyof HealerEvents>(name: K, listener: HealerEventListener<K>): void {
    this.#listeners.get(name)?.delete(listener as unknown as Listener);
  }

  emit<K extends keyof HealerEvents>(name: K, ...args: HealerEvents[K]): void {
    for (const listener of this.#listeners.get(name) ?? []) {
      try {
        (listener as unknown as HealerEventListener<K>)(...args);
      } catch {
        // a listener's bug must not break a heal
      }
    }
  }
}
