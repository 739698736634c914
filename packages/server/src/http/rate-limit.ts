/**
 * Rate limiting per caller. {@link RateLimiter} is the seam: the in-memory
 * token bucket serves one process; `RedisTokenBucket` (the default of
 * the runtime) shares one budget between every API process.
 */
export interface RateDecision {
  allowed: boolean;
  /** Whole requests left in the bucket. */
  remaining: number;
  /** When refused: how long until one request is allowed again. */
  retryAfterMs: number;
}

export interface RateLimiter {
  take(key: string): Promise<RateDecision>;
}

export interface TokenBucketOptions {
  /** Bucket size: the burst allowed. */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
  /** Buckets kept at most; the least recently used are forgotten. Default 10,000. */
  maxKeys?: number;
}

export class MemoryTokenBucket implements RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #options: Required<TokenBucketOptions>;

  constructor(options: TokenBucketOptions) {
    this.#options = { now: Date.now, maxKeys: 10_000, ...options };
  }

  async take(key: string): Promise<RateDecision> {
    const { capacity, refillPerSecond, now, maxKeys } = this.#options;
    const at = now();
    const previous = this.#buckets.get(key);
    const tokens = previous ? Math.min(capacity, previous.tokens + ((at - previous.at) / 1000) * refillPerSecond) : capacity;
    this.#buckets.delete(key);
    if (this.#buckets.size >= maxKeys) this.#buckets.delete(this.#buckets.keys().next().value!);
    if (tokens < 1) {
      this.#buckets.set(key, { tokens, at });
      return { allowed: false, remaining: 0, retryAfterMs: Math.ceil(((1 - tokens) / refillPerSecond) * 1000) };
    }
    this.#buckets.set(key, { tokens: tokens - 1, at });
    return { allowed: true, remaining: Math.floor(tokens - 1), retryAfterMs: 0 };
  }
}
