/**
 * Errors the server raises on purpose. Each carries a literal `code` and the
 * HTTP status it is answered with; the error handler turns them into
 * `{ error: { code, message, issues? }, requestId }`. Test with
 * {@link isApiError} rather than `instanceof`.
 */
export type ApiErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PLAN_DRIFT'
  | 'HEAL_IN_PROGRESS'
  | 'RATE_LIMITED'
  | 'PAYLOAD_TOO_LARGE'
  | 'INTERNAL'
  | 'HOST_UNREACHABLE'
  | 'UNAVAILABLE';

/** One problem found by validation: where (`body.port`) and what. */
export interface Issue {
  path: string;
  message: string;
}

const STATUS: Record<ApiErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PLAN_DRIFT: 409,
  HEAL_IN_PROGRESS: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  HOST_UNREACHABLE: 502,
  UNAVAILABLE: 503,
};

const BRAND = Symbol.for('healer.server.api-error');

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly issues: Issue[] | undefined;
  /** Facts the caller can act on (the id of the heal already running...); never a secret. */
  readonly details: Record<string, unknown> | undefined;
  readonly [BRAND] = true;

  constructor(code: ApiErrorCode, message: string, options: { issues?: Issue[]; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    this.status = STATUS[code];
    this.issues = options.issues;
    this.details = options.details;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return typeof err === 'object' && err !== null && (err as { [BRAND]?: unknown })[BRAND] === true;
}

/** The status each code is answered with. */
export function statusOf(code: ApiErrorCode): number {
  return STATUS[code];
}

/** Raised at startup when the environment does not describe a usable server; lists every problem. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID' as const;
  readonly issues: Issue[];

  constructor(issues: Issue[]) {
    super(`Invalid server configuration:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
