/**
 * The routes that act on hosts: discover, diagnose (queued), plan (now),
 * heal (queued, 202 with the execution id), rollback (now), executions and
 * their live events (SSE, resumable with Last-Event-ID).
 */
import { isHealerError, TERMINAL_STATES, type Execution, type TimelineEvent } from '@healer/core';
import type { z } from 'zod';
import { ApplicationEntity, CheckResultEntity, DiagnosticRunEntity, ServerEntity, type Application, type DiagnosticRun } from '../db/entities.js';
import { ApiError } from '../errors.js';
import { recordAudit } from '../http/audit.js';
import type { EventHub } from '../http/event-hub.js';
import { defineRoute, requirePermission } from '../http/route.js';
import { findApplicationWithCoreId } from '../state/core-ids.js';
import { targetOf, type Fleet } from '../fleet/fleet.js';
import { queueHeal } from '../jobs/heal-requests.js';
import type { JobQueues } from '../jobs/queues.js';
import type { Orm } from '../db/orm.js';
import { IdParamsSchema, pageBody, pageWindow } from '../api/schemas.js';
import {
  DiagnoseAcceptedSchema,
  DiagnosticRunDetailSchema,
  DiagnosticRunPageSchema,
  DiagnosticRunSchema,
  DiscoverBodySchema,
  EventsQuerySchema,
  ExecutionIdParamsSchema,
  ExecutionListQuerySchema,
  ExecutionPageSchema,
  ExecutionSchema,
  HealAcceptedSchema,
  HealBodySchema,
  JobAcceptedSchema,
  PageQuerySchema,
  RollbackBodySchema,
} from '../api/operation-schemas.js';

export interface OperationDeps {
  orm: Orm;
  fleet: Fleet;
  queues: JobQueues;
  events: EventHub;
  /** How often an event stream re-reads PostgreSQL besides the live events (a missed publish). Default 5 000 ms. */
  pollMs?: number;
  /** Comment lines that keep idle streams open through proxies. Default 15 000 ms. */
  heartbeatMs?: number;
}

const UNREACHABLE = new Set(['CONNECTION_FAILED', 'AUTH_FAILED', 'HOST_KEY_UNKNOWN', 'HOST_KEY_CHANGED', 'HOST_KEY_REJECTED', 'HOST_UNKNOWN']);

/** Core's refusals, as API errors: nothing changed on the host. */
function fromHealerError(err: unknown): never {
  if (!isHealerError(err)) throw err;
  if (err.code === 'EXECUTION_NOT_FOUND') throw new ApiError('NOT_FOUND', err.message);
  if (err.code === 'APPROVAL_STALE' || err.code === 'ROLLBACK_DRIFT') throw new ApiError('PLAN_DRIFT', err.message);
  if (UNREACHABLE.has(err.code)) throw new ApiError('HOST_UNREACHABLE', err.message, { details: { healerCode: err.code } });
  throw new ApiError('CONFLICT', err.message, { details: { healerCode: err.code } });
}

function toRunView(run: DiagnosticRun, applicationId: string): z.input<typeof DiagnosticRunSchema> {
  return {
    id: run.id,
    applicationId,
    status: run.status,
    score: run.score ?? null,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    summary: run.summary ?? null,
  };
}

/** The app with its server, or 404. */
async function loadApp(deps: OperationDeps, id: string): Promise<Application> {
  const app = await deps.fleet.application(id);
  if (!app) throw new ApiError('NOT_FOUND', `No application ${id}`);
  return app;
}

function writeEvent(res: { write(chunk: string): unknown }, event: TimelineEvent): void {
  res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

/**
 * The routes; `deps` may be partial where only the route list is needed
 * (the OpenAPI document, tests): a handler then answers 503.
 */
export function operationRoutes(partial: Partial<OperationDeps>) {
  const need = (): OperationDeps => {
    if (!partial.orm || !partial.fleet || !partial.queues || !partial.events) throw new ApiError('UNAVAILABLE', 'This server runs no workers');
    return partial as OperationDeps;
  };
  return [
    defineRoute({
      method: 'post',
      path: '/servers/:id/discover',
      tag: 'servers',
      summary: 'Find the apps on a server (queued); found apps appear under /applications',
      permission: 'healer.discover',
      request: { params: IdParamsSchema, body: DiscoverBodySchema },
      responses: { 202: { description: 'Queued', schema: JobAcceptedSchema } },
      async handle({ req, params, body }) {
        const server = await req.em.findOne(ServerEntity, { id: params.id });
        if (!server) throw new ApiError('NOT_FOUND', `No server ${params.id}`);
        const jobId = await need().queues.discover({ serverId: server.id, ...(body.roots ? { roots: body.roots } : {}), ...(body.maxDepth ? { maxDepth: body.maxDepth } : {}) });
        recordAudit(req, 'server.discover', `server:${server.id}`, { jobId, ...(body.roots ? { roots: body.roots } : {}) });
        await req.em.flush();
        return { status: 202, body: { jobId } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/applications/:id/diagnose',
      tag: 'applications',
      summary: 'Diagnose an application (queued); the run appears under its diagnostics',
      permission: 'healer.diagnose',
      request: { params: IdParamsSchema },
      responses: { 202: { description: 'Queued', schema: DiagnoseAcceptedSchema } },
      async handle({ req, params }) {
        const app = await req.em.findOne(ApplicationEntity, { id: params.id });
        if (!app) throw new ApiError('NOT_FOUND', `No application ${params.id}`);
        const run = req.em.create(DiagnosticRunEntity, { application: app, status: 'queued' });
        recordAudit(req, 'application.diagnose', `application:${app.id}`, { runId: run.id });
        await req.em.flush();
        await need().queues.diagnose({ runId: run.id, applicationId: app.id });
        return { status: 202, body: { runId: run.id } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/applications/:id/diagnostics',
      tag: 'applications',
      summary: "An application's diagnostic runs, newest first",
      permission: 'healer.read',
      request: { params: IdParamsSchema, query: PageQuerySchema },
      responses: { 200: { description: 'A page of runs', schema: DiagnosticRunPageSchema } },
      async handle({ req, params, query }) {
        const app = await req.em.findOne(ApplicationEntity, { id: params.id });
        if (!app) throw new ApiError('NOT_FOUND', `No application ${params.id}`);
        const found = await req.em.findAndCount(DiagnosticRunEntity, { application: app.id }, { orderBy: [{ startedAt: 'desc' }, { id: 'asc' }], ...pageWindow(query) });
        return { body: pageBody(query, found, (r) => toRunView(r, app.id)) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/diagnostics/:id',
      tag: 'applications',
      summary: 'A diagnostic run with its check results',
      permission: 'healer.read',
      request: { params: IdParamsSchema },
      responses: { 200: { description: 'The run', schema: DiagnosticRunDetailSchema } },
      async handle({ req, params }) {
        const run = await req.em.findOne(DiagnosticRunEntity, { id: params.id });
        if (!run) throw new ApiError('NOT_FOUND', `No diagnostic run ${params.id}`);
        const results = await req.em.find(CheckResultEntity, { run: run.id }, { orderBy: { checkId: 'asc' } });
        return {
          body: {
            ...toRunView(run, run.application.id),
            results: results.map((r) => ({
              checkId: r.checkId,
              status: r.status,
              severity: r.severity ?? null,
              category: r.category ?? null,
              message: r.message,
              details: r.details ?? null,
              durationMs: r.durationMs ?? null,
            })),
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/applications/:id/plan',
      tag: 'applications',
      summary: 'What a heal would do now: the plan and its hash (approve with that hash)',
      permission: 'healer.diagnose',
      request: { params: IdParamsSchema },
      responses: { 200: { description: 'The plan' } },
      async handle({ params }) {
        const deps = need();
        const app = await loadApp(deps, params.id);
        const healer = await deps.fleet.healer();
        try {
          return { body: await healer.plan(targetOf(app)).catch(fromHealerError) };
        } finally {
          await healer.close();
        }
      },
    }),
    defineRoute({
      method: 'post',
      path: '/applications/:id/heal',
      tag: 'applications',
      summary: 'Heal an application (queued): 202 with the execution id; approving actions needs healer.approve and the plan hash',
      permission: 'healer.heal',
      request: { params: IdParamsSchema, body: HealBodySchema },
      responses: { 202: { description: 'Queued', schema: HealAcceptedSchema } },
      async handle({ req, params, body, actor }) {
        if (body.approve) requirePermission(actor, 'healer.approve');
        const deps = need();
        const app = await loadApp(deps, params.id);
        if (!app.enabled) throw new ApiError('CONFLICT', `Application ${app.id} is disabled`);
        if (body.approve) {
          const healer = await deps.fleet.healer();
          const plan = await healer
            .plan(targetOf(app), body.mode ? { mode: body.mode } : {})
            .catch(fromHealerError)
            .finally(() => healer.close());
          if (plan.planHash !== body.approve.planHash) {
            throw new ApiError('PLAN_DRIFT', 'The plan changed since it was approved: read the plan again and approve its hash', { details: { planHash: plan.planHash } });
          }
        }
        const queued = await queueHeal({ orm: deps.orm, fleet: deps.fleet, queues: deps.queues, application: app, request: body, actor: actor.name });
        if (queued.existing) {
          throw new ApiError('HEAL_IN_PROGRESS', 'A heal of this application is queued or running', { details: { executionId: queued.executionId } });
        }
        recordAudit(req, 'application.heal', `application:${app.id}`, {
          executionId: queued.executionId,
          ...(body.mode ? { mode: body.mode } : {}),
          ...(body.approve ? { approved: body.approve.all ? 'all' : body.approve.actions, planHash: body.approve.planHash } : {}),
        });
        await req.em.flush();
        const base = `/api/v1/executions/${queued.executionId}`;
        return { status: 202, body: { executionId: queued.executionId, state: 'QUEUED' as const, links: { execution: base, events: `${base}/events` } } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/executions',
      tag: 'executions',
      summary: 'Executions, newest first, without their timelines',
      permission: 'healer.read',
      request: { query: ExecutionListQuerySchema },
      responses: { 200: { description: 'A page of executions', schema: ExecutionPageSchema } },
      async handle({ req, query }) {
        let appId: string | undefined;
        if (query.application) {
          const found = await findApplicationWithCoreId(req.em, query.application);
          if (!found) throw new ApiError('NOT_FOUND', `No application ${query.application}`);
          appId = found.appId;
        }
        const page = await need().fleet.store
          .listExecutions({
            limit: query.limit,
            ...(appId ? { appId } : {}),
            ...(query.state ? { states: [query.state] } : {}),
            ...(query.kind ? { kind: query.kind } : {}),
            ...(query.cursor ? { cursor: query.cursor } : {}),
          })
          .catch(fromHealerError);
        return { body: page };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/executions/:id',
      tag: 'executions',
      summary: 'An execution with its whole timeline',
      permission: 'healer.read',
      request: { params: ExecutionIdParamsSchema },
      responses: { 200: { description: 'The execution', schema: ExecutionSchema } },
      async handle({ params }) {
        const execution = await need().fleet.store.getExecution(params.id);
        if (!execution) throw new ApiError('NOT_FOUND', `No execution ${params.id}`);
        return { body: execution };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/executions/:id/rollback',
      tag: 'executions',
      summary: 'Undo what an execution applied (checked against its backups first); force despite drift needs healer.approve',
      permission: 'healer.rollback',
      request: { params: ExecutionIdParamsSchema, body: RollbackBodySchema },
      responses: { 200: { description: 'The rollback execution', schema: ExecutionSchema } },
      async handle({ req, params, body, actor }) {
        if (body.force) requirePermission(actor, 'healer.approve');
        const deps = need();
        const original = await deps.fleet.store.getExecution(params.id);
        if (!original) throw new ApiError('NOT_FOUND', `No execution ${params.id}`);
        const healer = await deps.fleet.healer();
        let rollback: Execution;
        try {
          rollback = await healer.rollback(params.id, body.force ? { force: true } : {}).catch(fromHealerError);
        } finally {
          await healer.close();
        }
        recordAudit(req, 'execution.rollback', `execution:${params.id}`, { rollbackId: rollback.executionId, state: rollback.state, ...(body.force ? { force: true } : {}) });
        await req.em.flush();
        return { body: rollback };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/executions/:id/events',
      tag: 'executions',
      summary: "An execution's timeline as server-sent events (`id` is the event's seq; resume with Last-Event-ID); ends with the execution",
      permission: 'healer.read',
      request: { params: ExecutionIdParamsSchema, query: EventsQuerySchema },
      responses: { 200: { description: 'text/event-stream' } },
      async handle({ req, res, params, query }) {
        const deps = need();
        const { fleet } = deps;
        const first = await fleet.store.getExecution(params.id);
        if (!first) throw new ApiError('NOT_FOUND', `No execution ${params.id}`);
        const header = req.get('last-event-id');
        const fromHeader = header !== undefined && /^\d{1,9}$/.test(header.trim()) ? Number(header.trim()) : undefined;
        let last = fromHeader ?? query.lastEventId ?? 0;

        res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
        res.flushHeaders();
        let done = false;
        const timers: NodeJS.Timeout[] = [];
        let unsubscribe: (() => void) | undefined;
        const finish = (): void => {
          if (done) return;
          done = true;
          for (const t of timers) clearInterval(t);
          unsubscribe?.();
          res.end();
        };
        const send = (event: TimelineEvent): void => {
          if (done || event.seq <= last) return;
          writeEvent(res, event);
          last = event.seq;
          if (event.type === 'execution.finished') finish();
        };
        // One step at a time, in order: replay, live events, re-reads.
        let chain = Promise.resolve();
        const enqueue = (step: () => Promise<void> | void): void => {
          chain = chain.then(step).catch((err: unknown) => {
            req.log?.warn({ code: (err as { code?: string }).code }, 'event stream failed');
            finish();
          });
        };
        // What came after the last event sent: only those rows (the whole timeline from a store without eventsAfter).
        const catchUp = async (): Promise<void> => {
          if (done) return;
          const read = fleet.store.eventsAfter
            ? await fleet.store.eventsAfter(params.id, last)
            : await fleet.store.getExecution(params.id).then((e) => e && { state: e.state, events: e.timeline });
          if (!read) return finish();
          for (const event of read.events) send(event);
          if (TERMINAL_STATES.includes(read.state)) finish();
        };
        req.on('close', finish);
        try {
          unsubscribe = await deps.events.subscribe(params.id, (event) =>
            enqueue(async () => {
              if (done || event.seq <= last) return;
              // A gap (a publish missed): read the missing ones from PostgreSQL.
              if (event.seq === last + 1) send(event);
              else await catchUp();
            }),
          );
          if (done) unsubscribe();
        } catch {
          // Redis is away: the stream still ends and misses nothing, from PostgreSQL alone.
        }
        enqueue(catchUp);
        timers.push(setInterval(() => enqueue(catchUp), deps.pollMs ?? 5_000));
        timers.push(setInterval(() => res.write(': keep-alive\n\n'), deps.heartbeatMs ?? 15_000));
        return { streamed: true };
      },
    }),
  ];
}
