import { describe, expect, it } from 'vitest';
import { MemoryTokenBucket } from './rate-limit.js';

describe('MemoryTokenBucket', () => {
  it('allows a burst of `capacity`, refuses the next with a wait, refills over time, per key', async () => {
    let now = 0;
    const bucket = new MemoryTokenBucket({ capacity: 2, refillPerSecond: 1, now: () => now });
    expect((await bucket.take('a')).allowed).toBe(true);
    expect(await bucket.take('a')).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    expect(await bucket.take('a')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1000 });
    expect((await bucket.take('b')).allowed).toBe(true);
    now = 500;
    expect((await bucket.take('a')).retryAfterMs).toBe(500);
    now = 1000;
    expect((await bucket.take('a')).allowed).toBe(true);
    now = 60_000;
    expect((await bucket.take('a')).remaining).toBe(1);
  });

  it('forgets the least recently used keys beyond maxKeys', async () => {
    const bucket = new MemoryTokenBucket({ capacity: 1, refillPerSecond: 0.001, now: () => 0, maxKeys: 2 });
    await bucket.take('a');
    await bucket.take('b');
    await bucket.take('c');
    expect((await bucket.take('a')).allowed).toBe(true);
    expect((await bucket.take('c')).allowed).toBe(false);
  });
});
