/**
 * The Express application: request ids, logs, security headers, metrics,
 * health, then the authenticated API under `/api/v1`, then the one error
 * handler. Built from its dependencies; `runtime.ts` composes them.
 */
import type { BreakerPolicy } from '@healer/core';
import express, { Router, type Express } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { buildOpenApiDocument } from './api/openapi.js';
import type { Orm } from './db/orm.js';
import { authenticate } from './http/authenticate.js';
import { errorHandler, notFoundHandler } from './http/error-handler.js';
import { healthRouter } from './http/health.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import type { RateLimiter } from './http/rate-limit.js';
import { requestIdFor } from './http/request-id.js';
import { mountRoutes, type RouteDef } from './http/route.js';
import './http/types.js';
import { applicationRoutes } from './routes/applications.js';
import { auditRoutes } from './routes/audit.js';
import { backupRoutes } from './routes/backups.js';
import { breakerRoutes } from './routes/breakers.js';
import { pluginRoutes, validateWithConfigSchema, type PluginConfigValidator, type ServerPlugin } from './routes/plugins.js';
import { serverRoutes } from './routes/servers.js';
import { tokenRoutes } from './routes/tokens.js';
import { operationRoutes } from './routes/operations.js';
import type { Fleet } from './fleet/fleet.js';
import type { EventHub } from './http/event-hub.js';
import type { JobQueues } from './jobs/queues.js';
import { webhookRoutes } from './routes/webhooks.js';
import type { Notifier } from './notify/webhooks.js';
import type { SecretBox } from './secrets.js';
import { SERVER_VERSION } from './version.js';

export interface AppDeps {
  orm: Orm;
  redis: Redis;
  secrets: SecretBox;
  logger: Logger;
  rateLimiter: RateLimiter;
  plugins: readonly ServerPlugin[];
  /** Queues webhook deliveries (`POST /webhooks/:id/test`). */
  notifier: Notifier;
  /** Validates plugin configuration before it is stored. Default: the plugin's `configSchema`. */
  validatePluginConfig?: PluginConfigValidator;
  /** The breaker limits the workers heal with; the breaker routes judge records by them. Default: core's. */
  breakerPolicy?: BreakerPolicy;
  /** Largest JSON body accepted. Default `256kb`. */
  bodyLimit?: string;
  fleet: Fleet;
  queues: JobQueues;
  events: EventHub;
  eventPollMs?: number;
  /** Where metrics are kept (the worker of the same process adds its own). Default: a new registry. */
  metrics?: Metrics;
}

/** Every API route, in the order they are mounted and documented. */
export function apiRoutes(deps: Pick<AppDeps, 'secrets' | 'plugins' | 'validatePluginConfig' | 'breakerPolicy'> & Partial<Pick<AppDeps, 'orm' | 'fleet' | 'queues' | 'events' | 'eventPollMs' | 'notifier'>>): RouteDef<never>[] {
  const { orm, fleet, queues, events, eventPollMs } = deps;
  const operations = operationRoutes({ orm, fleet, queues, events, ...(eventPollMs ? { pollMs: eventPollMs } : {}) });
  return [
    ...serverRoutes({ secrets: deps.secrets }),
    ...applicationRoutes(queues ? { queues } : {}),
    ...operations,
    ...breakerRoutes(deps.breakerPolicy === undefined ? {} : { breakerPolicy: deps.breakerPolicy }),
    ...backupRoutes(),
    ...pluginRoutes({ plugins: deps.plugins, validateConfig: deps.validatePluginConfig ?? validateWithConfigSchema }),
    ...tokenRoutes(),
    ...auditRoutes(),
    ...webhookRoutes({ secrets: deps.secrets, notifier: deps.notifier }),
  ] as RouteDef<never>[];
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: requestIdFor,
      // Method, path and status only: no headers, no bodies.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    }),
  );
  app.use((req, _res, next) => {
    req.requestId = String(req.id);
    next();
  });
  app.use(helmet());
  const metrics = deps.metrics ?? createMetrics();
  app.use(metrics.middleware);
  app.use(express.json({ limit: deps.bodyLimit ?? '256kb' }));

  const routes = apiRoutes(deps);
  app.use(healthRouter({ orm: deps.orm, redis: deps.redis, metrics: metrics.registry, openapi: () => buildOpenApiDocument(routes, SERVER_VERSION) }));

  const api = Router();
  api.use((req, _res, next) => {
    req.em = deps.orm.em.fork();
    next();
  });
  api.use(authenticate(deps.rateLimiter));
  mountRoutes(api, routes);
  app.use('/api/v1', api);

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
