/**
 * Test harness: a throwaway PostgreSQL database per test file (created on
 * the local server, dropped after), the real local Redis, the real app, a
 * token per role, and every log line captured.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { z } from 'zod';
import { freePort } from '@healer/test-utils';
import { definePlugin } from '@healer/core';
import type { ServerConfig } from '../src/config.js';
import { createApiToken } from '../src/auth/tokens.js';
import type { Role } from '../src/db/entities.js';
import { migrateUp } from '../src/db/orm.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../src/runtime.js';
import type { ServerPlugin } from '../src/routes/plugins.js';

export const PG_ADMIN_URL = process.env.HEALER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.HEALER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `healer_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.href, name, drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) };
}

/** A URL of a loopback port nothing listens on. */
export async function closedPortUrl(scheme: 'postgres' | 'redis'): Promise<string> {
  const port = await freePort();
  return scheme === 'postgres' ? `postgres://postgres@127.0.0.1:${port}/none` : `redis://127.0.0.1:${port}`;
}

export function testConfig(overrides: Partial<ServerConfig> & { databaseUrl: string }): ServerConfig {
  return {
    redisUrl: REDIS_URL,
    port: 0,
    host: '127.0.0.1',
    keys: new Map([['k1', randomBytes(32)]]),
    currentKeyId: 'k1',
    logLevel: 'debug',
    rateLimitPerMinute: 10_000,
    // Queues and event channels of their own: test files share one Redis.
    redisPrefix: `healer-test-${randomBytes(6).toString('hex')}`,
    // No scheduled checks unless a test asks for them.
    checkIntervalSeconds: 0,
    ...overrides,
  };
}

/** A plugin with a configuration schema, to test validation of plugin configuration. It detects nothing. */
export const demoPlugin: ServerPlugin = definePlugin({
  name: 'demo',
  version: '1.2.3',
  description: 'A test plugin',
  engines: { core: '*' },
  stacks: ['demo'],
  signatures: ['demo.txt'],
  configSchema: z.strictObject({ threshold: z.number().int().min(1), label: z.string().optional() }),
  detect: async () => null,
  checks: [],
  actions: [],
});
export const plainPlugin: ServerPlugin = definePlugin({
  name: 'plain',
  version: '0.1.0',
  engines: { core: '*' },
  stacks: ['plain'],
  signatures: ['plain.txt'],
  detect: async () => null,
  checks: [],
  actions: [],
});

/** Collects pino's output, one JSON line per entry. */
export class LogCapture {
  readonly lines: string[] = [];
  write(chunk: string): void {
    this.lines.push(...chunk.split('\n').filter((l) => l !== ''));
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export interface TestServer {
  db: TestDatabase;
  runtime: Runtime;
  logs: LogCapture;
  config: ServerConfig;
  /** This server's own Redis key prefix for the webhook queue; its keys are deleted on close. */
  webhookPrefix: string;
  /** A bearer token per role, plus `auth(role)` headers. */
  tokens: Record<Role, string>;
  auth(role: Role): { Authorization: string };
  close(): Promise<void>;
}

export async function startTestServer(options: RuntimeOptions & { config?: Partial<ServerConfig> } = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  const logs = new LogCapture();
  const config = testConfig({ databaseUrl: db.url, ...options.config });
  const webhookPrefix = `healer-test-${randomBytes(6).toString('hex')}`;
  // Rate limits of this server only: other test files (and runs) share the Redis.
  const rateLimitPrefix = `healer:test:ratelimit:${db.name}:`;
  const runtime = await createRuntime(config, {
    plugins: [demoPlugin, plainPlugin],
    logDestination: logs,
    rateLimitPrefix,
    ...options,
    webhooks: { prefix: webhookPrefix, backoffDelayMs: 20, ...options.webhooks },
  });
  await migrateUp(runtime.orm);
  const em = runtime.orm.em.fork();
  const tokens = {} as Record<Role, string>;
  for (const role of ['admin', 'engineer', 'viewer'] as const) tokens[role] = createApiToken(em, { name: `${role}-token`, role }).token;
  await em.flush();
  return {
    db,
    runtime,
    logs,
    config,
    webhookPrefix,
    tokens,
    auth: (role) => ({ Authorization: `Bearer ${tokens[role]}` }),
    async close() {
      await runtime.close();
      await deleteRedisKeys(`${webhookPrefix}:*`);
      if (config.redisPrefix) await deleteRedisKeys(`${config.redisPrefix}:*`);
      await deleteRedisKeys(`${rateLimitPrefix}*`);
      await db.drop();
    },
  };
}

/** Deletes the test Redis keys matching `pattern`. */
export async function deleteRedisKeys(pattern: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: pattern, count: 500 })) if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
  } finally {
    redis.disconnect();
  }
}

/** A fingerprint in OpenSSH's form. */
export function fingerprint(): string {
  return `SHA256:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
}
