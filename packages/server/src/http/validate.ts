/**
 * The one validation helper: parses a request's params, query and body with
 * their zod schemas and reports every issue of all three at once.
 */
import type { z } from 'zod';
import { ApiError, type Issue } from '../errors.js';

export interface RequestSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;
export interface Parsed<S extends RequestSchemas> {
  params: Out<S['params']>;
  query: Out<S['query']>;
  body: Out<S['body']>;
}

function pathOf(where: string, path: readonly PropertyKey[]): string {
  return [where, ...path.map(String)].join('.');
}

/** Throws a `VALIDATION_FAILED` {@link ApiError} listing every issue, or returns the parsed parts. */
export function parseRequest<S extends RequestSchemas>(schemas: S, input: { params: unknown; query: unknown; body: unknown }): Parsed<S> {
  const issues: Issue[] = [];
  const out: Record<string, unknown> = {};
  for (const where of ['params', 'query', 'body'] as const) {
    const schema = schemas[where];
    if (!schema) continue;
    const result = schema.safeParse(where === 'body' && input.body === undefined ? {} : input[where]);
    if (result.success) out[where] = result.data;
    else for (const issue of result.error.issues) issues.push({ path: pathOf(where, issue.path), message: issue.message });
  }
  if (issues.length > 0) throw new ApiError('VALIDATION_FAILED', `The request is invalid (${issues.length} issue${issues.length === 1 ? '' : 's'})`, { issues });
  return out as unknown as Parsed<S>;
}
