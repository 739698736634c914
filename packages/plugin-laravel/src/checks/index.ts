/**
 * The Laravel checks: Laravel's own, plus the PHP checks of
 * `@healer/plugin-php` renamed into `laravel/...` (PHP version and
 * extensions against composer.json, composer.lock and vendor/, php.ini and
 * OPcache as the serving PHP sees them, PHP fatals, PHP-FPM, permissions).
 */
import { appAnswersCheck, checkInNamespace, phpChecks } from '@healer/plugin-php';
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

/** The PHP checks, as `laravel/...`. */
// Every PHP check but app-answers, which laravel/availability takes over.
export const reusedPhpChecks: LaravelCheck[] = phpChecks.filter((c) => c.id !== appAnswersCheck.id).map((c) => checkInNamespace(c, 'laravel'));

/** Laravel's own checks (`laravel/availability` is the PHP plugin's app-answers with Laravel's fixes). */
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

/** Every check of the plugin. */
export const laravelChecks: LaravelCheck[] = [...laravelOwnChecks, ...reusedPhpChecks];
