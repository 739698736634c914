/**
 * Request and response schemas. They validate every request and generate
 * the OpenAPI document (`.meta({ id })` names the reusable components).
 */
import { z } from 'zod';
import { APP_MODES, AUTH_KINDS, HEALTH_STATUSES, ROLES, WEBHOOK_EVENTS } from '../db/entities.js';

// ---- shared

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
    requestId: z.string(),
  })
  .meta({ id: 'Error' });

export const IdParamsSchema = z.strictObject({ id: z.uuid() });

export const MAX_PAGE_SIZE = 100;
export const PageQuerySchema = z.strictObject({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(25),
});

type PageQuery = z.output<typeof PageQuerySchema>;

/** The rows a page query asks for. */
export function pageWindow(query: PageQuery): { limit: number; offset: number } {
  return { limit: query.pageSize, offset: (query.page - 1) * query.pageSize };
}

/** The body of a page: its items as views, where it is, and how many there are in all. */
export function pageBody<T, V>(query: PageQuery, [rows, total]: [T[], number], view: (row: T) => V) {
  return { items: rows.map(view), page: query.page, pageSize: query.pageSize, total };
}

export function pageOf<T extends z.ZodType>(item: T, id: string) {
  return z.object({ items: z.array(item), page: z.number().int(), pageSize: z.number().int(), total: z.number().int() }).meta({ id });
}

const queryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');
const timestamp = z.iso.datetime();

// ---- servers

/** A DNS name or an IP address; never starts with "-" (it would read as an ssh option). */
const HostSchema = z.union([
  z.ipv4(),
  z.ipv6(),
  z
    .string()
    .max(253)
    .regex(/^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/, 'must be a host name or an IP address'),
], { error: 'must be a host name or an IP address' });
const UserSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, 'must be a POSIX user name (letters, digits, "_", ".", "-"; at most 32)');
const PortSchema = z.number().int().min(1).max(65535);
/** OpenSSH's form: `SHA256:` and the unpadded base64 of the 32-byte digest. */
export const FingerprintSchema = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must look like SHA256:<43 base64 characters>');
const ServerNameSchema = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." or "-"');

export const ServerAuthSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('password'), password: z.string().min(1).max(1024) }),
    z.strictObject({
      kind: z.literal('key'),
      privateKey: z.string().max(16_384).regex(/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, 'must be a PEM or OpenSSH private key'),
      passphrase: z.string().max(1024).optional(),
    }),
    z.strictObject({ kind: z.literal('agent') }),
  ])
  .meta({ id: 'ServerAuth', description: 'How to log in. Secrets are write-only: stored encrypted, never returned.' });

export const ServerCreateSchema = z
  .strictObject({
    name: ServerNameSchema,
    host: HostSchema,
    port: PortSchema.default(22),
    user: UserSchema,
    auth: ServerAuthSchema,
    hostKeyFingerprint: FingerprintSchema.nullable().optional(),
  })
  .meta({ id: 'ServerCreate' });

export const ServerPatchSchema = z
  .strictObject({
    name: ServerNameSchema.optional(),
    host: HostSchema.optional(),
    port: PortSchema.optional(),
    user: UserSchema.optional(),
    auth: ServerAuthSchema.optional(),
    hostKeyFingerprint: FingerprintSchema.nullable().optional(),
  })
  .meta({ id: 'ServerPatch' });

export const ServerSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    host: z.string(),
    port: z.number().int(),
    user: z.string(),
    authKind: z.enum(AUTH_KINDS),
    hasSecret: z.boolean(),
    hostKeyFingerprint: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Server' });

// ---- applications

const CommandNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'lower-case letters, digits and "-"');
/** Settings that make Healer reach or run something: changing them needs healer.configure. */
export const PRIVILEGED_SETTINGS = ['url', 'commands'] as const;
export const AppSettingsPatchSchema = z
  .looseObject({
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).nullable().optional(),
    commands: z.record(CommandNameSchema, z.array(z.string().min(1).max(4096)).min(1).max(256)).nullable().optional(),
    /** Seconds between scheduled checks of this app (0: none); null goes back to the server's default. */
    checkIntervalSeconds: z.int().min(0).max(86_400).nullable().optional(),
  })
  .meta({ id: 'AppSettingsPatch', description: 'Merged into the settings; a null value removes the key.' });

export const AppPatchSchema = z
  .strictObject({
    mode: z.enum(APP_MODES).optional(),
    enabled: z.boolean().optional(),
    settings: AppSettingsPatchSchema.optional(),
  })
  .meta({ id: 'ApplicationPatch' });

export const APP_SORTS = ['path', '-path', 'healthScore', '-healthScore', 'lastCheckAt', '-lastCheckAt', 'createdAt', '-createdAt'] as const;
export const AppListQuerySchema = PageQuerySchema.extend({
  server: z.uuid().optional(),
  stack: z.string().min(1).max(64).optional(),
  healthStatus: z.enum(HEALTH_STATUSES).optional(),
  mode: z.enum(APP_MODES).optional(),
  enabled: queryBoolean.optional(),
  sort: z.enum(APP_SORTS).default('path'),
});

export const ApplicationSchema = z
  .object({
    id: z.uuid(),
    serverId: z.uuid(),
    path: z.string(),
    stack: z.string(),
    version: z.string().nullable(),
    confidence: z.number().nullable(),
    healthStatus: z.enum(HEALTH_STATUSES),
    healthScore: z.number().int().nullable(),
    lastCheckAt: timestamp.nullable(),
    mode: z.enum(APP_MODES),
    enabled: z.boolean(),
    settings: z.record(z.string(), z.unknown()),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Application' });

// ---- breakers

export const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;
export const BREAKER_KINDS = ['app', 'action'] as const;
export const BreakerListQuerySchema = PageQuerySchema.extend({
  state: z.enum(BREAKER_STATES).optional(),
  kind: z.enum(BREAKER_KINDS).optional(),
  application: z.uuid().optional(),
});

export const BreakerSchema = z
  .object({
    key: z.string().meta({ description: '`app:<appId>` or `action:<appId>:<actionId>`' }),
    kind: z.enum(BREAKER_KINDS),
    appId: z.string().meta({ description: "Core's id of the application, as executions and backups carry it" }),
    applicationId: z.uuid().nullable().meta({ description: 'The application row, when one has that core id' }),
    actionId: z.string().nullable(),
    state: z.enum(BREAKER_STATES).meta({ description: 'As of now: an open circuit whose cooldown has passed is half-open' }),
    failures: z.number().int().meta({ description: 'Consecutive failures' }),
    attempts: z.number().int().meta({ description: 'Heal attempts inside the window' }),
    openedAt: timestamp.nullable().meta({ description: 'When the failure that opened the circuit was recorded; null when closed or while a half-open trial runs' }),
    until: timestamp.nullable().meta({ description: 'When an open circuit turns half-open, or a half-open trial lets go; null when closed' }),
    demotedTo: z.enum(APP_MODES).nullable().meta({ description: "The mode repeated failures lowered the app to, until a reset" }),
    updatedAt: timestamp.nullable(),
  })
  .meta({ id: 'Breaker' });

export const ApplicationBreakerSchema = z
  .object({
    applicationId: z.uuid(),
    appId: z.string(),
    allowed: z.boolean().meta({ description: 'Whether the app\'s own circuit lets a heal start now' }),
    state: z.enum(BREAKER_STATES),
    reason: z.string(),
    nextAttemptAt: timestamp.nullable(),
    blockedBy: z.string().nullable(),
    app: BreakerSchema.nullable(),
    actions: z.array(BreakerSchema),
  })
  .meta({ id: 'ApplicationBreaker' });

export const BreakerResetSchema = z.strictObject({ reason: z.string().min(1).max(500).optional() }).meta({ id: 'BreakerReset' });

// ---- backups

export const BackupListQuerySchema = PageQuerySchema.extend({
  application: z.uuid().optional(),
  execution: z.string().min(1).max(200).optional(),
});

export const BackupSchema = z
  .object({
    id: z.string(),
    applicationId: z.uuid().nullable(),
    appId: z.string().nullable(),
    executionId: z.string().nullable(),
    actionId: z.string().nullable(),
    host: z.string().nullable(),
    appRoot: z.string().nullable(),
    location: z.string().meta({ description: 'The folder holding the artifacts on the target' }),
    roots: z.array(z.string()).meta({ description: 'The paths backed up (folders are whole trees)' }),
    fileCount: z.number().int(),
    totalBytes: z.number().int(),
    parts: z.array(z.object({ name: z.string(), plugin: z.string(), fileCount: z.number().int() })),
    verified: z.boolean().meta({ description: 'What the action left was recorded after it was verified' }),
    createdAt: timestamp,
    expiresAt: timestamp.nullable(),
    prunedAt: timestamp.nullable(),
  })
  .meta({ id: 'Backup', description: 'A backup\'s index entry: names and sizes, never contents, hashes or plugin data.' });

// ---- plugins

export const PluginParamsSchema = z.strictObject({ name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a plugin name') });
export const PluginPatchSchema = z
  .strictObject({ enabled: z.boolean().optional(), config: z.record(z.string(), z.unknown()).optional() })
  .meta({ id: 'PluginPatch' });
export const PluginSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    description: z.string().nullable(),
    stacks: z.array(z.string()),
    enabled: z.boolean(),
    config: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Plugin' });

export const PluginListSchema = z.object({ items: z.array(PluginSchema) }).meta({ id: 'PluginList' });

// ---- tokens

export const TokenCreateSchema = z
  .strictObject({ name: z.string().min(1).max(100), role: z.enum(ROLES) })
  .meta({ id: 'TokenCreate' });
export const TokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: z.enum(ROLES),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: 'Token' });
export const TokenCreatedSchema = TokenSchema.extend({
  token: z.string().meta({ description: 'The bearer token. Shown this once; only its hash is kept.' }),
}).meta({ id: 'TokenCreated' });
export const TokenListQuerySchema = PageQuerySchema.extend({ includeRevoked: queryBoolean.default(false) });

// ---- audit

export const AuditListQuerySchema = PageQuerySchema.extend({ action: z.string().max(100).optional() });
export const AuditEventSchema = z
  .object({
    id: z.string(),
    actorTokenId: z.string().nullable(),
    actorName: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    requestId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    at: timestamp,
  })
  .meta({ id: 'AuditEvent' });

// ---- webhooks

const WebhookUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048)
  .refine((url) => { const u = new URL(url); return u.username === '' && u.password === ''; }, 'must not hold a user name or password');
const WebhookSecretSchema = z
  .string()
  .min(16, 'at least 16 characters')
  .max(1024)
  .meta({ description: 'The HMAC-SHA256 key of `X-Healer-Signature`. Write-only: stored encrypted, never returned.' });
/** Each event once, in the order given. */
const WebhookEventsSchema = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1)
  .transform((events) => [...new Set(events)]);

export const WebhookCreateSchema = z
  .strictObject({
    name: z.string().min(1).max(100),
    url: WebhookUrlSchema,
    secret: WebhookSecretSchema,
    events: WebhookEventsSchema,
    enabled: z.boolean().default(true),
  })
  .meta({ id: 'WebhookCreate' });

export const WebhookPatchSchema = z
  .strictObject({
    name: z.string().min(1).max(100).optional(),
    url: WebhookUrlSchema.optional(),
    secret: WebhookSecretSchema.optional(),
    events: WebhookEventsSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .meta({ id: 'WebhookPatch', description: 'A new `secret` replaces the stored one.' });

export const WebhookSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    enabled: z.boolean(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Webhook' });

export const WebhookDeliveryQueuedSchema = z
  .object({ deliveryId: z.string().meta({ description: 'Sent as `X-Healer-Delivery`' }) })
  .meta({ id: 'WebhookDeliveryQueued' });

// ---- pages (built once: their ids name OpenAPI components)

export const ServerPageSchema = pageOf(ServerSchema, 'ServerPage');
export const ApplicationPageSchema = pageOf(ApplicationSchema, 'ApplicationPage');
export const TokenPageSchema = pageOf(TokenSchema, 'TokenPage');
export const AuditEventPageSchema = pageOf(AuditEventSchema, 'AuditEventPage');
export const BreakerPageSchema = pageOf(BreakerSchema, 'BreakerPage');
export const BackupPageSchema = pageOf(BackupSchema, 'BackupPage');
export const WebhookPageSchema = pageOf(WebhookSchema, 'WebhookPage');
