/** The OpenAPI 3.1 document, generated from the route definitions and their zod schemas. */
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { RouteDef } from '../http/route.js';
import { ErrorBodySchema } from './schemas.js';

type RouteParameter = NonNullable<RouteConfig['request']>['params'];
type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(ErrorBodySchema) });

export function buildOpenApiDocument(routes: readonly RouteDef<never>[], version: string): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'An API token (`healer-server token create`)' });
  for (const route of routes as readonly RouteDef[]) {
    const { params, query, body } = route.request;
    const config: RouteConfig = {
      method: route.method,
      path: `/api/v1${route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`,
      tags: [route.tag],
      summary: route.summary,
      description: `Needs the \`${route.permission}\` permission.`,
      security: [{ bearer: [] }],
      request: {
        ...(params ? { params: params as RouteParameter } : {}),
        ...(query ? { query: query as RouteParameter } : {}),
        ...(body ? { body: { required: true, ...json(body) } } : {}),
      },
      responses: {
        ...Object.fromEntries(Object.entries(route.responses).map(([status, r]) => [status, { description: r.description, ...(r.schema ? json(r.schema) : {}) }])),
        400: error('The request is invalid: every issue is listed'),
        401: error('No valid bearer token'),
        403: error('The token lacks the permission'),
        ...(params ? { 404: error('Not found') } : {}),
        429: error('Too many requests'),
      },
    };
    registry.registerPath(config);
  }
  registry.registerPath({ method: 'get', path: '/health', tags: ['health'], summary: 'The process is up', responses: { 200: { description: 'Up' } } });
  registry.registerPath({
    method: 'get',
    path: '/health/ready',
    tags: ['health'],
    summary: 'PostgreSQL and Redis answer',
    responses: { 200: { description: 'Ready' }, 503: { description: 'A dependency does not answer; the body says which' } },
  });
  registry.registerPath({ method: 'get', path: '/metrics', tags: ['health'], summary: 'Prometheus metrics', responses: { 200: { description: 'Metrics in the Prometheus text format' } } });
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Healer server', version, description: 'Diagnose and heal web applications across a fleet.' },
    servers: [{ url: '/' }],
  });
}
