/** `/audit` (admin): the audit log, newest first. */
import type { z } from 'zod';
import { AuditEventEntity, type AuditEvent } from '../db/entities.js';
import { defineRoute } from '../http/route.js';
import { AuditEventSchema, AuditListQuerySchema, AuditEventPageSchema, pageBody, pageWindow } from '../api/schemas.js';

function toAuditView(e: AuditEvent): z.input<typeof AuditEventSchema> {
  return {
    id: e.id,
    actorTokenId: e.actorTokenId ?? null,
    actorName: e.actorName,
    action: e.action,
    target: e.target ?? null,
    requestId: e.requestId ?? null,
    details: e.details,
    at: e.at.toISOString(),
  };
}

export function auditRoutes() {
  return [
    defineRoute({
      method: 'get',
      path: '/audit',
      tag: 'audit',
      summary: 'List audit events, newest first',
      permission: 'healer.admin',
      request: { query: AuditListQuerySchema },
      responses: { 200: { description: 'A page of audit events', schema: AuditEventPageSchema } },
      async handle({ req, query }) {
        const where = query.action ? { action: query.action } : {};
        const found = await req.em.findAndCount(AuditEventEntity, where, { orderBy: { id: 'desc' }, ...pageWindow(query) });
        return { body: pageBody(query, found, toAuditView) };
      },
    }),
  ];
}
