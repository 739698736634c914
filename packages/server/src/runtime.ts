/**
 * A runtime: the services the container composes (`container.ts`), the API
 * on top of them, the workers beside them, and the shutdown in order (stop
 * accepting, let in-flight requests finish, close Redis and PostgreSQL).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { DestinationStream, Logger } from 'pino';
import { createApp } from './app.js';
import type { ServerConfig } from './config.js';
import { openOrm, type Orm } from './db/orm.js';
import type { Registry } from 'prom-client';
import { composeServices } from './container.js';
import type { RateLimiter } from './http/rate-limit.js';
import type { Notifier } from './notify/webhooks.js';
import type { PluginConfigValidator, ServerPlugin } from './routes/plugins.js';
import type { SecretBox } from './secrets.js';
import type { Fleet, FleetOptions } from './fleet/fleet.js';
import type { JobQueues } from './jobs/queues.js';
import { startWorker, type OutcomeListener, type RunningWorker } from './jobs/worker.js';
import { startWebhookWorker, type Notification } from './notify/webhooks.js';
import type { Execution } from '@healer/core';
import type { Application } from './db/entities.js';

export interface RuntimeOptions {
  plugins?: readonly ServerPlugin[];
  validatePluginConfig?: PluginConfigValidator;
  /** Where logs go (tests capture them). Default stdout. */
  logDestination?: DestinationStream;
  /**
   * Default: a `RedisTokenBucket` on the runtime's Redis sized by `rateLimitPerMinute` (burst = one
   * minute's worth), one budget per caller shared by every API process; it fails open to a per-process bucket
   * while Redis is away. A single process can pass `new MemoryTokenBucket(...)` instead.
   */
  rateLimiter?: RateLimiter;
  /** SSH timeouts and the run's lease, for the fleet (tests shorten them). */
  fleet?: Pick<FleetOptions, 'ssh' | 'lockTtlMs' | 'backupRoot'>;
  /** How often an event stream re-reads PostgreSQL besides live events. */
  eventPollMs?: number;
  /** Webhook queue: its Redis key prefix (default BullMQ's `bull`) and first retry delay in ms (default 30 000). */
  webhooks?: { prefix?: string; backoffDelayMs?: number };
  /** Key prefix of the default Redis limiter, to keep installations sharing one Redis apart. Default `healer:ratelimit:`. */
  rateLimitPrefix?: string;
}

export interface Runtime {
  app: Express;
  orm: Orm;
  redis: Redis;
  logger: Logger;
  secrets: SecretBox;
  fleet: Fleet;
  queues: JobQueues;
  /** The process's metrics registry (the API's, and the worker's when it runs in the same process). */
  metrics: Registry;
  /** Queues webhook notifications (`notifier.notify(...)`). */
  notifier: Notifier;
  /** Closes the queues, the webhook queue, the SSH connections, Redis and PostgreSQL. */
  close(): Promise<void>;
}

export { createRedis } from './container.js';

export async function createRuntime(config: ServerConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  const orm = await openOrm({ databaseUrl: config.databaseUrl });
  const { services } = composeServices(config, options, orm);
  const { logger, secrets, redis, rateLimiter, fleet, queues, events, metrics, notifier } = services;
  const app = createApp({
    metrics,
    orm,
    redis,
    secrets,
    logger,
    rateLimiter,
    fleet,
    queues,
    events,
    ...(options.eventPollMs ? { eventPollMs: options.eventPollMs } : {}),
    notifier,
    plugins: options.plugins ?? [],
    ...(options.validatePluginConfig ? { validatePluginConfig: options.validatePluginConfig } : {}),
  });
  return {
    app,
    orm,
    redis,
    logger,
    secrets,
    fleet,
    queues,
    metrics: metrics.registry,
    notifier,
    async close() {
      await notifier.close();
      events.close();
      await queues.close().catch(() => undefined);
      await fleet.close();
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

export interface WorkerRunOptions {
  /** Jobs run at once per queue. Default 2. */
  concurrency?: number;
  sweepEveryMs?: number;
  requeueAfterMs?: number;
  onOutcome?: OutcomeListener;
}

/** What a finished heal tells people about, by its final state (webhooks). */
export function notificationFor(execution: Execution, application: Application): Notification | null {
  const where = `${application.path} on ${application.server.name}`;
  const common = { applicationId: application.id, executionId: execution.executionId, details: { state: execution.state, appId: execution.appId } };
  if (execution.state === 'ESCALATED') return { event: 'execution.escalated', title: 'Heal escalated', text: `${where} needs a person: ${execution.message}`, ...common };
  if (execution.state === 'FAILED') return { event: 'execution.failed', title: 'Heal failed', text: `${where}: ${execution.message}`, ...common };
  if (execution.state === 'AWAITING_APPROVAL') return { event: 'approval.needed', title: 'Approval needed', text: `${where}: ${execution.message}`, ...common };
  if (execution.state === 'BLOCKED' && execution.error?.code === 'CIRCUIT_OPEN') return { event: 'breaker.opened', title: 'Circuit breaker open', text: `${where}: ${execution.message}`, ...common };
  return null;
}

/**
 * The workers on a runtime's fleet and queues (`healer-server worker`, or
 * with the API in `start`), with the webhook delivery worker; a finished heal
 * worth telling about is queued for the webhooks.
 */
export function startRuntimeWorker(runtime: Runtime, config: ServerConfig, options: WorkerRunOptions = {}): RunningWorker {
  const deliveries = startWebhookWorker({
    connection: { url: config.redisUrl, maxRetriesPerRequest: null },
    ...(runtime.notifier.prefix ? { prefix: runtime.notifier.prefix } : {}),
    orm: runtime.orm,
    secrets: runtime.secrets,
    logger: runtime.logger,
  });
  const worker = startWorker({
    orm: runtime.orm,
    redisUrl: config.redisUrl,
    fleet: runtime.fleet,
    queues: runtime.queues,
    logger: runtime.logger,
    registry: runtime.metrics,
    onOutcome: async (outcome) => {
      const notification = notificationFor(outcome.execution, outcome.application);
      if (notification) await runtime.notifier.notify(notification).catch((err: unknown) => runtime.logger.warn({ code: (err as { code?: string }).code }, 'could not queue a webhook notification'));
      await options.onOutcome?.(outcome);
    },
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.sweepEveryMs ? { sweepEveryMs: options.sweepEveryMs } : {}),
    ...(options.requeueAfterMs ? { requeueAfterMs: options.requeueAfterMs } : {}),
  });
  return {
    sweep: () => worker.sweep(),
    async close() {
      await worker.close();
      await deliveries.close();
    },
  };
}
