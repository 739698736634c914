/**
 * Live timeline events for the SSE streams: one Redis subscriber connection
 * per API process, fanned out to every stream watching an execution.
 */
import type { TimelineEvent } from '@healer/core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { eventChannel } from '../fleet/fleet.js';

type Listener = (event: TimelineEvent) => void;

export class EventHub {
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #listeners = new Map<string, Set<Listener>>();

  constructor(redis: Redis, prefix: string, logger: Logger) {
    this.#subscriber = redis.duplicate({ lazyConnect: true });
    this.#prefix = prefix;
    this.#subscriber.on('error', (err: Error & { code?: string }) => logger.warn({ code: err.code }, 'event subscriber error'));
    this.#subscriber.on('message', (channel: string, message: string) => {
      const listeners = this.#listeners.get(channel);
      if (!listeners) return;
      let event: TimelineEvent;
      try {
        event = JSON.parse(message) as TimelineEvent;
      } catch {
        return;
      }
      for (const listener of listeners) listener(event);
    });
  }

  /** Listen to an execution's events; resolves once Redis confirmed the subscription. Returns the unsubscribe. */
  async subscribe(executionId: string, listener: Listener): Promise<() => void> {
    const channel = eventChannel(this.#prefix, executionId);
    let listeners = this.#listeners.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(channel, listeners);
    }
    listeners.add(listener);
    try {
      if (this.#subscriber.status === 'wait') await this.#subscriber.connect();
      await this.#subscriber.subscribe(channel);
    } catch (err) {
      this.#drop(channel, listener);
      throw err;
    }
    return () => this.#drop(channel, listener);
  }

  #drop(channel: string, listener: Listener): void {
    const listeners = this.#listeners.get(channel);
    if (!listeners) return;
    listeners.delete(listener);
    if (listeners.size === 0) {
      this.#listeners.delete(channel);
      this.#subscriber.unsubscribe(channel).catch(() => undefined);
    }
  }

  close(): void {
    this.#listeners.clear();
    this.#subscriber.disconnect();
  }
}
