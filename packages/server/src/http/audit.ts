import type { EntityManager } from '@mikro-orm/postgresql';
import type { Request } from 'express';
import { AuditEventEntity } from '../db/entities.js';

export interface AuditActor {
  actorTokenId: string | null;
  actorName: string;
  requestId: string | null;
}

/**
 * Adds an audit event to a unit of work: it is written by the same flush
 * (one transaction) as the change it describes. `details` must never hold a
 * secret.
 */
export function addAuditEvent(em: EntityManager, actor: AuditActor, action: string, target: string | null, details: Record<string, unknown> = {}): void {
  em.create(AuditEventEntity, { ...actor, action, target, details });
}

/** Who an API request acts for: its token and request id. */
export function auditActorOf(req: Request): AuditActor {
  return { actorTokenId: req.actor?.tokenId ?? null, actorName: req.actor?.name ?? 'anonymous', requestId: req.requestId };
}

/** {@link addAuditEvent} for an API request: its token and request id. */
export function recordAudit(req: Request, action: string, target: string | null, details: Record<string, unknown> = {}): void {
  addAuditEvent(req.em, auditActorOf(req), action, target, details);
}
