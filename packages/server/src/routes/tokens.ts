/** `/tokens` (admin): list, create (the token is shown once), revoke. */
import type { z } from 'zod';
import { ApiTokenEntity, type ApiToken } from '../db/entities.js';
import { createApiToken } from '../auth/tokens.js';
import { ApiError } from '../errors.js';
import { recordAudit } from '../http/audit.js';
import { defineRoute } from '../http/route.js';
import { IdParamsSchema, TokenCreateSchema, TokenCreatedSchema, TokenListQuerySchema, TokenSchema, TokenPageSchema, pageBody, pageWindow } from '../api/schemas.js';

export function toTokenView(t: ApiToken): z.input<typeof TokenSchema> {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  };
}

export function tokenRoutes() {
  const tag = 'tokens';
  return [
    defineRoute({
      method: 'get',
      path: '/tokens',
      tag,
      summary: 'List API tokens (never their values)',
      permission: 'healer.admin',
      request: { query: TokenListQuerySchema },
      responses: { 200: { description: 'A page of tokens', schema: TokenPageSchema } },
      async handle({ req, query }) {
        const where = query.includeRevoked ? {} : { revokedAt: null };
        const found = await req.em.findAndCount(ApiTokenEntity, where, { orderBy: { createdAt: 'desc', id: 'asc' }, ...pageWindow(query) });
        return { body: pageBody(query, found, toTokenView) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tokens',
      tag,
      summary: 'Create a token; its value is in this response only',
      permission: 'healer.admin',
      request: { body: TokenCreateSchema },
      responses: { 201: { description: 'The token, with its value', schema: TokenCreatedSchema } },
      async handle({ req, body }) {
        const { token, record } = createApiToken(req.em, body);
        recordAudit(req, 'token.create', `token:${record.id}`, { name: body.name, role: body.role });
        await req.em.flush();
        return { status: 201, body: { ...toTokenView(record), token } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/tokens/:id',
      tag,
      summary: 'Revoke a token',
      permission: 'healer.admin',
      request: { params: IdParamsSchema },
      responses: { 200: { description: 'The revoked token', schema: TokenSchema } },
      async handle({ req, params }) {
        const token = await req.em.findOne(ApiTokenEntity, { id: params.id });
        if (!token) throw new ApiError('NOT_FOUND', `No token ${params.id}`);
        if (token.revokedAt) throw new ApiError('CONFLICT', `Token ${params.id} is already revoked`);
        token.revokedAt = new Date();
        recordAudit(req, 'token.revoke', `token:${token.id}`, { name: token.name });
        await req.em.flush();
        return { body: toTokenView(token) };
      },
    }),
  ];
}
