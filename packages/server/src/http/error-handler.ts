/**
 * The one error handler: every failure becomes
 * `{ error: { code, message, issues? }, requestId }`. Unexpected errors are
 * logged with their stack and answered as a plain 500: stacks and internal
 * messages never reach the caller.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { UniqueConstraintViolationException, ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import { ApiError, isApiError } from '../errors.js';

function toApiError(err: unknown): ApiError | null {
  if (isApiError(err)) return err;
  if (err instanceof UniqueConstraintViolationException) return new ApiError('CONFLICT', 'A resource with the same unique fields already exists');
  if (err instanceof ForeignKeyConstraintViolationException) return new ApiError('CONFLICT', 'The resource is referenced by, or refers to, another one');
  // body-parser's errors carry a `type` and a status.
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') return new ApiError('VALIDATION_FAILED', 'The body is not valid JSON', { issues: [{ path: 'body', message: 'not valid JSON' }] });
  if (type === 'entity.too.large') return new ApiError('PAYLOAD_TOO_LARGE', 'The body is too large');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new ApiError('VALIDATION_FAILED', 'Unsupported body encoding', { issues: [{ path: 'body', message: 'unsupported encoding' }] });
  return null;
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const known = toApiError(err);
  const error = known ?? new ApiError('INTERNAL', 'Internal server error');
  if (!known) req.log?.error({ err }, 'request failed');
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(error.status).json({
    error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}), ...(error.details ? { details: error.details } : {}) },
    requestId: req.requestId,
  });
};

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new ApiError('NOT_FOUND', 'No such route'));
};
