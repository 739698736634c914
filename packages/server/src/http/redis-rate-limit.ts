/**
 * A token bucket kept in Redis, so that every API process shares one budget
 * per caller. Each `take` is one Lua script (atomic on the Redis server): it
 * refills by the time elapsed on the Redis clock (one clock for every host),
 * takes a token or says how long to wait, and sets a TTL so that an idle
 * caller's key disappears once its bucket would be full again.
 *
 * When Redis does not answer within `timeoutMs` (down, unreachable, slow),
 * the limiter fails open to a per-process bucket of the same size: requests
 * are neither refused nor held because the limiter's store is away, and each
 * process still throttles on its own (token guessing stays throttled). A
 * warning is logged when this starts (at most one a minute, however often
 * Redis comes and goes), an info line when Redis answers again. After a
 * failure Redis is left alone for `retryAfterFailureMs`, so that an outage
 * costs one timeout per interval rather than one per request. A take that
 * timed out may still reach Redis later and spend its token there: the
 * shared budget errs on the side of fewer requests, never more.
 */
import type { Redis } from 'ioredis';
import { MemoryTokenBucket, type RateDecision, type RateLimiter } from './rate-limit.js';

/** KEYS[1] the bucket; ARGV: capacity, tokens per second, TTL in ms. Returns {allowed, remaining, retryAfterMs}. */
const TAKE_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = capacity
if state[1] and state[2] then
  tokens = math.min(capacity, tonumber(state[1]) + math.max(0, now - tonumber(state[2])) / 1000 * rate)
end
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], ttl)
return {allowed, math.floor(tokens), retry}
`;

const COMMAND = 'healerTakeToken';
const WARN_EVERY_MS = 60_000;

type TakeCommand = (key: string, capacity: number, refillPerSecond: number, ttlMs: number) => Promise<[number, number, number]>;

export interface RedisTokenBucketOptions {
  /** The client; the script is registered on it (`defineCommand`). */
  redis: Redis;
  /** Bucket size: the burst allowed. */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
  /** Put before every key. Default `healer:ratelimit:`. */
  prefix?: string;
  /** How long a `take` waits for Redis before failing open. Default 250 ms. */
  timeoutMs?: number;
  /** After a failure, how long Redis is not asked (the per-process bucket answers). Default 1,000 ms. */
  retryAfterFailureMs?: number;
  /** Where the fail-open warning goes (a pino logger fits). */
  logger?: { warn(details: object, message: string): void; info(details: object, message: string): void };
  /** Clock of the fail-open path and its intervals, for tests (the shared bucket runs on Redis's clock). Default `Date.now`. */
  now?: () => number;
}

export class RedisTokenBucket implements RateLimiter {
  readonly #take: TakeCommand;
  readonly #options: Required<Omit<RedisTokenBucketOptions, 'logger' | 'redis'>> & Pick<RedisTokenBucketOptions, 'logger'>;
  readonly #ttlMs: number;
  readonly #fallback: MemoryTokenBucket;
  #skipUntil = 0;
  #failingSince: number | undefined;
  #lastWarning: number | undefined;

  constructor(options: RedisTokenBucketOptions) {
    const { redis, ...rest } = options;
    this.#options = { prefix: 'healer:ratelimit:', timeoutMs: 250, retryAfterFailureMs: 1_000, now: Date.now, ...rest };
    if (!(options.capacity >= 1) || !(options.refillPerSecond > 0)) throw new RangeError('capacity must be at least 1 and refillPerSecond above 0');
    // Past the time a bucket takes to fill from empty, a missing key means the same as a full bucket.
    this.#ttlMs = Math.ceil((options.capacity / options.refillPerSecond) * 1000) + 1_000;
    redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: TAKE_SCRIPT });
    const command = (redis as unknown as Record<string, TakeCommand>)[COMMAND]!;
    this.#take = command.bind(redis);
    this.#fallback = new MemoryTokenBucket({ capacity: options.capacity, refillPerSecond: options.refillPerSecond, now: this.#options.now });
  }

  async take(key: string): Promise<RateDecision> {
    const { prefix, capacity, refillPerSecond, timeoutMs, now } = this.#options;
    if (now() < this.#skipUntil) return this.#fallback.take(key);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('Redis did not answer in time'), { code: 'TIMEOUT' })), timeoutMs);
    });
    try {
      const [allowed, remaining, retryAfterMs] = await Promise.race([this.#take(`${prefix}${key}`, capacity, refillPerSecond, this.#ttlMs), timeout]);
      if (this.#failingSince !== undefined) {
        this.#options.logger?.info({ downMs: now() - this.#failingSince }, 'rate limiter: Redis answers again, the shared budget is back');
        this.#failingSince = undefined;
      }
      return { allowed: allowed === 1, remaining, retryAfterMs };
    } catch (err) {
      this.#failed(err);
      return this.#fallback.take(key);
    } finally {
      clearTimeout(timer);
      timeout.catch(() => {});
    }
  }

  #failed(err: unknown): void {
    const at = this.#options.now();
    this.#skipUntil = at + this.#options.retryAfterFailureMs;
    this.#failingSince ??= at;
    if (this.#lastWarning !== undefined && at - this.#lastWarning < WARN_EVERY_MS) return;
    this.#lastWarning = at;
    // Only the code: an error message can carry connection details.
    const code = (err as { code?: unknown } | null)?.code;
    this.#options.logger?.warn(
      { code: typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'FAILED' },
      'rate limiter: Redis unavailable, failing open to a per-process bucket',
    );
  }
}
