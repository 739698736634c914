import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@healer/test-utils';
import { verifyWebhookSignature } from '../src/notify/signature.js';
import { Notifier, WEBHOOK_ATTEMPTS, WEBHOOK_QUEUE, startWebhookWorker, type WebhookWorker } from '../src/notify/webhooks.js';
import { SERVER_VERSION } from '../src/version.js';
import { REDIS_URL, closedPortUrl, startTestServer, type TestServer } from './helpers.js';

/** What the receiver got. */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP receiver on 127.0.0.1: records every request, and answers each
 * path with the next status of its script (the last one repeats). `'hang'`
 * never answers.
 */
class Receiver {
  readonly received: Received[] = [];
  readonly #scripts = new Map<string, (number | 'hang')[]>();
  readonly #server: Server;
  url = '';

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const script = this.#scripts.get(path) ?? [200];
        const next = script.length > 1 ? script.shift()! : script[0]!;
        if (next === 'hang') return;
        res.writeHead(next, { 'Content-Type': 'text/plain' }).end('ok');
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Answers `path` with these statuses in turn. */
  script(path: string, statuses: (number | 'hang')[]): string {
    this.#scripts.set(path, [...statuses]);
    return `${this.url}${path}`;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

let t: TestServer;
let receiver: Receiver;
let worker: WebhookWorker;
let queue: Queue;
const secrets: string[] = [];

beforeAll(async () => {
  t = await startTestServer();
  receiver = new Receiver();
  await receiver.start();
  worker = startWebhookWorker({
    orm: t.runtime.orm,
    secrets: t.runtime.secrets,
    connection: { url: REDIS_URL },
    prefix: t.webhookPrefix,
    logger: t.runtime.logger,
    timeoutMs: 500,
  });
  queue = new Queue(WEBHOOK_QUEUE, { connection: { url: REDIS_URL }, prefix: t.webhookPrefix });
});
afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await receiver?.close();
  await t?.close();
});

let counter = 0;
/** A fresh secret, remembered so the last test can look for it in the logs. */
function newSecret(): string {
  const secret = `whsec-${++counter}-${Math.random().toString(36).slice(2)}-never-logged`;
  secrets.push(secret);
  return secret;
}

async function createWebhook(body: { url: string; events: string[]; enabled?: boolean; secret?: string }): Promise<{ id: string; secret: string }> {
  const secret = body.secret ?? newSecret();
  const res = await request(t.runtime.app)
    .post('/api/v1/webhooks')
    .set(t.auth('admin'))
    .send({ name: `hook-${++counter}`, ...body, secret })
    .expect(201);
  return { id: res.body.id as string, secret };
}

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function logEntries(): { msg: string; deliveryId?: string; webhookId?: string; attempt?: number; reason?: string; status?: number }[] {
  return t.logs.lines.map((l) => JSON.parse(l));
}

/** Waits for the worker's last word on a delivery: delivered, skipped or failed for good. */
function settled(deliveryId: string, msg: 'webhook delivered' | 'webhook delivery failed' | 'webhook delivery skipped') {
  return waitFor(`${msg} ${deliveryId}`, () => logEntries().find((e) => e.deliveryId === deliveryId && e.msg === msg));
}

describe('webhook routes', () => {
  it('creates, reads, lists, changes and removes webhooks; the secret is sealed and never returned', async () => {
    const secret = newSecret();
    const created = await request(t.runtime.app)
      .post('/api/v1/webhooks')
      .set(t.auth('admin'))
      .send({ name: 'ops-slack', url: 'https://hooks.example.com/services/T0/B0/path-token', secret, events: ['execution.failed', 'breaker.opened', 'execution.failed'] })
      .expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'ops-slack',
      url: 'https://hooks.example.com/services/T0/B0/path-token',
      events: ['execution.failed', 'breaker.opened'],
      enabled: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const id = created.body.id as string;

    const rows = await t.runtime.orm.em.fork().getConnection().execute<{ secret: string; secret_key_id: string }[]>('select secret, secret_key_id from webhooks where id = ?', [id]);
    expect(rows[0]!.secret).toMatch(/^v1:k1:/);
    expect(rows[0]!.secret).not.toContain(secret);
    expect(rows[0]!.secret_key_id).toBe('k1');
    expect(t.runtime.secrets.decrypt(rows[0]!.secret)).toBe(secret);

    expect((await request(t.runtime.app).get(`/api/v1/webhooks/${id}`).set(t.auth('admin')).expect(200)).body).toEqual(created.body);
    const list = await request(t.runtime.app).get('/api/v1/webhooks').set(t.auth('admin')).expect(200);
    expect(list.body.items.map((w: { id: string }) => w.id)).toContain(id);

    const secret2 = newSecret();
    const patched = await request(t.runtime.app)
      .patch(`/api/v1/webhooks/${id}`)
      .set(t.auth('admin'))
      .send({ events: ['approval.needed'], enabled: false, secret: secret2 })
      .expect(200);
    expect(patched.body).toMatchObject({ id, name: 'ops-slack', events: ['approval.needed'], enabled: false });
    const after = await t.runtime.orm.em.fork().getConnection().execute<{ secret: string }[]>('select secret from webhooks where id = ?', [id]);
    expect(t.runtime.secrets.decrypt(after[0]!.secret)).toBe(secret2);

    await request(t.runtime.app).delete(`/api/v1/webhooks/${id}`).set(t.auth('admin')).expect(204);
    await request(t.runtime.app).get(`/api/v1/webhooks/${id}`).set(t.auth('admin')).expect(404);

    for (const body of [created.body, patched.body, list.body]) {
      expect(JSON.stringify(body)).not.toContain(secret);
      expect(JSON.stringify(body)).not.toContain(secret2);
      expect(JSON.stringify(body)).not.toContain('"secret');
    }
    const audit = await request(t.runtime.app).get('/api/v1/audit?pageSize=100').set(t.auth('admin')).expect(200);
    const mine = audit.body.items.filter((e: { target: string }) => e.target === `webhook:${id}`);
    expect(mine.map((e: { action: string }) => e.action)).toEqual(['webhook.delete', 'webhook.update', 'webhook.create']);
    expect(mine[2].details).toEqual({ name: 'ops-slack', origin: 'https://hooks.example.com', events: ['execution.failed', 'breaker.opened'], enabled: true });
    expect(mine[1].details.fields.sort()).toEqual(['enabled', 'events', 'secret']);
    const auditText = JSON.stringify(audit.body);
    for (const s of [secret, secret2, 'path-token']) expect(auditText).not.toContain(s);
  });

  it('lists every validation issue at once', async () => {
    const res = await request(t.runtime.app)
      .post('/api/v1/webhooks')
      .set(t.auth('admin'))
      .send({ name: '', url: 'ftp://files.example.com/x', secret: 'short', events: ['execution.failed', 'disk.full'], enabled: 'yes', extra: 1 })
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const paths = [...new Set(res.body.error.issues.map((i: { path: string }) => i.path))].sort();
    expect(paths).toEqual(['body', 'body.enabled', 'body.events.1', 'body.name', 'body.secret', 'body.url'].sort());

    const missing = await request(t.runtime.app).post('/api/v1/webhooks').set(t.auth('admin')).send({}).expect(400);
    expect(missing.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.events', 'body.name', 'body.secret', 'body.url']);

    const more = await request(t.runtime.app)
      .post('/api/v1/webhooks')
      .set(t.auth('admin'))
      .send({ name: 'creds', url: 'https://user:pass@hooks.example.com/x', secret: newSecret(), events: [] })
      .expect(400);
    expect(more.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.events', 'body.url']);

    const { id } = await createWebhook({ url: `${receiver.url}/unused`, events: ['execution.failed'] });
    const patch = await request(t.runtime.app).patch(`/api/v1/webhooks/${id}`).set(t.auth('admin')).send({ url: 'javascript:alert(1)', secret: 'x', events: ['nope'] }).expect(400);
    expect(patch.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.events.0', 'body.secret', 'body.url']);
  });

  it('answers 404 for unknown ids, 400 for ids that are not uuids, 409 for a duplicate name', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [method, path] of [
      ['get', `/api/v1/webhooks/${unknown}`],
      ['patch', `/api/v1/webhooks/${unknown}`],
      ['delete', `/api/v1/webhooks/${unknown}`],
      ['post', `/api/v1/webhooks/${unknown}/test`],
    ] as const) {
      const res = await request(t.runtime.app)[method](path).set(t.auth('admin')).send(method === 'patch' ? { enabled: true } : undefined);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    const bad = await request(t.runtime.app).post('/api/v1/webhooks/nope/test').set(t.auth('admin')).expect(400);
    expect(bad.body.error.issues[0].path).toBe('params.id');

    const body = { name: 'dup-hook', url: 'https://hooks.example.com/x', secret: newSecret(), events: ['execution.failed'] };
    await request(t.runtime.app).post('/api/v1/webhooks').set(t.auth('admin')).send(body).expect(201);
    expect((await request(t.runtime.app).post('/api/v1/webhooks').set(t.auth('admin')).send(body).expect(409)).body.error.code).toBe('CONFLICT');
  });

  it('is for admins only: viewers and engineers get 403 on every route', async () => {
    const { id } = await createWebhook({ url: `${receiver.url}/forbidden`, events: ['execution.failed'] });
    const calls = [
      ['get', '/api/v1/webhooks', undefined],
      ['post', '/api/v1/webhooks', { name: 'x', url: 'https://a.example.com/', secret: newSecret(), events: ['execution.failed'] }],
      ['get', `/api/v1/webhooks/${id}`, undefined],
      ['patch', `/api/v1/webhooks/${id}`, { enabled: false }],
      ['delete', `/api/v1/webhooks/${id}`, undefined],
      ['post', `/api/v1/webhooks/${id}/test`, undefined],
    ] as const;
    for (const role of ['viewer', 'engineer'] as const) {
      for (const [method, path, body] of calls) {
        const res = await request(t.runtime.app)[method](path).set(t.auth(role)).send(body);
        expect(res.status, `${role} ${method} ${path}`).toBe(403);
        expect(res.body.error.code).toBe('FORBIDDEN');
      }
    }
    expect((await request(t.runtime.app).get(`/api/v1/webhooks/${id}`).set(t.auth('admin')).expect(200)).body.enabled).toBe(true);
    expect(receiver.at('/forbidden')).toHaveLength(0);
  });
});

describe('webhook deliveries', () => {
  it('POSTs a signed, Slack-compatible body to each subscribed webhook', async () => {
    const url = receiver.script('/signed', [204]);
    const { id, secret } = await createWebhook({ url, events: ['execution.failed', 'execution.escalated'] });
    const before = Math.floor(Date.now() / 1000);
    await t.runtime.notifier.notify({
      event: 'execution.failed',
      title: 'Heal failed',
      text: 'wordpress/fatal-error-in-log on web-1:/var/www/blog <!channel> & co',
      applicationId: 'app-1',
      executionId: 'ex-1',
      details: { actionId: 'wordpress/disable-plugin', rung: 2 },
    });
    const [got] = await waitFor('the signed delivery', () => receiver.at('/signed').length > 0 && receiver.at('/signed'));
    const deliveryId = got!.headers['x-healer-delivery'] as string;
    expect(deliveryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(got!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': `healer-server/${SERVER_VERSION}`,
      'x-healer-event': 'execution.failed',
      'x-healer-signature': expect.stringMatching(/^sha256=[0-9a-f]{64}$/),
    });
    const timestamp = got!.headers['x-healer-timestamp'] as string;
    expect(Number(timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(timestamp)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));

    const body = JSON.parse(got!.body);
    expect(body).toEqual({
      text: 'Heal failed: wordpress/fatal-error-in-log on web-1:/var/www/blog &lt;!channel&gt; &amp; co',
      healer: {
        event: 'execution.failed',
        applicationId: 'app-1',
        executionId: 'ex-1',
        details: { actionId: 'wordpress/disable-plugin', rung: 2 },
        deliveryId,
        at: expect.any(String),
      },
    });
    expect(Math.abs(Date.parse(body.healer.at) - Date.now())).toBeLessThan(10_000);

    const signature = got!.headers['x-healer-signature'] as string;
    expect(verifyWebhookSignature(secret, timestamp, got!.body, signature)).toBe(true);
    expect(verifyWebhookSignature(secret, timestamp, Buffer.from(got!.body), signature)).toBe(true);
    expect(verifyWebhookSignature('another-secret-of-some-length', timestamp, got!.body, signature)).toBe(false);
    expect(verifyWebhookSignature(secret, timestamp, got!.body.replace('ex-1', 'ex-2'), signature)).toBe(false);
    expect(verifyWebhookSignature(secret, String(Number(timestamp) + 1), got!.body, signature)).toBe(false);

    const done = await settled(deliveryId, 'webhook delivered');
    expect(done).toMatchObject({ webhookId: id, status: 204, attempt: 1 });
    expect(receiver.at('/signed')).toHaveLength(1);
    // removeOnComplete: nothing of a delivered job stays in Redis.
    expect(await queue.getJob(deliveryId)).toBeUndefined();
  });

  it('retries a receiver that fails twice with 500, then delivers on the third attempt', async () => {
    const url = receiver.script('/flaky', [500, 500, 200]);
    const { id, secret } = await createWebhook({ url, events: ['breaker.opened'] });
    await t.runtime.notifier.notify({ event: 'breaker.opened', title: 'Breaker opened', text: 'three failures in an hour' });
    const done = await waitFor('the third attempt', () => logEntries().find((e) => e.webhookId === id && e.msg === 'webhook delivered'));
    expect(done).toMatchObject({ attempt: 3, status: 200 });
    const got = receiver.at('/flaky');
    expect(got).toHaveLength(3);
    expect(new Set(got.map((r) => r.headers['x-healer-delivery']))).toEqual(new Set([done.deliveryId]));
    // Every attempt is signed afresh with its own timestamp, over the same body.
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    for (const r of got) expect(verifyWebhookSignature(secret, r.headers['x-healer-timestamp'] as string, r.body, r.headers['x-healer-signature'] as string)).toBe(true);
    const retries = logEntries().filter((e) => e.deliveryId === done.deliveryId && e.msg === 'webhook delivery attempt failed; it will be retried');
    expect(retries.map((e) => e.reason)).toEqual(['the receiver answered 500', 'the receiver answered 500']);
  });

  it('retries 429 and a receiver that does not answer in time', async () => {
    const limited = await createWebhook({ url: receiver.script('/limited', [429, 200]), events: ['approval.needed'] });
    const slow = await createWebhook({ url: receiver.script('/slow', ['hang', 200]), events: ['approval.needed'] });
    await t.runtime.notifier.notify({ event: 'approval.needed', title: 'Approval needed', text: 'a high-risk action waits' });
    for (const { id } of [limited, slow]) {
      const done = await waitFor(`delivery to ${id}`, () => logEntries().find((e) => e.webhookId === id && e.msg === 'webhook delivered'));
      expect(done.attempt).toBe(2);
    }
    expect(logEntries().find((e) => e.webhookId === slow.id && e.msg.startsWith('webhook delivery attempt failed'))?.reason).toBe('no answer in time');
  });

  it('does not retry a 400: the delivery fails after one attempt, and its job in Redis holds no secret or URL', async () => {
    const { id, secret } = await createWebhook({ url: receiver.script('/rejecting/path-token-400', [400, 200]), events: ['execution.escalated'] });
    await t.runtime.notifier.notify({ event: 'execution.escalated', title: 'Escalated', text: 'needs a human' });
    const failed = await waitFor('the failure', () => logEntries().find((e) => e.webhookId === id && e.msg === 'webhook delivery failed'));
    expect(failed).toMatchObject({ attempt: 1, reason: 'the receiver answered 400' });
    const job = (await queue.getJob(failed.deliveryId!))!;
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.opts.attempts).toBe(WEBHOOK_ATTEMPTS);
    expect(JSON.stringify(job.toJSON())).not.toContain(secret);
    expect(JSON.stringify(job.toJSON())).not.toContain('path-token-400');
    // Time for several backoffs (20 ms, then doubling): still one request.
    await new Promise((r) => setTimeout(r, 400));
    expect(receiver.at('/rejecting/path-token-400')).toHaveLength(1);
  });

  it(`gives up after ${WEBHOOK_ATTEMPTS} attempts when nothing listens`, async () => {
    const { id } = await createWebhook({ url: `http://127.0.0.1:${await freePort()}/closed`, events: ['execution.failed'] });
    await t.runtime.notifier.notify({ event: 'execution.failed', title: 'Heal failed', text: 'x' });
    const failed = await waitFor('the last attempt', () => logEntries().find((e) => e.webhookId === id && e.msg === 'webhook delivery failed'));
    expect(failed).toMatchObject({ attempt: WEBHOOK_ATTEMPTS, reason: 'no answer (ECONNREFUSED)' });
    expect(logEntries().filter((e) => e.deliveryId === failed.deliveryId && e.msg === 'webhook delivery attempt failed; it will be retried')).toHaveLength(WEBHOOK_ATTEMPTS - 1);
  });

  it('sends nothing to a webhook not subscribed to the event, nor to a disabled one', async () => {
    const other = await createWebhook({ url: receiver.script('/other-event', [200]), events: ['breaker.opened'] });
    const disabled = await createWebhook({ url: receiver.script('/disabled', [200]), events: ['execution.failed'], enabled: false });
    const control = await createWebhook({ url: receiver.script('/control', [200]), events: ['execution.failed'] });
    // Enabled and subscribed when queued, disabled before delivery: skipped by the worker.
    const late = await createWebhook({ url: receiver.script('/late', [200]), events: ['execution.failed'] });
    await worker.close();
    try {
      await t.runtime.notifier.notify({ event: 'execution.failed', title: 'Heal failed', text: 'y' });
      await request(t.runtime.app).patch(`/api/v1/webhooks/${late.id}`).set(t.auth('admin')).send({ enabled: false }).expect(200);
      // Older webhooks of this file take execution.failed too: look at this test's four only.
      const mine = new Set([other.id, disabled.id, control.id, late.id]);
      const queued = (await queue.getJobs(['waiting', 'prioritized'])).map((j) => j.data.webhookId).filter((id) => mine.has(id));
      expect(queued.sort()).toEqual([control.id, late.id].sort());
    } finally {
      worker = startWebhookWorker({ orm: t.runtime.orm, secrets: t.runtime.secrets, connection: { url: REDIS_URL }, prefix: t.webhookPrefix, logger: t.runtime.logger, timeoutMs: 500 });
    }
    await waitFor('the control delivery', () => logEntries().find((e) => e.webhookId === control.id && e.msg === 'webhook delivered'));
    const skipped = await waitFor('the late skip', () => logEntries().find((e) => e.webhookId === late.id && e.msg === 'webhook delivery skipped'));
    expect(skipped.reason).toBe('the webhook no longer takes this event');
    expect(receiver.at('/control')).toHaveLength(1);
    for (const path of ['/other-event', '/disabled', '/late']) expect(receiver.at(path), path).toHaveLength(0);
  });

  it('POST /webhooks/:id/test queues a test delivery, even to a disabled webhook', async () => {
    const { id, secret } = await createWebhook({ url: receiver.script('/test-me', [200]), events: ['breaker.opened'], enabled: false });
    const res = await request(t.runtime.app).post(`/api/v1/webhooks/${id}/test`).set(t.auth('admin')).expect(202);
    expect(res.body).toEqual({ deliveryId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    await settled(res.body.deliveryId, 'webhook delivered');
    const [got] = receiver.at('/test-me');
    expect(got!.headers['x-healer-event']).toBe('webhook.test');
    expect(got!.headers['x-healer-delivery']).toBe(res.body.deliveryId);
    expect(JSON.parse(got!.body).text).toMatch(/^Healer test: /);
    expect(verifyWebhookSignature(secret, got!.headers['x-healer-timestamp'] as string, got!.body, got!.headers['x-healer-signature'] as string)).toBe(true);
    const audit = await request(t.runtime.app).get('/api/v1/audit?action=webhook.test').set(t.auth('admin')).expect(200);
    expect(audit.body.items[0]).toMatchObject({ target: `webhook:${id}`, details: { deliveryId: res.body.deliveryId } });
  });

  it('rejects promptly, instead of hanging, when Redis does not answer', async () => {
    await createWebhook({ url: receiver.script('/redis-down', [200]), events: ['breaker.opened'] });
    const notifier = new Notifier({ orm: t.runtime.orm, connection: { url: await closedPortUrl('redis'), maxRetriesPerRequest: 1, connectTimeout: 1_000 }, prefix: t.webhookPrefix });
    try {
      const started = Date.now();
      await expect(notifier.notify({ event: 'breaker.opened', title: 'Breaker opened', text: 'z' })).rejects.toThrow(/max retries per request/);
      await expect(notifier.sendTest({ id: '00000000-0000-4000-8000-000000000000', name: 'x' })).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(8_000);
    } finally {
      await notifier.close();
    }
  });

  it('never logs a webhook secret, nor the path of a webhook URL', () => {
    expect(secrets.length).toBeGreaterThan(5);
    const text = t.logs.text();
    expect(text).toContain('webhook delivered');
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toContain('path-token');
  });
});
