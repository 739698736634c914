/**
 * A route is data: method, path, permission, zod schemas and a handler.
 * The same definitions mount the Express routes (validation and permission
 * checks included, so no route can forget them) and describe the OpenAPI
 * document.
 */
import type { Request, Response, Router } from 'express';
import type { z } from 'zod';
import type { Permission } from '../auth/permissions.js';
import { roleHas } from '../auth/permissions.js';
import { ApiError } from '../errors.js';
import type { Actor } from './types.js';
import { parseRequest, type Parsed, type RequestSchemas } from './validate.js';

export interface RouteContext<S extends RequestSchemas> extends Parsed<S> {
  req: Request;
  res: Response;
  actor: Actor;
}

/** What a handler answers: a status (default 200) and a JSON body (none for 204). */
export interface Reply {
  status?: number;
  body?: unknown;
  /** The handler wrote the response itself (a stream of server-sent events). */
  streamed?: boolean;
}

export interface RouteDef<S extends RequestSchemas = RequestSchemas> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express-style path under `/api/v1`, e.g. `/servers/:id`. */
  path: string;
  summary: string;
  tag: string;
  /** Needed to call the route at all; handlers may ask for more (see {@link requirePermission}). */
  permission: Permission;
  request: S;
  /** Success responses by status, for the OpenAPI document. */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handle(ctx: RouteContext<S>): Promise<Reply>;
}

/** Typed identity: keeps the schemas' types flowing into the handler. */
export function defineRoute<S extends RequestSchemas>(route: RouteDef<S>): RouteDef<S> {
  return route;
}

export function requirePermission(actor: Actor | undefined, permission: Permission): asserts actor is Actor {
  if (!actor) throw new ApiError('UNAUTHENTICATED', 'A bearer token is required');
  if (!roleHas(actor.role, permission)) throw new ApiError('FORBIDDEN', `This needs the ${permission} permission`);
}

export function mountRoutes(router: Router, routes: readonly RouteDef<never>[]): void {
  for (const route of routes as readonly RouteDef[]) {
    router[route.method](route.path, async (req: Request, res: Response) => {
      // The full route pattern for the metrics label (baseUrl is reset once the router is left).
      res.locals.route = `${req.baseUrl}${route.path}`;
      requirePermission(req.actor, route.permission);
      const parsed = parseRequest(route.request, { params: req.params, query: req.query, body: req.body });
      const reply = await route.handle({ ...parsed, req, res, actor: req.actor });
      if (reply.streamed) return;
      res.status(reply.status ?? 200);
      if (reply.body === undefined) res.end();
      else res.json(reply.body);
    });
  }
}
