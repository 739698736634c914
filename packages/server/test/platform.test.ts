import { createServer, type Server, type Socket } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTokenBucket } from '../src/http/rate-limit.js';
import { createRuntime, startApi } from '../src/runtime.js';
import { LogCapture, closedPortUrl, createTestDatabase, startTestServer, testConfig, type TestServer } from './helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

describe('health and readiness', () => {
  it('/health answers while the process is up', async () => {
    expect((await request(t.runtime.app).get('/health').expect(200)).body).toEqual({ status: 'ok' });
  });

  it('/health/ready is 200 when PostgreSQL and Redis answer', async () => {
    const res = await request(t.runtime.app).get('/health/ready').expect(200);
    expect(res.body).toEqual({ status: 'ready', checks: { database: { ok: true }, redis: { ok: true } } });
  });

  it('/health/ready is 503 naming PostgreSQL when the database URL points at a closed port', async () => {
    const runtime = await createRuntime(testConfig({ databaseUrl: await closedPortUrl('postgres') }), { logDestination: new LogCapture() });
    try {
      const res = await request(runtime.app).get('/health/ready').expect(503);
      expect(res.body.status).toBe('unavailable');
      expect(res.body.checks.redis).toEqual({ ok: true });
      expect(res.body.checks.database).toEqual({ ok: false, error: expect.stringMatching(/^[A-Z0-9_]+$/) });
    } finally {
      await runtime.close();
    }
  });

  it('/health/ready is 503 naming Redis when Redis does not answer', async () => {
    const runtime = await createRuntime(testConfig({ databaseUrl: t.db.url, redisUrl: await closedPortUrl('redis') }), { logDestination: new LogCapture() });
    try {
      const res = await request(runtime.app).get('/health/ready').expect(503);
      expect(res.body.checks).toEqual({ database: { ok: true }, redis: { ok: false, error: expect.stringMatching(/^[A-Z0-9_]+$/) } });
    } finally {
      await runtime.close();
    }
  });
});

describe('request ids, errors, headers', () => {
  it('answers an unexpected failure with a plain 500: no stack, no internals; the log has them', async () => {
    const logs = new LogCapture();
    const runtime = await createRuntime(testConfig({ databaseUrl: await closedPortUrl('postgres') }), { logDestination: logs });
    try {
      const res = await request(runtime.app).get('/api/v1/servers').set('Authorization', `Bearer ${t.tokens.admin}`).set('X-Request-Id', 'boom-1').expect(500);
      expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' }, requestId: 'boom-1' });
      const failure = logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request failed');
      expect(failure?.err?.stack).toEqual(expect.any(String));
      expect(logs.text()).not.toContain(t.tokens.admin);
    } finally {
      await runtime.close();
    }
  });

  it('echoes a sane X-Request-Id and replaces an unsafe one', async () => {
    const given = await request(t.runtime.app).get('/health').set('X-Request-Id', 'abc-123.x:y').expect(200);
    expect(given.headers['x-request-id']).toBe('abc-123.x:y');
    const unsafe = await request(t.runtime.app).get('/health').set('X-Request-Id', 'evil\tvalue'.padEnd(300, 'x')).expect(200);
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const made = await request(t.runtime.app).get('/api/v1/servers').set(t.auth('viewer')).expect(200);
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const err = await request(t.runtime.app).get('/api/v1/servers').set('X-Request-Id', 'err-req-9').expect(401);
    expect(err.body.requestId).toBe('err-req-9');
    expect(t.logs.lines.some((l) => JSON.parse(l).req?.id === 'err-req-9')).toBe(true);
  });

  it('answers unknown routes with a JSON 404, and sets security headers', async () => {
    const res = await request(t.runtime.app).get('/api/v2/nothing').expect(404);
    expect(res.body).toMatchObject({ error: { code: 'NOT_FOUND' }, requestId: expect.any(String) });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('answers a too-large body with 413 and no stack', async () => {
    const res = await request(t.runtime.app).post('/api/v1/tokens').set(t.auth('admin')).send({ name: 'x'.repeat(300_000), role: 'viewer' }).expect(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After once a token has spent its bucket; other tokens are not affected', async () => {
    const limited = await startTestServer({ rateLimiter: new MemoryTokenBucket({ capacity: 3, refillPerSecond: 0.01 }) });
    try {
      for (let i = 0; i < 3; i++) await request(limited.runtime.app).get('/api/v1/plugins').set(limited.auth('viewer')).expect(200);
      const res = await request(limited.runtime.app).get('/api/v1/plugins').set(limited.auth('viewer')).expect(429);
      expect(res.body.error.code).toBe('RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      await request(limited.runtime.app).get('/api/v1/plugins').set(limited.auth('admin')).expect(200);
    } finally {
      await limited.close();
    }
  });
});

describe('metrics and OpenAPI', () => {
  it('/metrics has the process defaults and the request-duration histogram by route pattern', async () => {
    await request(t.runtime.app).get('/api/v1/servers/00000000-0000-4000-8000-000000000000').set(t.auth('viewer')).expect(404);
    const res = await request(t.runtime.app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toMatch(/healer_http_request_duration_seconds_bucket\{[^}]*route="\/api\/v1\/servers\/:id"[^}]*status="404"/);
    expect(res.text).not.toContain('00000000-0000-4000-8000-000000000000');
  });

  it('/openapi.json is an OpenAPI 3.1 document of every route, from the zod schemas', async () => {
    const doc = (await request(t.runtime.app).get('/openapi.json').expect(200)).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/api/v1/applications',
        '/api/v1/applications/{id}',
        '/api/v1/applications/{id}/diagnose',
        '/api/v1/applications/{id}/diagnostics',
        '/api/v1/applications/{id}/heal',
        '/api/v1/applications/{id}/plan',
        '/api/v1/applications/{id}/breaker',
        '/api/v1/applications/{id}/breaker/reset',
        '/api/v1/audit',
        '/api/v1/backups',
        '/api/v1/breakers',
        '/api/v1/diagnostics/{id}',
        '/api/v1/executions',
        '/api/v1/executions/{id}',
        '/api/v1/executions/{id}/events',
        '/api/v1/executions/{id}/rollback',
        '/api/v1/plugins',
        '/api/v1/plugins/{name}',
        '/api/v1/servers',
        '/api/v1/servers/{id}',
        '/api/v1/servers/{id}/discover',
        '/api/v1/tokens',
        '/api/v1/tokens/{id}',
        '/api/v1/webhooks',
        '/api/v1/webhooks/{id}',
        '/api/v1/webhooks/{id}/test',
        '/health',
        '/health/ready',
        '/metrics',
      ].sort(),
    );
    expect(Object.keys(doc.paths['/api/v1/servers/{id}']).sort()).toEqual(['delete', 'get', 'patch']);
    const create = doc.paths['/api/v1/servers'].post;
    expect(create.security).toEqual([{ bearer: [] }]);
    expect(create.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ServerCreate' });
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '429']));
    const listParams = doc.paths['/api/v1/applications'].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
    expect(listParams).toEqual(expect.arrayContaining(['query:page', 'query:pageSize', 'query:server', 'query:stack', 'query:healthStatus', 'query:mode', 'query:enabled', 'query:sort']));
    expect(doc.components.schemas.Server.properties).not.toHaveProperty('secret');
    expect(doc.components.schemas.Webhook.properties).not.toHaveProperty('secret');
    expect(doc.components.schemas.WebhookCreate.required).toEqual(expect.arrayContaining(['name', 'url', 'secret', 'events']));
    expect(Object.keys(doc.paths['/api/v1/webhooks/{id}/test'].post.responses)).toEqual(expect.arrayContaining(['202', '404']));
    expect(doc.components.schemas.ServerCreate.properties.hostKeyFingerprint).toBeDefined();
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.Error).toBeDefined();
    expect(doc.paths['/api/v1/applications/{id}/breaker/reset'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/BreakerReset' });
    expect(Object.keys(doc.components.schemas.Breaker.properties)).toEqual(expect.arrayContaining(['key', 'appId', 'state', 'failures', 'openedAt', 'until']));
    expect(Object.keys(doc.components.schemas.Backup.properties).filter((k) => /sha|meta|files$|manifest/i.test(k))).toEqual([]);
  });
});

describe('secrets never leak', () => {
  it('no token, password or key appears in any log line, and the logger censors secret-looking fields', async () => {
    const password = 'leak-check-password-5521';
    await request(t.runtime.app)
      .post('/api/v1/servers')
      .set(t.auth('admin'))
      .send({ name: 'leak', host: 'leak.example.com', user: 'u', auth: { kind: 'password', password } })
      .expect(201);
    await request(t.runtime.app).post('/api/v1/servers').set(t.auth('admin')).send({ name: '', host: 'x', user: 'u', auth: { kind: 'password', password } }).expect(400);
    t.runtime.logger.info({ req: { headers: { authorization: `Bearer ${t.tokens.admin}` } }, server: { password, secret: password, token: t.tokens.viewer } }, 'probe');
    const text = t.logs.text();
    expect(t.logs.lines.length).toBeGreaterThan(5);
    for (const secret of [password, ...Object.values(t.tokens)]) expect(text).not.toContain(secret);
    expect(text).toContain('"authorization":"***"');
    for (const line of t.logs.lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});

describe('graceful shutdown', () => {
  let silent: Server | undefined;
  const sockets = new Set<Socket>();
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
  });

  it('stops accepting, lets the in-flight request finish, then closes the pools', async () => {
    // A "Redis" that accepts and never answers keeps /health/ready in flight for the probe timeout.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const port = (silent!.address() as { port: number }).port;
    const db = await createTestDatabase();
    try {
      const api = await startApi(testConfig({ databaseUrl: db.url, redisUrl: `redis://127.0.0.1:${port}` }), { logDestination: new LogCapture() });
      const inFlight = fetch(`${api.url}/health/ready`);
      await new Promise((r) => setTimeout(r, 300));
      const closing = api.close();
      const res = await inFlight;
      expect(res.status).toBe(503);
      expect(((await res.json()) as { checks: { redis: { ok: boolean } } }).checks.redis.ok).toBe(false);
      await closing;
      await expect(fetch(`${api.url}/health`)).rejects.toThrow();
      expect(api.server.listening).toBe(false);
    } finally {
      await db.drop();
    }
  });
});
