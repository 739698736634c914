/** The WordPress checks, and the helpers other parts of the plugin (and the lead's CLI/SDK wiring) use. */
import type { DiagnosticCheck } from '@healer/core';
import type { WordpressConfig } from '../config.js';
import { availabilityCheck } from './availability.js';
import { coreIntegrityCheck } from './core-integrity.js';
import { databaseConnectionCheck, tablesNeedRepairCheck } from './database.js';
import { debugSettingsCheck } from './debug-settings.js';
import { htaccessCheck } from './htaccess.js';
import { maintenanceStuckCheck } from './maintenance.js';
import { autoloadSizeCheck, cronEventsCheck, searchEnginesBlockedCheck } from './options.js';
import { permissionsCheck } from './permissions.js';
import { fatalErrorsCheck, memoryExhaustedCheck } from './php-logs.js';
import { phpVersionCheck } from './php-version.js';
import { malwarePatternsCheck, phpInUploadsCheck } from './suspicious-files.js';
import type { WpMetadata } from '../types.js';

export { recordBaseline, baselinePath, hashCoreFiles, BASELINE_SETTING } from './core-integrity.js';
export type { CoreBaseline } from './core-integrity.js';
export { standardHtaccessRules, analyzeHtaccess } from './htaccess.js';
export type { HtaccessAnalysis } from './htaccess.js';
export { parseMaintenanceFile, MAINTENANCE_WINDOW_S } from './maintenance.js';
export { ACTION, WHITE_SCREEN_LADDER } from './shared.js';

/** Every WordPress check, in report order: is the site up, why not, then security, performance and configuration. */
export const wordpressChecks: DiagnosticCheck<WordpressConfig, WpMetadata>[] = [
  availabilityCheck,
  fatalErrorsCheck,
  memoryExhaustedCheck,
  maintenanceStuckCheck,
  databaseConnectionCheck,
  tablesNeedRepairCheck,
  debugSettingsCheck,
  phpInUploadsCheck,
  malwarePatternsCheck,
  permissionsCheck,
  coreIntegrityCheck,
  autoloadSizeCheck,
  cronEventsCheck,
  searchEnginesBlockedCheck,
  phpVersionCheck,
  htaccessCheck,
];
