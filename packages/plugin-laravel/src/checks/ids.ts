/** Check and action ids of the Laravel plugin (part of its public API). */
export const CHECK = {
  availability: 'laravel/availability',
  envMissing: 'laravel/env-missing',
  appKey: 'laravel/app-key',
  debugInProduction: 'laravel/debug-in-production',
  envPublic: 'laravel/env-public',
  storageWritable: 'laravel/storage-writable',
  maintenance: 'laravel/maintenance-mode',
  cacheStale: 'laravel/cache-stale',
  database: 'laravel/database',
  cacheStore: 'laravel/cache-store',
  migrations: 'laravel/pending-migrations',
  failedJobs: 'laravel/failed-jobs',
  queueWorkers: 'laravel/queue-workers',
  queueTimeout: 'laravel/queue-timeout',
  logErrors: 'laravel/log-errors',
} as const;

export const ACTION = {
  up: 'laravel/up',
  rebuildCaches: 'laravel/rebuild-caches',
  optimizeClear: 'laravel/optimize-clear',
  fixStoragePermissions: 'laravel/fix-storage-permissions',
  queueRestart: 'laravel/queue-restart',
  migrate: 'laravel/migrate',
  generateKey: 'laravel/generate-key',
} as const;
