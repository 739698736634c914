/**
 * Bearer-token authentication and the per-caller rate limit. Callers without
 * a valid token are limited by address, so guessing tokens is throttled too.
 */
import type { RequestHandler, Response } from 'express';
import { ApiTokenEntity } from '../db/entities.js';
import { findLiveToken } from '../auth/tokens.js';
import { ApiError } from '../errors.js';
import type { RateLimiter } from './rate-limit.js';

const LAST_USED_RESOLUTION_MS = 60_000;

async function limit(limiter: RateLimiter, key: string, res: Response): Promise<void> {
  const decision = await limiter.take(key);
  res.setHeader('RateLimit-Remaining', String(decision.remaining));
  if (!decision.allowed) {
    res.setHeader('Retry-After', String(Math.ceil(decision.retryAfterMs / 1000)));
    throw new ApiError('RATE_LIMITED', 'Too many requests; slow down');
  }
}

export function authenticate(limiter: RateLimiter): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const token = match?.[1] ? await findLiveToken(req.em, match[1]) : null;
    if (!token) {
      await limit(limiter, `addr:${req.ip ?? 'unknown'}`, res);
      throw new ApiError('UNAUTHENTICATED', match ? 'The bearer token is not valid' : 'A bearer token is required');
    }
    await limit(limiter, `token:${token.id}`, res);
    req.actor = { tokenId: token.id, name: token.name, role: token.role };
    // At most one write a minute per token, not one per request.
    const now = new Date();
    const stale = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    if (!token.lastUsedAt || token.lastUsedAt < stale) {
      await req.em.nativeUpdate(ApiTokenEntity, { id: token.id, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: stale } }] }, { lastUsedAt: now });
    }
    next();
  };
}
