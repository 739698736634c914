/**
 * Composition root of the server: tsyringe wires one runtime's services
 * (logger, secrets, Redis, rate limiter, fleet, queues, live events,
 * metrics, webhooks) in a child container, each built once from the
 * configuration and the ORM. The API, the workers and the tests take them
 * from the runtime; route and job code never sees the container.
 */
import 'reflect-metadata';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { Redis as RedisClient, type Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ServerConfig } from './config.js';
import type { Orm } from './db/orm.js';
import { Fleet } from './fleet/fleet.js';
import { EventHub } from './http/event-hub.js';
import { createLogger } from './http/logger.js';
import { createMetrics, registerFleetMetrics, type Metrics } from './http/metrics.js';
import type { RateLimiter } from './http/rate-limit.js';
import { RedisTokenBucket } from './http/redis-rate-limit.js';
import { bullPrefix, JobQueues } from './jobs/queues.js';
import { Notifier } from './notify/webhooks.js';
import type { RuntimeOptions } from './runtime.js';
import { SecretBox } from './secrets.js';

export const TOKENS = {
  Config: Symbol('server.Config'),
  Options: Symbol('server.RuntimeOptions'),
  Orm: Symbol('server.Orm'),
  Logger: Symbol('server.Logger'),
  Secrets: Symbol('server.SecretBox'),
  Redis: Symbol('server.Redis'),
  RateLimiter: Symbol('server.RateLimiter'),
  Fleet: Symbol('server.Fleet'),
  Queues: Symbol('server.JobQueues'),
  Events: Symbol('server.EventHub'),
  Metrics: Symbol('server.Metrics'),
  Notifier: Symbol('server.Notifier'),
} as const;

/** The services of one runtime. */
export interface Services {
  config: ServerConfig;
  orm: Orm;
  logger: Logger;
  secrets: SecretBox;
  redis: Redis;
  rateLimiter: RateLimiter;
  fleet: Fleet;
  queues: JobQueues;
  events: EventHub;
  metrics: Metrics;
  notifier: Notifier;
}

export function createRedis(url: string): Redis {
  // Lazy, bounded: a Redis that is down makes /health/ready say so instead of hanging requests.
  return new RedisClient(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000, retryStrategy: (times) => Math.min(times * 200, 2_000) });
}

/** A child container for one runtime, and its services resolved. */
export function composeServices(config: ServerConfig, options: RuntimeOptions, orm: Orm): { services: Services; container: DependencyContainer } {
  const c = rootContainer.createChildContainer();
  const prefix = config.redisPrefix ?? 'healer';
  const once = <T>(token: symbol, make: (d: DependencyContainer) => T) => c.register(token, { useFactory: instanceCachingFactory(make) });
  c.register(TOKENS.Config, { useValue: config });
  c.register(TOKENS.Options, { useValue: options });
  c.register(TOKENS.Orm, { useValue: orm });
  once(TOKENS.Logger, () => createLogger(config.logLevel, options.logDestination));
  once(TOKENS.Secrets, () => new SecretBox(config.keys, config.currentKeyId));
  once(TOKENS.Redis, (d) => {
    const redis = createRedis(config.redisUrl);
    const logger = d.resolve<Logger>(TOKENS.Logger);
    redis.on('error', (err: Error & { code?: string }) => logger.warn({ code: err.code }, 'redis error'));
    return redis;
  });
  once(
    TOKENS.RateLimiter,
    (d) =>
      options.rateLimiter ??
      new RedisTokenBucket({
        redis: d.resolve(TOKENS.Redis),
        capacity: config.rateLimitPerMinute,
        refillPerSecond: config.rateLimitPerMinute / 60,
        logger: d.resolve(TOKENS.Logger),
        prefix: options.rateLimitPrefix ?? `${prefix}:ratelimit:`,
      }),
  );
  once(
    TOKENS.Fleet,
    (d) => new Fleet({ orm, redis: d.resolve(TOKENS.Redis), secrets: d.resolve(TOKENS.Secrets), logger: d.resolve(TOKENS.Logger), plugins: options.plugins ?? [], prefix, ...options.fleet }),
  );
  once(TOKENS.Queues, (d) => new JobQueues(d.resolve(TOKENS.Redis), prefix, () => undefined, config.checkIntervalSeconds ?? 300));
  once(TOKENS.Events, (d) => new EventHub(d.resolve(TOKENS.Redis), prefix, d.resolve(TOKENS.Logger)));
  once(TOKENS.Metrics, (d) => {
    const metrics = createMetrics();
    registerFleetMetrics(metrics.registry, { orm, queues: d.resolve(TOKENS.Queues) });
    return metrics;
  });
  // Its own connection (BullMQ's), opened on first use, failing fast like the one above.
  once(
    TOKENS.Notifier,
    (d) =>
      new Notifier({
        orm,
        logger: d.resolve(TOKENS.Logger),
        connection: { url: config.redisUrl, maxRetriesPerRequest: 1, connectTimeout: 2_000 },
        prefix: bullPrefix(prefix),
        ...options.webhooks,
      }),
  );
  const services: Services = {
    config,
    orm,
    logger: c.resolve(TOKENS.Logger),
    secrets: c.resolve(TOKENS.Secrets),
    redis: c.resolve(TOKENS.Redis),
    rateLimiter: c.resolve(TOKENS.RateLimiter),
    fleet: c.resolve(TOKENS.Fleet),
    queues: c.resolve(TOKENS.Queues),
    events: c.resolve(TOKENS.Events),
    metrics: c.resolve(TOKENS.Metrics),
    notifier: c.resolve(TOKENS.Notifier),
  };
  return { services, container: c };
}
