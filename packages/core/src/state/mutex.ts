/**
 * A short mutual exclusion by key, across the processes of one machine: an
 * in-process queue first, then a lock file, retried briefly.
 * @internal
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LockOwner } from '../contract/state.js';
import { HealerError } from '../errors.js';
import { LockFolder } from './file-lock.js';

export class KeyedMutex {
  readonly #locks: LockFolder;
  readonly #queue = new Map<string, Promise<void>>();
  readonly #ttlMs: number;
  readonly #waitMs: number;

  /** `ttlMs`: how long one holder may keep it; `waitMs`: how long to wait before failing with `LOCKED`. */
  constructor(dir: string, options: { ttlMs: number; waitMs: number }) {
    // Nothing held here has to survive a crash, so no fsyncs.
    this.#locks = new LockFolder(dir, { durable: false });
    this.#ttlMs = options.ttlMs;
    this.#waitMs = options.waitMs;
  }

  /** Runs `critical` while holding `key`. */
  async run<T>(key: string, critical: () => Promise<T>): Promise<T> {
    // Callers in this process queue here; only one of them competes for the file.
    const previous = this.#queue.get(key) ?? Promise.resolve();
    const mine = previous.then(() => this.#runLocked(key, critical));
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    this.#queue.set(key, settled);
    try {
      return await mine;
    } finally {
      if (this.#queue.get(key) === settled) this.#queue.delete(key);
    }
  }

  async #runLocked<T>(key: string, critical: () => Promise<T>): Promise<T> {
    const owner: LockOwner = { pid: process.pid, hostname: hostname(), purpose: 'state-update' };
    const deadline = Date.now() + this.#waitMs;
    let handle = await this.#locks.acquire(key, owner, this.#ttlMs);
    for (let wait = 1; handle === null; wait = Math.min(wait * 2, 8)) {
      if (Date.now() > deadline) {
        throw new HealerError('LOCKED', `Timed out waiting for the state store's lock on ${key}`, { details: { key } });
      }
      await sleep(wait * (0.5 + Math.random()));
      handle = await this.#locks.acquire(key, owner, this.#ttlMs);
    }
    try {
      return await critical();
    } finally {
      await this.#locks.release(handle);
    }
  }
}
