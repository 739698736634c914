import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { freePort } from '@healer/test-utils';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { RedisTokenBucket } from '../src/http/redis-rate-limit.js';
import { createRedis } from '../src/runtime.js';
import { REDIS_URL, closedPortUrl } from './helpers.js';

const clients: Redis[] = [];
const prefixes: string[] = [];

/** A client made like the runtime makes it, closed after the test. */
function client(url = REDIS_URL): Redis {
  const redis = createRedis(url);
  redis.on('error', () => {});
  clients.push(redis);
  return redis;
}

function uniquePrefix(): string {
  const prefix = `healer:test:ratelimit:${randomBytes(6).toString('hex')}:`;
  prefixes.push(prefix);
  return prefix;
}

/** Collects what the limiter logs. */
function recorder() {
  const entries: { level: 'warn' | 'info'; details: object; message: string }[] = [];
  return {
    entries,
    warn: (details: object, message: string) => entries.push({ level: 'warn', details, message }),
    info: (details: object, message: string) => entries.push({ level: 'info', details, message }),
  };
}

afterEach(async () => {
  const cleaner = client();
  for (const prefix of prefixes.splice(0)) {
    const keys = await cleaner.keys(`${prefix}*`);
    if (keys.length > 0) await cleaner.del(...keys);
  }
  for (const redis of clients.splice(0)) redis.disconnect();
});

describe('RedisTokenBucket', () => {
  it('has the memory bucket semantics: a burst of `capacity`, then a refusal with the wait, per key', async () => {
    const prefix = uniquePrefix();
    const bucket = new RedisTokenBucket({ redis: client(), capacity: 2, refillPerSecond: 0.5, prefix });
    expect(await bucket.take('a')).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
    expect(await bucket.take('a')).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    const refused = await bucket.take('a');
    expect(refused.allowed).toBe(false);
    expect(refused.remaining).toBe(0);
    // One token takes 2 s at 0.5/s; a few milliseconds may have refilled already.
    expect(refused.retryAfterMs).toBeGreaterThan(1_900);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(2_000);
    expect((await bucket.take('b')).allowed).toBe(true);
  });

  it('keeps one key per caller under the prefix, with a TTL of about the time to refill', async () => {
    const prefix = uniquePrefix();
    const redis = client();
    const bucket = new RedisTokenBucket({ redis, capacity: 10, refillPerSecond: 1, prefix });
    await bucket.take('token:t1');
    expect(await redis.keys(`${prefix}*`)).toEqual([`${prefix}token:t1`]);
    const ttl = await redis.pttl(`${prefix}token:t1`);
    expect(ttl).toBeGreaterThan(9_000);
    expect(ttl).toBeLessThanOrEqual(11_000);
  });

  it('shares one budget between two API processes (two clients, two limiters), atomically', async () => {
    const prefix = uniquePrefix();
    const first = new RedisTokenBucket({ redis: client(), capacity: 10, refillPerSecond: 0.001, prefix });
    const second = new RedisTokenBucket({ redis: client(), capacity: 10, refillPerSecond: 0.001, prefix });
    const decisions = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? first : second).take('token:shared')));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect((await first.take('token:shared')).allowed).toBe(false);
    expect((await second.take('token:shared')).allowed).toBe(false);
    expect((await second.take('token:other')).allowed).toBe(true);
  });

  it('refills over time', async () => {
    const prefix = uniquePrefix();
    const bucket = new RedisTokenBucket({ redis: client(), capacity: 2, refillPerSecond: 20, prefix });
    await bucket.take('a');
    await bucket.take('a');
    const refused = await bucket.take('a');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(50);
    await new Promise((r) => setTimeout(r, 160));
    const later = await bucket.take('a');
    expect(later.allowed).toBe(true);
    expect(later.remaining).toBe(1);
  });
});

describe('RedisTokenBucket without Redis', () => {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  async function listen(server: Server, port = 0): Promise<number> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  }

  it('fails open quickly when Redis is on a closed port, warns once, and still throttles per process', async () => {
    const log = recorder();
    const bucket = new RedisTokenBucket({ redis: client(await closedPortUrl('redis')), capacity: 2, refillPerSecond: 0.001, prefix: uniquePrefix(), logger: log });
    const started = performance.now();
    expect(await bucket.take('a')).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect((await bucket.take('a')).allowed).toBe(true);
    expect((await bucket.take('a')).allowed).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(log.entries).toEqual([{ level: 'warn', details: { code: expect.stringMatching(/^[A-Z0-9_]+$/) }, message: expect.stringContaining('failing open') }]);
  });

  it('does not hold a request longer than the timeout when Redis accepts and never answers', async () => {
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    const port = await listen(silent);
    const log = recorder();
    const bucket = new RedisTokenBucket({ redis: client(`redis://127.0.0.1:${port}`), capacity: 5, refillPerSecond: 1, prefix: uniquePrefix(), timeoutMs: 200, logger: log });
    const started = performance.now();
    expect((await bucket.take('a')).allowed).toBe(true);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(190);
    expect(waited).toBeLessThan(600);
    // Within `retryAfterFailureMs` Redis is not asked again: no wait at all.
    const next = performance.now();
    expect((await bucket.take('a')).allowed).toBe(true);
    expect(performance.now() - next).toBeLessThan(50);
    expect(log.entries.map((e) => e.details)).toEqual([{ code: 'TIMEOUT' }]);
  });

  it('goes back to the shared budget once Redis answers again, and says so', async () => {
    const port = await freePort();
    const log = recorder();
    const prefix = uniquePrefix();
    const bucket = new RedisTokenBucket({ redis: client(`redis://127.0.0.1:${port}`), capacity: 5, refillPerSecond: 0.001, prefix, retryAfterFailureMs: 100, logger: log });
    expect((await bucket.take('a')).allowed).toBe(true);
    expect(log.entries.map((e) => e.level)).toEqual(['warn']);
    // Redis comes up on that port: a proxy to the real one.
    const upstream = new URL(REDIS_URL);
    const proxy = createServer((socket) => {
      const remote = connect(Number(upstream.port || 6379), upstream.hostname);
      for (const s of [socket, remote]) {
        sockets.add(s);
        s.on('error', () => {});
      }
      socket.pipe(remote).pipe(socket);
    });
    await listen(proxy, port);
    const shared = client();
    await vi.waitFor(
      async () => {
        await bucket.take('a');
        expect(log.entries.map((e) => e.level)).toEqual(['warn', 'info']);
      },
      { timeout: 8_000, interval: 100 },
    );
    // The budget is Redis's again: what this limiter takes, another process sees.
    const other = new RedisTokenBucket({ redis: shared, capacity: 5, refillPerSecond: 0.001, prefix });
    const before = Number(await shared.hget(`${prefix}a`, 'tokens'));
    expect((await bucket.take('a')).allowed).toBe(true);
    expect((await other.take('a')).remaining).toBe(Math.floor(before - 2));
  });
});
