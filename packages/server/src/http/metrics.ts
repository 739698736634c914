/** Prometheus metrics: the process defaults plus one request-duration histogram, on a registry of our own. */
import type { RequestHandler } from 'express';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Orm } from '../db/orm.js';
import type { JobQueues } from '../jobs/queues.js';

export interface Metrics {
  registry: Registry;
  middleware: RequestHandler;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'healer_http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const middleware: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      // The matched route pattern, never the raw URL: ids would explode the label set.
      const route = typeof res.locals.route === 'string' ? res.locals.route : req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
  return { registry, middleware };
}

/**
 * Fleet figures read at scrape time from PostgreSQL and Redis, so that every
 * API process reports the same numbers whichever worker did the work:
 * executions by kind and state (heal outcomes), breakers by state, queue depth.
 */
export function registerFleetMetrics(registry: Registry, deps: { orm: Orm; queues: JobQueues }): void {
  new Gauge({
    name: 'healer_executions',
    help: 'Executions recorded, by kind and state',
    labelNames: ['kind', 'state'] as const,
    registers: [registry],
    async collect() {
      // A database that does not answer leaves these out of the scrape rather than failing it.
      const rows = (await deps.orm.em.getKnex()('executions').select('kind', 'state').count({ n: '*' }).groupBy('kind', 'state').catch(() => [])) as Array<{ kind: string; state: string; n: string }>;
      this.reset();
      for (const r of rows) this.set({ kind: r.kind, state: r.state }, Number(r.n));
    },
  });
  new Gauge({
    name: 'healer_breakers',
    help: 'Circuit breakers, by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const rows = (await deps.orm.em.getKnex().raw(`select record->>'state' as state, count(*) as n from breakers group by 1`).catch(() => ({ rows: [] }))) as { rows: Array<{ state: string | null; n: string }> };
      this.reset();
      for (const r of rows.rows) this.set({ state: r.state ?? 'unknown' }, Number(r.n));
    },
  });
  new Gauge({
    name: 'healer_queue_depth',
    help: 'Jobs waiting, delayed or running, by queue',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      const depth = await deps.queues.depth().catch(() => null);
      this.reset();
      if (!depth) return;
      for (const [queue, n] of Object.entries(depth)) this.set({ queue }, n);
    },
  });
}
