/** The Laravel checks. */
import { availabilityCheck } from './availability.js';
import { cacheStaleCheck } from './cache-stale.js';
import { cacheStoreCheck, databaseCheck, failedJobsCheck, pendingMigrationsCheck } from './database.js';
import { appKeyCheck, debugInProductionCheck, envMissingCheck } from './env.js';
import { envPublicCheck } from './env-public.js';
import { logErrorsCheck } from './logs.js';
import { maintenanceCheck } from './maintenance.js';
import { queueTimeoutCheck, queueWorkersCheck } from './queue.js';
import type { LaravelCheck } from './shared.js';
import { storageWritableCheck } from './storage.js';

export {
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
};

/** Laravel's own checks. */
export const laravelOwnChecks: LaravelCheck[] = [
  availabilityCheck,
  envMissingCheck,
  appKeyCheck,
  debugInProductionCheck,
  envPublicCheck,
  storageWritableCheck,
  maintenanceCheck,
  cacheStaleCheck,
  databaseCheck,
  cacheStoreCheck,
  pendingMigrationsCheck,
  failedJobsCheck,
  queueWorkersCheck,
  queueTimeoutCheck,
  logErrorsCheck,
];
