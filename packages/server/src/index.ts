export { createApp, apiRoutes } from './app.js';
export type { AppDeps } from './app.js';
export { createRuntime, startApi, createRedis, startRuntimeWorker, notificationFor } from './runtime.js';
export type { Runtime, RuntimeOptions, RunningApi, WorkerRunOptions } from './runtime.js';
export { startWorker } from './jobs/worker.js';
export type { WorkerOptions, RunningWorker, OutcomeListener } from './jobs/worker.js';
export { JobQueues, QUEUES } from './jobs/queues.js';
export type { QueueName } from './jobs/queues.js';
export { Fleet, PublishingStore, eventChannel, targetOf } from './fleet/fleet.js';
export type { FleetOptions } from './fleet/fleet.js';
export { ExecutorPool, hostOf } from './fleet/executors.js';
export { loadConfig } from './config.js';
export type { ServerConfig, LogLevel } from './config.js';
export { ApiError, isApiError, ConfigError } from './errors.js';
export type { ApiErrorCode, Issue } from './errors.js';
export { SecretBox, parseKey } from './secrets.js';
export { openOrm, migrateUp, ormOptions } from './db/orm.js';
export { PostgresStateStore } from './state/postgres-store.js';
export type { PostgresStateStoreOptions } from './state/postgres-store.js';
export type { Orm, OrmOptions } from './db/orm.js';
export {
  ENTITIES,
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
  AUTH_KINDS,
  HEALTH_STATUSES,
  APP_MODES,
  ROLES,
  WEBHOOK_EVENTS,
} from './db/entities.js';
export type {
  Server,
  Application,
  DiagnosticRun,
  CheckResult,
  Execution,
  TimelineEvent,
  Backup,
  PluginSetting,
  ApiToken,
  AuditEvent,
  Breaker,
  Lock,
  Baseline,
  Webhook,
  AuthKind,
  HealthStatus,
  AppMode,
  Role,
  WebhookEvent,
} from './db/entities.js';
export { Notifier, startWebhookWorker, WEBHOOK_QUEUE, WEBHOOK_TEST_EVENT, WEBHOOK_ATTEMPTS } from './notify/webhooks.js';
export type { Notification, NotifierOptions, WebhookWorker, WebhookWorkerOptions, WebhookQueueOptions, WebhookJobData, WebhookDeliveryEvent } from './notify/webhooks.js';
export { verifyWebhookSignature, signWebhookPayload } from './notify/signature.js';
export type { VerifyWebhookOptions } from './notify/signature.js';
export { PERMISSIONS, ROLE_PERMISSIONS, roleHas } from './auth/permissions.js';
export type { Permission } from './auth/permissions.js';
export { createApiToken, hashToken, TOKEN_PREFIX } from './auth/tokens.js';
export { MemoryTokenBucket } from './http/rate-limit.js';
export type { RateLimiter, RateDecision, TokenBucketOptions } from './http/rate-limit.js';
export { RedisTokenBucket } from './http/redis-rate-limit.js';
export type { RedisTokenBucketOptions } from './http/redis-rate-limit.js';
export { validateWithConfigSchema } from './routes/plugins.js';
export type { ServerPlugin, PluginConfigValidator } from './routes/plugins.js';
export { buildOpenApiDocument } from './api/openapi.js';
export { runServerCli } from './cli.js';
export type { ServerCliIo } from './cli.js';
export { SERVER_VERSION } from './version.js';
