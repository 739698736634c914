/** `/servers`: hosts and how to log in to them. Secrets are write-only. */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { z } from 'zod';
import { ServerEntity, type Server } from '../db/entities.js';
import { ApiError } from '../errors.js';
import { recordAudit } from '../http/audit.js';
import { defineRoute } from '../http/route.js';
import type { SecretBox } from '../secrets.js';
import { IdParamsSchema, PageQuerySchema, ServerCreateSchema, ServerPatchSchema, ServerSchema, ServerPageSchema, type ServerAuthSchema, pageBody, pageWindow } from '../api/schemas.js';

export function toServerView(s: Server): z.input<typeof ServerSchema> {
  return {
    id: s.id,
    name: s.name,
    host: s.host,
    port: s.port,
    user: s.user,
    authKind: s.authKind,
    hasSecret: s.secret !== null && s.secret !== undefined,
    hostKeyFingerprint: s.hostKeyFingerprint ?? null,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

/** The sealed secret for an auth choice: the password or key (and passphrase) as JSON, or null for the agent. */
function sealAuth(box: SecretBox, auth: z.output<typeof ServerAuthSchema>): { authKind: Server['authKind']; secret: string | null; secretKeyId: string | null } {
  if (auth.kind === 'agent') return { authKind: 'agent', secret: null, secretKeyId: null };
  const plain = auth.kind === 'password' ? { password: auth.password } : { privateKey: auth.privateKey, passphrase: auth.passphrase ?? null };
  return { authKind: auth.kind, secret: box.encrypt(JSON.stringify(plain)), secretKeyId: box.currentKeyId };
}

async function findServer(em: EntityManager, id: string): Promise<Server> {
  const server = await em.findOne(ServerEntity, { id });
  if (!server) throw new ApiError('NOT_FOUND', `No server ${id}`);
  return server;
}

export function serverRoutes(deps: { secrets: SecretBox }) {
  const tag = 'servers';
  return [
    defineRoute({
      method: 'get',
      path: '/servers',
      tag,
      summary: 'List servers',
      permission: 'healer.read',
      request: { query: PageQuerySchema },
      responses: { 200: { description: 'A page of servers', schema: ServerPageSchema } },
      async handle({ req, query }) {
        const found = await req.em.findAndCount(ServerEntity, {}, { orderBy: { name: 'asc' }, ...pageWindow(query) });
        return { body: pageBody(query, found, toServerView) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/servers',
      tag,
      summary: 'Add a server',
      permission: 'healer.configure',
      request: { body: ServerCreateSchema },
      responses: { 201: { description: 'The server (without its secret)', schema: ServerSchema } },
      async handle({ req, body }) {
        const server = req.em.create(ServerEntity, {
          id: randomUUID(),
          name: body.name,
          host: body.host,
          port: body.port,
          user: body.user,
          hostKeyFingerprint: body.hostKeyFingerprint ?? null,
          ...sealAuth(deps.secrets, body.auth),
        });
        recordAudit(req, 'server.create', `server:${server.id}`, { name: body.name, host: body.host, port: body.port, user: body.user, authKind: body.auth.kind });
        await req.em.flush();
        return { status: 201, body: toServerView(server) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/servers/:id',
      tag,
      summary: 'Get a server',
      permission: 'healer.read',
      request: { params: IdParamsSchema },
      responses: { 200: { description: 'The server (without its secret)', schema: ServerSchema } },
      async handle({ req, params }) {
        return { body: toServerView(await findServer(req.em, params.id)) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/servers/:id',
      tag,
      summary: 'Change a server; a new `auth` replaces the stored secret',
      permission: 'healer.configure',
      request: { params: IdParamsSchema, body: ServerPatchSchema },
      responses: { 200: { description: 'The server (without its secret)', schema: ServerSchema } },
      async handle({ req, params, body }) {
        const server = await findServer(req.em, params.id);
        const { auth, ...plain } = body;
        req.em.assign(server, Object.fromEntries(Object.entries(plain).filter(([, v]) => v !== undefined)));
        if (auth) req.em.assign(server, sealAuth(deps.secrets, auth));
        recordAudit(req, 'server.update', `server:${server.id}`, { fields: Object.keys(body).filter((k) => body[k as keyof typeof body] !== undefined) });
        await req.em.flush();
        return { body: toServerView(server) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/servers/:id',
      tag,
      summary: 'Remove a server and its applications',
      permission: 'healer.configure',
      request: { params: IdParamsSchema },
      responses: { 204: { description: 'Removed' } },
      async handle({ req, params }) {
        const server = await findServer(req.em, params.id);
        req.em.remove(server);
        recordAudit(req, 'server.delete', `server:${server.id}`, { name: server.name });
        await req.em.flush();
        return { status: 204 };
      },
    }),
  ];
}
