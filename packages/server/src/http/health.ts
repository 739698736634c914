/** `/health` (process up), `/health/ready` (PostgreSQL and Redis answer), `/metrics`, `/openapi.json`. No auth. */
import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Orm } from '../db/orm.js';

const PROBE_TIMEOUT_MS = 2_000;

type Probe = { ok: true } | { ok: false; error: string };

async function probe(run: () => Promise<unknown>): Promise<Probe> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([run(), timeout]);
    return { ok: true };
  } catch (err) {
    // Only the error's code: messages can carry connection details.
    const code = (err as { code?: unknown } | null)?.code;
    return { ok: false, error: typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'FAILED' };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRouter(deps: { orm: Orm; redis: Redis; metrics: Registry; openapi: () => unknown }): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/health/ready', async (_req, res) => {
    const [database, redis] = await Promise.all([
      probe(() => deps.orm.em.getConnection().execute('select 1')),
      probe(() => deps.redis.ping()),
    ]);
    const ready = database.ok && redis.ok;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks: { database, redis } });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.contentType).send(await deps.metrics.metrics());
  });
  let document: unknown;
  router.get('/openapi.json', (_req, res) => {
    document ??= deps.openapi();
    res.json(document);
  });
  return router;
}
