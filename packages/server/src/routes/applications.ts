/** `/applications`: what discovery found, with filters, sorting and pages; mode, enabled and settings can be changed. */
import type { FilterQuery, QueryOrderMap } from '@mikro-orm/core';
import type { z } from 'zod';
import { ApplicationEntity, type Application } from '../db/entities.js';
import type { JobQueues } from '../jobs/queues.js';
import { ApiError } from '../errors.js';
import { recordAudit } from '../http/audit.js';
import { defineRoute, requirePermission } from '../http/route.js';
import { AppListQuerySchema, AppPatchSchema, ApplicationSchema, IdParamsSchema, PRIVILEGED_SETTINGS, ApplicationPageSchema, pageBody, pageWindow } from '../api/schemas.js';

export function toApplicationView(a: Application): z.input<typeof ApplicationSchema> {
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
        const where: FilterQuery<Application> = {};
        if (query.server) where.server = query.server;
        if (query.stack) where.stack = query.stack;
        if (query.healthStatus) where.healthStatus = query.healthStatus;
        if (query.mode) where.mode = query.mode;
        if (query.enabled !== undefined) where.enabled = query.enabled;
        const field = query.sort.replace(/^-/, '') as 'path' | 'healthScore' | 'lastCheckAt' | 'createdAt';
        const direction = query.sort.startsWith('-') ? 'desc nulls last' : 'asc nulls last';
        // The id breaks ties so that pages never overlap.
        const orderBy = [{ [field]: direction }, { id: 'asc' }] as QueryOrderMap<Application>[];
        const found = await req.em.findAndCount(ApplicationEntity, where, { orderBy, ...pageWindow(query) });
        return { body: pageBody(query, found, toApplicationView) };
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
