/** `/applications`: what discovery found, with filters, sorting and pages; mode, enabled and settings can be changed. */
import type { Knex } from '@mikro-orm/postgresql';
import type { z } from 'zod';
import { ApplicationEntity, type Application } from '../db/entities.js';
import type { JobQueues } from '../jobs/queues.js';
import { ApiError } from '../errors.js';
import { recordAudit } from '../http/audit.js';
import { defineRoute, requirePermission } from '../http/route.js';
import { AppListQuerySchema, AppPatchSchema, ApplicationSchema, IdParamsSchema, PRIVILEGED_SETTINGS, ApplicationPageSchema, pageBody, pageWindow } from '../api/schemas.js';

/** The sort fields' columns (the id breaks ties, so pages never overlap). */
const SORT_COLUMNS = { path: 'path', healthScore: 'health_score', lastCheckAt: 'last_check_at', createdAt: 'created_at' } as const;

/** A row of `applications` as the driver returns it (timestamps as text, as MikroORM sets the driver up). */
interface ApplicationRow {
  id: string;
  server_id: string;
  path: string;
  stack: string;
  version: string | null;
  confidence: number | string | null;
  health_status: Application['healthStatus'];
  health_score: number | null;
  last_check_at: Date | string | null;
  mode: Application['mode'];
  enabled: boolean;
  settings: Record<string, unknown>;
  created_at: Date | string;
  updated_at: Date | string;
}

function rowView(r: ApplicationRow): z.input<typeof ApplicationSchema> {
  return toApplicationView({
    id: r.id,
    server: { id: r.server_id },
    path: r.path,
    stack: r.stack,
    version: r.version,
    confidence: r.confidence,
    healthStatus: r.health_status,
    healthScore: r.health_score,
    lastCheckAt: r.last_check_at === null ? null : new Date(r.last_check_at),
    mode: r.mode,
    enabled: r.enabled,
    settings: r.settings,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  });
}

type ApplicationFields = Pick<Application, 'id' | 'path' | 'stack' | 'healthStatus' | 'mode' | 'enabled' | 'settings' | 'createdAt' | 'updatedAt'> & {
  server: { id: string };
  version?: string | null | undefined;
  confidence?: number | string | null | undefined;
  healthScore?: number | null | undefined;
  lastCheckAt?: Date | null | undefined;
};

export function toApplicationView(a: ApplicationFields): z.input<typeof ApplicationSchema> {
  return {
    id: a.id,
    serverId: a.server.id,
    path: a.path,
    stack: a.stack,
    version: a.version ?? null,
    confidence: a.confidence === null || a.confidence === undefined ? null : Number(a.confidence),
    healthStatus: a.healthStatus,
    healthScore: a.healthScore ?? null,
    lastCheckAt: a.lastCheckAt?.toISOString() ?? null,
    mode: a.mode,
    enabled: a.enabled,
    settings: a.settings,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

/** `queues`, when the server runs jobs: a change of `enabled` or `checkIntervalSeconds` reschedules the app's checks. */
export function applicationRoutes(deps: { queues?: JobQueues } = {}) {
  const tag = 'applications';
  return [
    defineRoute({
      method: 'get',
      path: '/applications',
      tag,
      summary: 'List applications, filtered and sorted, one page at a time',
      permission: 'healer.read',
      request: { query: AppListQuerySchema },
      responses: { 200: { description: 'A page of applications', schema: ApplicationPageSchema } },
      async handle({ req, query }) {
        // One query, no entities: the rows and the total (a window count), read as the API shows them.
        const knex = req.em.getKnex();
        const filter = (q: Knex.QueryBuilder): Knex.QueryBuilder => {
          if (query.server) q.where('server_id', query.server);
          if (query.stack) q.where('stack', query.stack);
          if (query.healthStatus) q.where('health_status', query.healthStatus);
          if (query.mode) q.where('mode', query.mode);
          if (query.enabled !== undefined) q.where('enabled', query.enabled);
          return q;
        };
        const column = SORT_COLUMNS[query.sort.replace(/^-/, '') as keyof typeof SORT_COLUMNS];
        const direction = query.sort.startsWith('-') ? 'desc' : 'asc';
        const { limit, offset } = pageWindow(query);
        const rows = (await filter(knex('applications').select('*', knex.raw('count(*) over () as total_count')))
          .orderByRaw(`"${column}" ${direction} nulls last, "id" asc`)
          .limit(limit)
          .offset(offset)) as Array<ApplicationRow & { total_count: string }>;
        // A page past the end has no row to carry the total.
        const total = rows[0] ? Number(rows[0].total_count) : Number(((await filter(knex('applications').count({ n: '*' }))) as Array<{ n: string }>)[0]!.n);
        return { body: pageBody(query, [rows, total], rowView) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/applications/:id',
      tag,
      summary: 'Get an application',
      permission: 'healer.read',
      request: { params: IdParamsSchema },
      responses: { 200: { description: 'The application', schema: ApplicationSchema } },
      async handle({ req, params }) {
        const app = await req.em.findOne(ApplicationEntity, { id: params.id });
        if (!app) throw new ApiError('NOT_FOUND', `No application ${params.id}`);
        return { body: toApplicationView(app) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/applications/:id',
      tag,
      summary: 'Change mode, enabled or settings (settings `url` and `commands` need healer.configure)',
      permission: 'healer.heal',
      request: { params: IdParamsSchema, body: AppPatchSchema },
      responses: { 200: { description: 'The application', schema: ApplicationSchema } },
      async handle({ req, params, body, actor }) {
        const privileged = PRIVILEGED_SETTINGS.filter((key) => body.settings && key in body.settings);
        if (privileged.length > 0) requirePermission(actor, 'healer.configure');
        const app = await req.em.findOne(ApplicationEntity, { id: params.id });
        if (!app) throw new ApiError('NOT_FOUND', `No application ${params.id}`);
        if (body.mode !== undefined) app.mode = body.mode;
        if (body.enabled !== undefined) app.enabled = body.enabled;
        if (body.settings) {
          const settings = { ...app.settings };
          for (const [key, value] of Object.entries(body.settings)) {
            if (value === null) delete settings[key];
            else if (value !== undefined) settings[key] = value;
          }
          app.settings = settings;
        }
        recordAudit(req, 'application.update', `application:${app.id}`, {
          mode: body.mode,
          enabled: body.enabled,
          settingsKeys: body.settings ? Object.keys(body.settings) : undefined,
        });
        await req.em.flush();
        if (deps.queues && (body.enabled !== undefined || (body.settings && 'checkIntervalSeconds' in body.settings))) await deps.queues.syncChecks(app);
        return { body: toApplicationView(app) };
      },
    }),
  ];
}
