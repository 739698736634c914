export { laravelPlugin, PLUGIN_VERSION } from './plugin.js';
export { laravelConfigSchema } from './config.js';
export type { LaravelConfig, LaravelConfigInput } from './config.js';
export type { LaravelMeta, VersionSource } from './types.js';
export { detectLaravel, laravelMeta, versionFromApplication, versionFromArtisan, LARAVEL_DETECT_FILES, VENDOR_APPLICATION } from './detect.js';
export { parseDotenv, readDotenv, envBool, SECRET_NAME } from './dotenv.js';
export { artisanArgv, artisanStep, artisanOutput, parseMigrateStatus } from './artisan.js';
export type { MigrationStatus } from './artisan.js';
export { runProbe, appConfig, loadedConfig, errnoInWords } from './probe.js';
export type { ProbeConfig, ProbeDb, ProbeMode, ProbeOutcome } from './probe.js';
export { findAddress, phpUserOf, builtinServers } from './web.js';
export { canWrite, writableEntries, WRITABLE_DIRS } from './php-access.js';
export type { Entry, UserIds } from './php-access.js';
export { CHECK, ACTION } from './checks/ids.js';
export {
  laravelChecks,
  reusedPhpChecks,
  laravelOwnChecks,
  availabilityCheck,
  appKeyCheck,
  cacheStaleCheck,
  cacheStoreCheck,
  databaseCheck,
  debugInProductionCheck,
  envMissingCheck,
  envPublicCheck,
  failedJobsCheck,
  logErrorsCheck,
  maintenanceCheck,
  pendingMigrationsCheck,
  queueTimeoutCheck,
  queueWorkersCheck,
  storageWritableCheck,
} from './checks/index.js';
export type { LaravelCheck, LaravelCheckContext } from './checks/shared.js';
export { appKeyProblem } from './checks/env.js';
export { looksLikeDotenv } from './checks/env-public.js';
export { parseLaravelLog, parseLaravelLogTime } from './checks/logs.js';
export type { LaravelLogEntry } from './checks/logs.js';
export { parseWorkerCommand, queueWorkers } from './checks/queue.js';
export type { QueueWorker } from './checks/queue.js';
export { staleCaches, CACHES } from './checks/cache-stale.js';
export {
  laravelActions,
  reusedPhpActions,
  laravelOwnActions,
  fixStoragePermissionsAction,
  generateKeyAction,
  migrateAction,
  optimizeClearAction,
  queueRestartAction,
  rebuildCachesAction,
  upAction,
} from './actions/index.js';
export type { LaravelAction, LaravelActionContext, LaravelPlanContext } from './actions/shared.js';
export { laravelBackup, databasePart, connectionOf } from './backup.js';
