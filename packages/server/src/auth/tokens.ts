/**
 * API tokens: 32 random bytes, prefixed `hlr_` so they are easy to spot in a
 * leak scanner. Only the sha256 is stored.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiTokenEntity, type ApiToken, type Role } from '../db/entities.js';

export const TOKEN_PREFIX = 'hlr_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Creates a token in the unit of work (the caller flushes, with its audit
 * event); the returned `token` is the only copy of it there will ever be.
 */
export function createApiToken(em: EntityManager, input: { name: string; role: Role }): { token: string; record: ApiToken } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const record = em.create(ApiTokenEntity, { id: randomUUID(), name: input.name, role: input.role, hash: hashToken(token) });
  return { token, record };
}

/** The live (not revoked) token with this value, or null. */
export async function findLiveToken(em: EntityManager, token: string): Promise<ApiToken | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  return em.findOne(ApiTokenEntity, { hash: hashToken(token), revokedAt: null });
}
