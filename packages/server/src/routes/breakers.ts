/**
 * Circuit breakers: `/breakers` lists every record, `/applications/:id/breaker`
 * shows one application's, and a reset (healer.approve: a person decides the
 * app may be healed again) clears them. Everything goes through core's
 * `CircuitBreaker` on the PostgreSQL store, so the records are read and
 * written by the same rules the workers apply.
 */
import { CircuitBreaker, actionBreakerKey, appBreakerKey, type BreakerPolicy, type BreakerRecord } from '@healer/core';
import type { Knex } from '@mikro-orm/postgresql';
import type { Request } from 'express';
import type { z } from 'zod';
import {
  ApplicationBreakerSchema,
  BreakerListQuerySchema,
  BreakerPageSchema,
  BreakerResetSchema,
  BreakerSchema,
  IdParamsSchema,
  pageBody,
} from '../api/schemas.js';
import { ApiError } from '../errors.js';
import { addAuditEvent, auditActorOf } from '../http/audit.js';
import { defineRoute } from '../http/route.js';
import { applicationsByCoreId, findApplicationWithCoreId } from '../state/core-ids.js';
import { PostgresStateStore } from '../state/postgres-store.js';

type BreakerView = z.input<typeof BreakerSchema>;

export interface BreakerRouteDeps {
  /** The limits the workers heal with (core's defaults when absent): they decide what "as of now" shows. */
  breakerPolicy?: BreakerPolicy;
}

/** What a breaker key names; null for a key of another shape. */
export function parseBreakerKey(key: string): { kind: 'app' | 'action'; appId: string; actionId: string | null } | null {
  if (key.startsWith('app:')) return { kind: 'app', appId: key.slice(4), actionId: null };
  if (key.startsWith('action:')) {
    const rest = key.slice(7);
    // Core's app ids are hex: the first colon ends the app id, the action id may hold anything after it.
    const colon = rest.indexOf(':');
    if (colon > 0) return { kind: 'action', appId: rest.slice(0, colon), actionId: rest.slice(colon + 1) };
  }
  return null;
}

/**
 * One record as the API shows it. `now` is the record as of now (core's
 * tick); `stored` the row as written, which still says `open` while the
 * cooldown runs out, so its `updatedAt` is when the failure that opened it
 * was recorded.
 */
function toBreakerView(now: BreakerRecord, stored: BreakerRecord | undefined, applicationId: string | null): BreakerView | null {
  const key = parseBreakerKey(now.key);
  if (key === null) return null;
  return {
    key: now.key,
    kind: key.kind,
    appId: key.appId,
    applicationId,
    actionId: key.actionId,
    state: now.state,
    failures: now.consecutiveFailures,
    attempts: now.attempts.length,
    openedAt: stored?.state === 'open' && stored.updatedAt !== '' ? stored.updatedAt : null,
    until: now.state === 'closed' ? null : now.openUntil,
    demotedTo: now.demotedTo,
    updatedAt: now.updatedAt === '' ? null : now.updatedAt,
  };
}

/** Core's breaker rules on the PostgreSQL store, through `db`: the request's pool, or a transaction. */
function contextOf(db: Knex, policy: BreakerPolicy | undefined): { store: PostgresStateStore; breaker: CircuitBreaker } {
  const store = new PostgresStateStore({ knex: db });
  return { store, breaker: new CircuitBreaker(store, policy) };
}

/** Records as views, in the order given: `now` as core shows them, `stored` as written, each app id mapped to its application. */
function toViews(now: readonly (BreakerRecord | null)[], stored: readonly (BreakerRecord | null)[], applicationOf: (appId: string) => string | null): BreakerView[] {
  const storedByKey = new Map(stored.flatMap((r) => (r === null ? [] : [[r.key, r] as const])));
  return now.flatMap((r) => {
    const view = r === null ? null : toBreakerView(r, storedByKey.get(r.key), applicationOf(parseBreakerKey(r.key)?.appId ?? ''));
    return view === null ? [] : [view];
  });
}

const byKey = (a: BreakerView, b: BreakerView): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Every record, as views sorted by key, with the application each belongs to. */
async function allViews(req: Request, policy: BreakerPolicy | undefined): Promise<BreakerView[]> {
  const { store, breaker } = contextOf(req.em.getKnex(), policy);
  const [now, stored] = await Promise.all([breaker.listBreakers(), store.listBreakers()]);
  const applications = await applicationsByCoreId(req.em, now.map((r) => parseBreakerKey(r.key)?.appId ?? ''));
  return toViews(now, stored, (appId) => applications.get(appId) ?? null);
}

/** `/applications/:id/breaker`'s body for an application and its core id. */
async function applicationBreaker(db: Knex, policy: BreakerPolicy | undefined, applicationId: string, appId: string): Promise<z.input<typeof ApplicationBreakerSchema>> {
  const { store, breaker } = contextOf(db, policy);
  const [status, own, actions] = await Promise.all([breaker.status(appId), store.getBreaker(appBreakerKey(appId)), store.listBreakers({ prefix: actionBreakerKey(appId, '') })]);
  const views = toViews([status.app, ...status.actions], [own, ...actions], () => applicationId);
  return {
    applicationId,
    appId,
    allowed: status.decision.allowed,
    state: status.decision.state,
    reason: status.decision.reason,
    nextAttemptAt: status.decision.nextAttemptAt,
    blockedBy: status.decision.blockedBy,
    app: views.find((v) => v.kind === 'app') ?? null,
    actions: views.filter((v) => v.kind === 'action'),
  };
}

/** An application's records in one list, sorted by key. */
function recordsOf(body: z.input<typeof ApplicationBreakerSchema>): BreakerView[] {
  return [...(body.app ? [body.app] : []), ...body.actions].sort(byKey);
}

export function breakerRoutes(deps: BreakerRouteDeps = {}) {
  const tag = 'breakers';
  const policy = deps.breakerPolicy;
  return [
    defineRoute({
      method: 'get',
      path: '/breakers',
      tag,
      summary: 'List circuit breaker records as of now, sorted by key, one page at a time',
      permission: 'healer.read',
      request: { query: BreakerListQuerySchema },
      responses: { 200: { description: 'A page of breaker records', schema: BreakerPageSchema } },
      async handle({ req, query }) {
        let views: BreakerView[];
        if (query.application === undefined) views = await allViews(req, policy);
        else {
          // An unknown application has no records: an empty page, as for any other filter.
          const found = await findApplicationWithCoreId(req.em, query.application);
          views = found === null ? [] : recordsOf(await applicationBreaker(req.em.getKnex(), policy, query.application, found.appId));
        }
        if (query.state !== undefined) views = views.filter((v) => v.state === query.state);
        if (query.kind !== undefined) views = views.filter((v) => v.kind === query.kind);
        // The state is judged as of now, so the page is cut after filtering (records are few: one per app and action).
        const offset = (query.page - 1) * query.pageSize;
        return { body: pageBody(query, [views.slice(offset, offset + query.pageSize), views.length], (v) => v) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/applications/:id/breaker',
      tag,
      summary: "An application's circuit breakers (its own and its actions') and whether a heal may start now",
      permission: 'healer.read',
      request: { params: IdParamsSchema },
      responses: { 200: { description: "The application's breakers", schema: ApplicationBreakerSchema } },
      async handle({ req, params }) {
        const found = await findApplicationWithCoreId(req.em, params.id);
        if (!found) throw new ApiError('NOT_FOUND', `No application ${params.id}`);
        return { body: await applicationBreaker(req.em.getKnex(), policy, params.id, found.appId) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/applications/:id/breaker/reset',
      tag,
      summary: "Reset an application's circuit breakers: closed circuits, no attempts counted, no demotion",
      permission: 'healer.approve',
      request: { params: IdParamsSchema, body: BreakerResetSchema },
      responses: { 200: { description: "The application's breakers after the reset", schema: ApplicationBreakerSchema } },
      async handle({ req, params, body }) {
        const found = await findApplicationWithCoreId(req.em, params.id);
        if (!found) throw new ApiError('NOT_FOUND', `No application ${params.id}`);
        // One transaction: the records cleared and the audit event are committed together or not at all
        // (core's per-record updates become savepoints, their row locks held until the commit).
        await req.em.transactional(async (em) => {
          const trx = em.getTransactionContext<Knex.Transaction>()!;
          const before = recordsOf(await applicationBreaker(trx, policy, params.id, found.appId));
          await contextOf(trx, policy).breaker.reset(found.appId);
          addAuditEvent(em, auditActorOf(req), 'breaker.reset', `application:${params.id}`, {
            appId: found.appId,
            reason: body.reason,
            cleared: before.map((v) => ({ key: v.key, state: v.state, failures: v.failures, demotedTo: v.demotedTo })),
          });
        });
        return { body: await applicationBreaker(req.em.getKnex(), policy, params.id, found.appId) };
      },
    }),
  ];
}
