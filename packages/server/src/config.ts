/**
 * The server's configuration, read from the environment and validated with
 * zod. Every problem is reported at once ({@link ConfigError}), before
 * anything is started.
 */
import { z } from 'zod';
import { ConfigError, type Issue } from './errors.js';
import { parseKey } from './secrets.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function urlWithScheme(schemes: string[]) {
  return z.string().refine((value) => {
    try {
      return schemes.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${schemes.map((s) => `${s}//`).join(' or ')}`);
}

const EnvSchema = z.object({
  HEALER_DATABASE_URL: urlWithScheme(['postgres:', 'postgresql:']),
  HEALER_REDIS_URL: urlWithScheme(['redis:', 'rediss:']),
  HEALER_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HEALER_HOST: z.string().min(1).default('0.0.0.0'),
  HEALER_SECRET_KEY: z.string().superRefine((value, ctx) => {
    if (parseKey(value) === null) ctx.addIssue({ code: 'custom', message: 'must be 32 bytes, as 64 hex digits or base64' });
  }),
  HEALER_SECRET_KEY_ID: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, "_" or "-", at most 32').default('k1'),
  /** Older keys still able to decrypt, as `id:key,id:key`. */
  HEALER_SECRET_OLD_KEYS: z.string().optional(),
  HEALER_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  HEALER_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** How often each enabled application is checked (diagnose, then heal by its mode), in seconds; 0: never, unless its settings say. */
  HEALER_CHECK_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /** Prefix of every Redis key and channel (queues, events): several servers can share one Redis. */
  HEALER_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" or "-", at most 64').default('healer'),
});

/** Every variable the configuration reads, required or not (the deploy files are checked against it). @internal */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServerConfig {
  databaseUrl: string;
  redisUrl: string;
  port: number;
  host: string;
  /** Secret keys by id; `currentKeyId` encrypts, every listed key decrypts. */
  keys: Map<string, Buffer>;
  currentKeyId: string;
  logLevel: LogLevel;
  /** Requests per minute per token (or per address without one). */
  rateLimitPerMinute: number;
  /** Prefix of Redis keys and channels. Default `healer`. */
  redisPrefix?: string;
  /** Scheduled checks of each enabled application, every this many seconds (0: only where its settings ask). Default 300. */
  checkIntervalSeconds?: number;
}

/** Reads and validates the configuration. Throws a {@link ConfigError} listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = EnvSchema.safeParse(env);
  const issues: Issue[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.path.length && env[String(i.path[0])] === undefined ? 'is required' : i.message }));
  const keys = new Map<string, Buffer>();
  if (parsed.success) {
    const d = parsed.data;
    for (const entry of (d.HEALER_SECRET_OLD_KEYS ?? '').split(',').filter((s) => s.trim() !== '')) {
      const at = entry.indexOf(':');
      const id = entry.slice(0, at).trim();
      const key = at > 0 ? parseKey(entry.slice(at + 1).trim()) : null;
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id) || key === null) {
        issues.push({ path: 'HEALER_SECRET_OLD_KEYS', message: 'each entry must be id:key with a 32-byte key (hex or base64)' });
        break;
      }
      keys.set(id, key);
    }
    keys.set(d.HEALER_SECRET_KEY_ID, parseKey(d.HEALER_SECRET_KEY)!);
  }
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues);
  const d = parsed.data;
  return {
    databaseUrl: d.HEALER_DATABASE_URL,
    redisUrl: d.HEALER_REDIS_URL,
    port: d.HEALER_PORT,
    host: d.HEALER_HOST,
    keys,
    currentKeyId: d.HEALER_SECRET_KEY_ID,
    logLevel: d.HEALER_LOG_LEVEL,
    rateLimitPerMinute: d.HEALER_RATE_LIMIT_PER_MINUTE,
    redisPrefix: d.HEALER_REDIS_PREFIX,
    checkIntervalSeconds: d.HEALER_CHECK_INTERVAL_SECONDS,
  };
}
