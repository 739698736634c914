/**
 * Webhook notifications. {@link Notifier.notify} queues one BullMQ job per
 * enabled webhook subscribed to the event; the delivery worker
 * ({@link startWebhookWorker}) POSTs a Slack-compatible, signed JSON body and
 * retries with exponential backoff. Jobs hold the notification and the
 * webhook's id only: the URL and the secret are read (and the secret
 * unsealed) at delivery time, so neither sits in Redis, and a webhook
 * changed or removed meanwhile is honoured.
 */
import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';
import type { Logger } from 'pino';
import { WebhookEntity, type WebhookEvent } from '../db/entities.js';
import type { Orm } from '../db/orm.js';
import type { SecretBox } from '../secrets.js';
import { SERVER_VERSION } from '../version.js';
import { signWebhookPayload } from './signature.js';

/** The BullMQ queue deliveries go through. */
export const WEBHOOK_QUEUE = 'healer-webhooks';
/** The event of a test delivery (`POST /webhooks/:id/test`); not one a webhook subscribes to. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';
export type WebhookDeliveryEvent = WebhookEvent | typeof WEBHOOK_TEST_EVENT;
/** Tries per delivery, the first included. */
export const WEBHOOK_ATTEMPTS = 6;

/** Something worth telling people about. */
export interface Notification {
  event: WebhookEvent;
  /** Short, e.g. `Heal escalated`. */
  title: string;
  /** One or two sentences. The message is `<title>: <text>`. */
  text: string;
  applicationId?: string;
  executionId?: string;
  /** Extra JSON for receivers that read `healer.details`. Never a secret. */
  details?: Record<string, unknown>;
}

/** A queued delivery to one webhook. */
export interface WebhookJobData {
  webhookId: string;
  event: WebhookDeliveryEvent;
  title: string;
  text: string;
  applicationId: string | null;
  executionId: string | null;
  details: Record<string, unknown>;
  /** When the notification was raised (ISO 8601); the same on every attempt. */
  at: string;
}

export interface WebhookQueueOptions {
  /**
   * Redis: ioredis options, `{ url }`, or an ioredis instance. The worker
   * blocks on its connection, so an instance given to it needs
   * `maxRetriesPerRequest: null`.
   */
  connection: ConnectionOptions;
  /** Prefix of the queue's Redis keys (tests use their own). Default BullMQ's `bull`. */
  prefix?: string;
}

export interface NotifierOptions extends WebhookQueueOptions {
  orm: Orm;
  /** First retry delay in ms; each next one doubles. Default 30 000 (the sixth try about 15 minutes after the first). */
  backoffDelayMs?: number;
  logger?: Logger;
}

/** Queues webhook deliveries. Opens its Redis connection on first use; {@link Notifier.close} closes it. */
export class Notifier {
  readonly #options: NotifierOptions;
  #queue: Queue<WebhookJobData> | undefined;

  constructor(options: NotifierOptions) {
    this.#options = options;
  }

  /** The queue's key prefix: the delivery worker must use the same one. */
  get prefix(): string | undefined {
    return this.#options.prefix;
  }

  /**
   * Queues one delivery per enabled webhook subscribed to `n.event`.
   * Resolves once they are queued, not delivered; rejects when PostgreSQL or
   * Redis cannot be reached (a caller on a heal path should catch that).
   * How soon depends on the connection's `maxRetriesPerRequest` (the
   * runtime's notifier uses 1: about a second).
   */
  async notify(n: Notification): Promise<void> {
    const hooks = await this.#options.orm.em.fork().find(WebhookEntity, { enabled: true, events: { $contains: [n.event] } }, { fields: ['id'] });
    if (hooks.length === 0) return;
    const at = new Date().toISOString();
    const jobs = hooks.map((hook) => {
      const data: WebhookJobData = {
        webhookId: hook.id,
        event: n.event,
        title: n.title,
        text: n.text,
        applicationId: n.applicationId ?? null,
        executionId: n.executionId ?? null,
        details: n.details ?? {},
        at,
      };
      return { name: n.event, data, opts: this.#jobOptions() };
    });
    await this.#queueOf().addBulk(jobs);
    this.#options.logger?.debug({ event: n.event, webhooks: hooks.map((h) => h.id) }, 'webhook deliveries queued');
  }

  /** Queues a test delivery to one webhook, enabled or not; returns its delivery id. */
  async sendTest(webhook: { id: string; name: string }): Promise<string> {
    const data: WebhookJobData = {
      webhookId: webhook.id,
      event: WEBHOOK_TEST_EVENT,
      title: 'Healer test',
      text: `webhook "${webhook.name}" is reachable`,
      applicationId: null,
      executionId: null,
      details: {},
      at: new Date().toISOString(),
    };
    const job = await this.#queueOf().add(WEBHOOK_TEST_EVENT, data, this.#jobOptions());
    return job.id!;
  }

  async close(): Promise<void> {
    const queue = this.#queue;
    this.#queue = undefined;
    await queue?.close();
  }

  #jobOptions(): JobsOptions {
    return {
      // The job id is the delivery id receivers see: unique, not a per-queue counter.
      jobId: randomUUID(),
      attempts: WEBHOOK_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.#options.backoffDelayMs ?? 30_000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600, count: 1000 },
    };
  }

  #queueOf(): Queue<WebhookJobData> {
    if (!this.#queue) {
      const { connection, prefix, logger } = this.#options;
      // Not waiting for the connection to be ready: with `maxRetriesPerRequest` set, a Redis that is down rejects
      // the enqueue instead of holding it (and an API request) until Redis is back.
      this.#queue = new Queue<WebhookJobData>(WEBHOOK_QUEUE, { connection, skipWaitingForReady: true, ...(prefix ? { prefix } : {}) });
      this.#queue.on('error', (err: Error & { code?: string }) => logger?.warn({ code: err.code, err: err.message }, 'webhook queue error'));
    }
    return this.#queue;
  }
}

export interface WebhookWorkerOptions extends WebhookQueueOptions {
  orm: Orm;
  secrets: SecretBox;
  logger?: Logger;
  /** How long a receiver has to answer, in ms. Default 10 000. */
  timeoutMs?: number;
  /** Deliveries in flight at once. Default 4. */
  concurrency?: number;
}

/** A running delivery worker. */
export interface WebhookWorker {
  /** Stops taking jobs and waits for the deliveries in flight. */
  close(): Promise<void>;
}

/** Slack reads `&`, `<` and `>` as markup (`<!channel>`, links): escape them, as it asks. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The JSON body of a delivery: Slack's `text`, and the details under `healer`. @internal */
export function webhookBody(data: WebhookJobData, deliveryId: string): string {
  const { event, applicationId, executionId, details, at } = data;
  return JSON.stringify({ text: escapeSlack(`${data.title}: ${data.text}`), healer: { event, applicationId, executionId, details, deliveryId, at } });
}

/** Why a request got no answer, without the URL (it may carry a token in its path). */
function describeFailure(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError') return 'no answer in time';
  return `no answer (${e?.cause?.code ?? e?.name ?? 'error'})`;
}

type DeliveryResult = { status: number } | { skipped: string };

async function deliver(job: Job<WebhookJobData>, options: WebhookWorkerOptions): Promise<DeliveryResult> {
  const { data } = job;
  const hook = await options.orm.em.fork().findOne(WebhookEntity, { id: data.webhookId });
  if (!hook) return { skipped: 'the webhook was removed' };
  if (data.event !== WEBHOOK_TEST_EVENT && (!hook.enabled || !hook.events.includes(data.event))) return { skipped: 'the webhook no longer takes this event' };
  let secret: string;
  try {
    secret = options.secrets.decrypt(hook.secret);
  } catch (err) {
    throw new UnrecoverableError(`the webhook secret cannot be unsealed: ${(err as Error).message}`);
  }
  const deliveryId = job.id!;
  const body = webhookBody(data, deliveryId);
  const timestamp = String(Math.floor(Date.now() / 1000));
  let res: Response;
  try {
    res = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': `healer-server/${SERVER_VERSION}`,
        'X-Healer-Event': data.event,
        'X-Healer-Delivery': deliveryId,
        'X-Healer-Timestamp': timestamp,
        'X-Healer-Signature': signWebhookPayload(secret, timestamp, body),
      },
      body,
      // A redirect is not followed (it could lead the signed body anywhere); it counts as a failure.
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (err) {
    throw new Error(describeFailure(err));
  }
  // The answer's body is not needed: release the connection.
  await res.body?.cancel().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return { status: res.status };
  const retryable = res.status < 400 || res.status >= 500 || res.status === 408 || res.status === 429;
  const message = `the receiver answered ${res.status}`;
  throw retryable ? new Error(message) : new UnrecoverableError(message);
}

/**
 * Starts the delivery worker: a 2xx answer is a delivery; a network error,
 * a timeout, a 3xx, 408, 429 or 5xx is tried again (up to
 * {@link WEBHOOK_ATTEMPTS} tries in all); any other 4xx fails at once.
 * Logs name the webhook, the delivery and the event, never the secret or
 * the URL (a Slack URL's path is a credential).
 */
export function startWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const { logger } = options;
  const worker = new Worker<WebhookJobData, DeliveryResult>(WEBHOOK_QUEUE, (job) => deliver(job, options), {
    connection: options.connection,
    concurrency: options.concurrency ?? 4,
    ...(options.prefix ? { prefix: options.prefix } : {}),
  });
  const about = (job: Job<WebhookJobData>) => ({ webhookId: job.data.webhookId, deliveryId: job.id, event: job.data.event, attempt: job.attemptsMade });
  worker.on('completed', (job, result) => {
    if ('skipped' in result) logger?.info({ ...about(job), reason: result.skipped }, 'webhook delivery skipped');
    else logger?.info({ ...about(job), status: result.status }, 'webhook delivered');
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (final) logger?.warn({ ...about(job), reason: err.message }, 'webhook delivery failed');
    else logger?.info({ ...about(job), reason: err.message }, 'webhook delivery attempt failed; it will be retried');
  });
  worker.on('error', (err: Error & { code?: string }) => logger?.warn({ code: err.code, err: err.message }, 'webhook worker error'));
  return { close: () => worker.close() };
}
