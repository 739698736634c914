/**
 * The server's tables, as MikroORM entity schemas (`defineEntity`: no
 * decorators, no reflect-metadata). Times are `timestamptz`; free-form data
 * is `jsonb`. Literal unions are stored as text.
 */
import { randomUUID } from 'node:crypto';
import { defineEntity, type InferEntity } from '@mikro-orm/core';

export const AUTH_KINDS = ['password', 'key', 'agent'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];
export const HEALTH_STATUSES = ['unknown', 'healthy', 'degraded', 'unhealthy'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];
export const APP_MODES = ['manual', 'supervised', 'auto'] as const;
export type AppMode = (typeof APP_MODES)[number];
export const ROLES = ['admin', 'engineer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];
/** What a webhook can subscribe to. */
export const WEBHOOK_EVENTS = ['execution.escalated', 'execution.failed', 'breaker.opened', 'approval.needed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

const p = defineEntity.properties;
const id = () => p.uuid().primary().onCreate(() => randomUUID());
const now = () => new Date();
/** A text column holding one of `values` (checked by the database). */
const oneOf = <T extends string>(values: readonly T[]) => p.enum<T[]>([...values]);
const createdAt = () => p.datetime().onCreate(now);
const updatedAt = () => p.datetime().onCreate(now).onUpdate(now);

/** A host Healer reaches over SSH. `secret` is sealed by the SecretBox and never leaves the server. */
export const ServerEntity = defineEntity({
  name: 'Server',
  tableName: 'servers',
  properties: {
    id: id(),
    name: p.string().unique(),
    host: p.string(),
    port: p.integer().default(22),
    user: p.string(),
    authKind: oneOf(AUTH_KINDS),
    /** `v1:<keyId>:<iv>:<tag>:<ct>`; null for agent auth. Only the API views are serialized, and they omit it. */
    secret: p.text().nullable(),
    /** Key id of `secret`, kept as a column too so rotation can find old ones. */
    secretKeyId: p.string().nullable(),
    hostKeyFingerprint: p.string().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type Server = InferEntity<typeof ServerEntity>;

/** An application found on a server, identified by its canonical path there. */
export const ApplicationEntity = defineEntity({
  name: 'Application',
  tableName: 'applications',
  properties: {
    id: id(),
    server: () => p.manyToOne(ServerEntity).deleteRule('cascade'),
    path: p.text(),
    stack: p.string(),
    version: p.string().nullable(),
    confidence: p.double().nullable(),
    healthStatus: oneOf(HEALTH_STATUSES).default('unknown'),
    healthScore: p.integer().nullable(),
    lastCheckAt: p.datetime().nullable(),
    mode: oneOf(APP_MODES).default('manual'),
    enabled: p.boolean().default(true),
    settings: p.json<Record<string, unknown>>().default('{}'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  uniques: [{ properties: ['server', 'path'] }],
  indexes: [{ properties: 'stack' }, { properties: 'healthStatus' }],
});
export type Application = InferEntity<typeof ApplicationEntity>;

/** One diagnosis of an application. */
export const DiagnosticRunEntity = defineEntity({
  name: 'DiagnosticRun',
  tableName: 'diagnostic_runs',
  properties: {
    id: id(),
    application: () => p.manyToOne(ApplicationEntity).deleteRule('cascade'),
    status: p.string(),
    score: p.integer().nullable(),
    startedAt: createdAt(),
    finishedAt: p.datetime().nullable(),
    summary: p.json<Record<string, unknown>>().nullable(),
  },
});
export type DiagnosticRun = InferEntity<typeof DiagnosticRunEntity>;

/** One check's result within a diagnostic run. */
export const CheckResultEntity = defineEntity({
  name: 'CheckResult',
  tableName: 'check_results',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    run: () => p.manyToOne(DiagnosticRunEntity).deleteRule('cascade'),
    checkId: p.string(),
    status: p.string(),
    severity: p.string().nullable(),
    category: p.string().nullable(),
    message: p.text(),
    details: p.json<Record<string, unknown>>().nullable(),
    durationMs: p.integer().nullable(),
  },
  uniques: [{ properties: ['run', 'checkId'] }],
});
export type CheckResult = InferEntity<typeof CheckResultEntity>;

/** A heal, rollback or recovery: its id is the one core gives the run. */
export const ExecutionEntity = defineEntity({
  name: 'Execution',
  tableName: 'executions',
  properties: {
    id: p.string().primary(),
    application: () => p.manyToOne(ApplicationEntity).nullable().deleteRule('set null'),
    /** Core's application id (`<host>:<path>`), for listing by application. */
    appId: p.text().nullable(),
    kind: p.string(),
    state: p.string(),
    mode: p.string().nullable(),
    planHash: p.string().nullable(),
    startedAt: createdAt(),
    finishedAt: p.datetime().nullable(),
    /** The whole execution record as core keeps it, for reading back without joins. */
    record: p.json<Record<string, unknown>>().nullable(),
    /** What the API was asked (mode, approval), for a heal it queued. */
    request: p.json<Record<string, unknown>>().nullable(),
  },
  indexes: [{ properties: 'state' }, { properties: ['startedAt', 'id'] }, { properties: 'appId' }, { properties: ['application', 'state'] }],
});
export type Execution = InferEntity<typeof ExecutionEntity>;

/** The append-only timeline of an execution: rows are inserted, never updated. */
export const TimelineEventEntity = defineEntity({
  name: 'TimelineEvent',
  tableName: 'timeline_events',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    execution: () => p.manyToOne(ExecutionEntity).deleteRule('cascade'),
    seq: p.integer(),
    type: p.string(),
    at: p.datetime(),
    data: p.json<Record<string, unknown>>(),
  },
  uniques: [{ properties: ['execution', 'seq'] }],
});
export type TimelineEvent = InferEntity<typeof TimelineEventEntity>;

/** A backup's index entry; the artifacts live on the target. */
export const BackupEntity = defineEntity({
  name: 'Backup',
  tableName: 'backups',
  properties: {
    id: p.string().primary(),
    execution: () => p.manyToOne(ExecutionEntity).nullable().deleteRule('set null'),
    application: () => p.manyToOne(ApplicationEntity).nullable().deleteRule('set null'),
    /** Core's application id (`<host>:<path>`), for listing by application. */
    appId: p.text().nullable(),
    actionId: p.string().nullable(),
    location: p.text(),
    manifest: p.json<Record<string, unknown>>(),
    createdAt: createdAt(),
    expiresAt: p.datetime().nullable(),
    prunedAt: p.datetime().nullable(),
  },
});
export type Backup = InferEntity<typeof BackupEntity>;

/** A plugin's server-wide switch and configuration. */
export const PluginSettingEntity = defineEntity({
  name: 'PluginSetting',
  tableName: 'plugin_settings',
  properties: {
    name: p.string().primary(),
    enabled: p.boolean().default(true),
    config: p.json<Record<string, unknown>>().default('{}'),
    updatedAt: updatedAt(),
  },
});
export type PluginSetting = InferEntity<typeof PluginSettingEntity>;

/** An API token: only its sha256 is stored; the token itself is shown once. */
export const ApiTokenEntity = defineEntity({
  name: 'ApiToken',
  tableName: 'api_tokens',
  properties: {
    id: id(),
    name: p.string(),
    role: oneOf(ROLES),
    hash: p.string().unique(),
    lastUsedAt: p.datetime().nullable(),
    createdAt: createdAt(),
    revokedAt: p.datetime().nullable(),
  },
});
export type ApiToken = InferEntity<typeof ApiTokenEntity>;

/** Who changed what, and through which request. Append-only. */
export const AuditEventEntity = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_events',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    actorTokenId: p.uuid().nullable(),
    actorName: p.string(),
    action: p.string(),
    target: p.string().nullable(),
    requestId: p.string().nullable(),
    details: p.json<Record<string, unknown>>().default('{}'),
    at: createdAt(),
  },
  indexes: [{ properties: 'at' }],
});
export type AuditEvent = InferEntity<typeof AuditEventEntity>;

/** A circuit breaker's record (per application, per action), as core's breaker machine keeps it. */
export const BreakerEntity = defineEntity({
  name: 'Breaker',
  tableName: 'breakers',
  properties: {
    /** `app:<appId>` or `action:<appId>:<actionId>`: as long as a path can be. */
    key: p.text().primary(),
    record: p.json<Record<string, unknown>>(),
    updatedAt: updatedAt(),
  },
});
export type Breaker = InferEntity<typeof BreakerEntity>;

/** A lease on a target; `token` is the fencing token, increasing with every acquisition of the key. */
export const LockEntity = defineEntity({
  name: 'Lock',
  tableName: 'locks',
  properties: {
    /** `app:<appId>`, `execution:<id>`...: as long as a path can be. */
    key: p.text().primary(),
    token: p.bigint('string'),
    /** `{ pid, hostname, purpose? }` of the holder; null once released. */
    owner: p.json<Record<string, unknown>>().nullable(),
    /** The lease end, by the database clock; null once released (the row stays: it keeps the last token). */
    expiresAt: p.datetime().nullable(),
  },
});
export type Lock = InferEntity<typeof LockEntity>;

/** A measured reference value of an application (response time, plugin list...), one per (appId, name). */
export const BaselineEntity = defineEntity({
  name: 'Baseline',
  tableName: 'baselines',
  properties: {
    appId: p.text().primary(),
    name: p.text().primary(),
    value: p.json<unknown>(),
    updatedAt: updatedAt(),
  },
});
export type Baseline = InferEntity<typeof BaselineEntity>;

/** Where notifications are POSTed. `secret` (the HMAC key of the signatures) is sealed by the SecretBox and never leaves the server. */
export const WebhookEntity = defineEntity({
  name: 'Webhook',
  tableName: 'webhooks',
  properties: {
    id: id(),
    name: p.string().unique(),
    /** http(s) only (checked by the API). */
    url: p.text(),
    /** `v1:<keyId>:<iv>:<tag>:<ct>`. Only the API views are serialized, and they omit it. */
    secret: p.text(),
    /** Key id of `secret`, kept as a column too so rotation can find old ones. */
    secretKeyId: p.string(),
    /** The events it is sent (`text[]`). */
    events: p.array<WebhookEvent>((v) => v as WebhookEvent),
    enabled: p.boolean().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type Webhook = InferEntity<typeof WebhookEntity>;

export const ENTITIES = [
  ServerEntity,
  ApplicationEntity,
  DiagnosticRunEntity,
  CheckResultEntity,
  ExecutionEntity,
  TimelineEventEntity,
  BackupEntity,
  PluginSettingEntity,
  ApiTokenEntity,
  AuditEventEntity,
  BreakerEntity,
  LockEntity,
  BaselineEntity,
  WebhookEntity,
];
