/** `/webhooks` (admin): where notifications go. The signing secret is write-only. */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { z } from 'zod';
import { WebhookEntity, type Webhook } from '../db/entities.js';
import { ApiError } from '../errors.js';
import { recordAudit } from '../http/audit.js';
import { defineRoute } from '../http/route.js';
import type { Notifier } from '../notify/webhooks.js';
import type { SecretBox } from '../secrets.js';
import {
  IdParamsSchema,
  PageQuerySchema,
  WebhookCreateSchema,
  WebhookDeliveryQueuedSchema,
  WebhookPageSchema,
  WebhookPatchSchema,
  WebhookSchema,
  pageBody,
  pageWindow,
} from '../api/schemas.js';

export function toWebhookView(w: Webhook): z.input<typeof WebhookSchema> {
  return {
    id: w.id,
    name: w.name,
    url: w.url,
    events: [...w.events],
    enabled: w.enabled,
    createdAt: w.createdAt.toISOString(),
    updatedAt: w.updatedAt.toISOString(),
  };
}

/** What the audit log keeps of a URL: its origin (a Slack URL's path is a credential). */
function originOf(url: string): string {
  return new URL(url).origin;
}

async function findWebhook(em: EntityManager, id: string): Promise<Webhook> {
  const webhook = await em.findOne(WebhookEntity, { id });
  if (!webhook) throw new ApiError('NOT_FOUND', `No webhook ${id}`);
  return webhook;
}

/** The routes. Without a `notifier` (only to describe the API), a test delivery cannot be queued. */
export function webhookRoutes(deps: { secrets: SecretBox; notifier?: Notifier | undefined }) {
  const tag = 'webhooks';
  const seal = (secret: string) => ({ secret: deps.secrets.encrypt(secret), secretKeyId: deps.secrets.currentKeyId });
  return [
    defineRoute({
      method: 'get',
      path: '/webhooks',
      tag,
      summary: 'List webhooks (never their secrets)',
      permission: 'healer.admin',
      request: { query: PageQuerySchema },
      responses: { 200: { description: 'A page of webhooks', schema: WebhookPageSchema } },
      async handle({ req, query }) {
        const found = await req.em.findAndCount(WebhookEntity, {}, { orderBy: { name: 'asc' }, ...pageWindow(query) });
        return { body: pageBody(query, found, toWebhookView) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/webhooks',
      tag,
      summary: 'Add a webhook',
      permission: 'healer.admin',
      request: { body: WebhookCreateSchema },
      responses: { 201: { description: 'The webhook (without its secret)', schema: WebhookSchema } },
      async handle({ req, body }) {
        const webhook = req.em.create(WebhookEntity, {
          id: randomUUID(),
          name: body.name,
          url: body.url,
          events: body.events,
          enabled: body.enabled,
          ...seal(body.secret),
        });
        recordAudit(req, 'webhook.create', `webhook:${webhook.id}`, { name: body.name, origin: originOf(body.url), events: body.events, enabled: body.enabled });
        await req.em.flush();
        return { status: 201, body: toWebhookView(webhook) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/webhooks/:id',
      tag,
      summary: 'Get a webhook',
      permission: 'healer.admin',
      request: { params: IdParamsSchema },
      responses: { 200: { description: 'The webhook (without its secret)', schema: WebhookSchema } },
      async handle({ req, params }) {
        return { body: toWebhookView(await findWebhook(req.em, params.id)) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/webhooks/:id',
      tag,
      summary: 'Change a webhook; a new `secret` replaces the stored one',
      permission: 'healer.admin',
      request: { params: IdParamsSchema, body: WebhookPatchSchema },
      responses: { 200: { description: 'The webhook (without its secret)', schema: WebhookSchema } },
      async handle({ req, params, body }) {
        const webhook = await findWebhook(req.em, params.id);
        const { secret, ...plain } = body;
        req.em.assign(webhook, Object.fromEntries(Object.entries(plain).filter(([, v]) => v !== undefined)));
        if (secret !== undefined) req.em.assign(webhook, seal(secret));
        const fields = Object.keys(body).filter((k) => body[k as keyof typeof body] !== undefined);
        recordAudit(req, 'webhook.update', `webhook:${webhook.id}`, { fields, ...(body.url ? { origin: originOf(body.url) } : {}) });
        await req.em.flush();
        return { body: toWebhookView(webhook) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/webhooks/:id',
      tag,
      summary: 'Remove a webhook (queued deliveries to it are dropped)',
      permission: 'healer.admin',
      request: { params: IdParamsSchema },
      responses: { 204: { description: 'Removed' } },
      async handle({ req, params }) {
        const webhook = await findWebhook(req.em, params.id);
        req.em.remove(webhook);
        recordAudit(req, 'webhook.delete', `webhook:${webhook.id}`, { name: webhook.name });
        await req.em.flush();
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/webhooks/:id/test',
      tag,
      summary: 'Queue a test delivery (event `webhook.test`), whether the webhook is enabled or not',
      permission: 'healer.admin',
      request: { params: IdParamsSchema },
      responses: { 202: { description: 'Queued; the delivery id is the `X-Healer-Delivery` it is sent with', schema: WebhookDeliveryQueuedSchema } },
      async handle({ req, params }) {
        const webhook = await findWebhook(req.em, params.id);
        if (!deps.notifier) throw new ApiError('INTERNAL', 'Webhook deliveries are not configured');
        const deliveryId = await deps.notifier.sendTest(webhook);
        recordAudit(req, 'webhook.test', `webhook:${webhook.id}`, { deliveryId });
        await req.em.flush();
        return { status: 202, body: { deliveryId } };
      },
    }),
  ];
}
