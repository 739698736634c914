/**
 * The composition root: builds every dependency from the configuration,
 * the API on top of them, and shuts it all down in order (stop accepting,
 * let in-flight requests finish, close Redis and PostgreSQL).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { Redis } from 'ioredis';
import type { DestinationStream, Logger } from 'pino';
import { createApp } from './app.js';
import type { ServerConfig } from './config.js';
import { openOrm, type Orm } from './db/orm.js';
import { createLogger } from './http/logger.js';
import type { RateLimiter } from './http/rate-limit.js';
import { RedisTokenBucket } from './http/redis-rate-limit.js';
import type { PluginConfigValidator, ServerPlugin } from './routes/plugins.js';
import { SecretBox } from './secrets.js';

export interface RuntimeOptions {
  plugins?: readonly ServerPlugin[];
  validatePluginConfig?: PluginConfigValidator;
  /** Where logs go (tests capture them). Default stdout. */
  logDestination?: DestinationStream;
  /**
   * Default: a {@link RedisTokenBucket} on the runtime's Redis sized by `rateLimitPerMinute` (burst = one
   * minute's worth), one budget per caller shared by every API process; it fails open to a per-process bucket
   * while Redis is away. A single process can pass `new MemoryTokenBucket(...)` instead.
   */
  rateLimiter?: RateLimiter;
  /** Key prefix of the default Redis limiter, to keep installations sharing one Redis apart. Default `healer:ratelimit:`. */
  rateLimitPrefix?: string;
}

export interface Runtime {
  app: Express;
  orm: Orm;
  redis: Redis;
  logger: Logger;
  secrets: SecretBox;
  /** Closes Redis and PostgreSQL. */
  close(): Promise<void>;
}

export function createRedis(url: string): Redis {
  // Lazy, bounded: a Redis that is down makes /health/ready say so instead of hanging requests.
  return new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000, retryStrategy: (times) => Math.min(times * 200, 2_000) });
}

export async function createRuntime(config: ServerConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const secrets = new SecretBox(config.keys, config.currentKeyId);
  const orm = await openOrm({ databaseUrl: config.databaseUrl });
  const redis = createRedis(config.redisUrl);
  redis.on('error', (err: Error & { code?: string }) => logger.warn({ code: err.code }, 'redis error'));
  const rateLimiter =
    options.rateLimiter ??
    new RedisTokenBucket({
      redis,
      capacity: config.rateLimitPerMinute,
      refillPerSecond: config.rateLimitPerMinute / 60,
      logger,
      ...(options.rateLimitPrefix ? { prefix: options.rateLimitPrefix } : {}),
    });
  const app = createApp({
    orm,
    redis,
    secrets,
    logger,
    rateLimiter,
    plugins: options.plugins ?? [],
    ...(options.validatePluginConfig ? { validatePluginConfig: options.validatePluginConfig } : {}),
  });
  return {
    app,
    orm,
    redis,
    logger,
    secrets,
    async close() {
      redis.disconnect();
      await orm.close(true);
    },
  };
}

export interface RunningApi {
  server: HttpServer;
  url: string;
  runtime: Runtime;
  /** Graceful stop: no new connections, in-flight requests finish (up to `graceMs`), then the pools close. */
  close(graceMs?: number): Promise<void>;
}

export async function startApi(config: ServerConfig, options: RuntimeOptions = {}): Promise<RunningApi> {
  const runtime = await createRuntime(config, options);
  // Connect now rather than on the first request, whose rate limit would otherwise wait for the handshake.
  runtime.redis.connect().catch(() => {});
  const server = createServer(runtime.app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  runtime.logger.info({ port: address.port }, 'healer-server API listening');
  let closing: Promise<void> | undefined;
  return {
    server,
    url: `http://${host}:${address.port}`,
    runtime,
    close(graceMs = 10_000) {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Keep-alive connections become idle as their last response ends: close them then, not at the keep-alive timeout.
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        await closed;
        clearInterval(idle);
        clearTimeout(timer);
        await runtime.close();
        runtime.logger.info('healer-server API stopped');
      })();
      return closing;
    },
  };
}
