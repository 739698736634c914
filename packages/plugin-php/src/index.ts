export { phpPlugin, PLUGIN_VERSION } from './plugin.js';
export { phpConfigSchema, phpRuntimeConfigShape, composerEnvOf, composerSecrets } from './config.js';
export type { PhpConfig, PhpConfigInput, PhpRuntimeConfig } from './config.js';
export type { PhpAppMeta } from './types.js';
export { detectPhpApp, readPhpApp, readComposerJson, isLaravelApp, isWordpressSite, phpMeta, SIGNATURES, DETECT_FILES, CONFIDENCE } from './detect.js';
export {
  composerContentHash,
  composerFileHash,
  lockIsFresh,
  parseComposerJson,
  parseComposerLock,
  parseInstalledJson,
  vendorDrift,
  requiredExtensions,
  CONTENT_HASH_KEYS,
} from './composer.js';
export type { ComposerJson, ComposerLock, LockedPackage, InstalledPackages, VendorDrift } from './composer.js';
export { parsePhpJson, encodePhpJson } from './php-json.js';
export type { PhpJson } from './php-json.js';
export { satisfiesComposer } from './constraint.js';
export { CHECK, ACTION, iniOn, inRoot } from './shared.js';
export type { PhpCheck, PhpCheckContext, PhpAction, PhpPlanContext, PhpActionContext } from './shared.js';
export { webServerOf, webServerRootsOf, configuredServerLogs, builtinServers, builtinServerOf, builtinDocroot, phpUserOf } from './web-server.js';
export type { BuiltinServer } from './web-server.js';
export { servingPhp, servingPhpOrError, INI_KEYS } from './serving-php.js';
export type { ServingPhp, ServingKind } from './serving-php.js';
export { fpmMaster, oldestWorkerStart, newestMtime, queryFpmStatus, parseFpmStatus } from './fpm.js';
export type { FpmMaster, FpmStatus } from './fpm.js';
export { readAppPhpLogs, appLogPaths, sinceOf, DEFAULT_LOOKBACK_MS } from './logs.js';
export type { LogSource, PhpLogWindow } from './logs.js';
export { phpKeepsAccess, userIds, healerIsRoot, phpGroupOf } from './php-access.js';
export type { AccessNeed, AccessVerdict } from './php-access.js';
export { findPhpAddress, parseListen } from './address.js';
export {
  phpChecks,
  appAnswersCheck,
  phpVersionCheck,
  extensionsCheck,
  composerLockCheck,
  vendorCheck,
  fatalErrorsCheck,
  iniProductionCheck,
  opcacheCheck,
  fpmStatusCheck,
  fpmConfigStaleCheck,
  permissionsCheck,
} from './checks/index.js';
export { readComposerFiles, composerFiles, readInstalled } from './checks/composer.js';
export { isMissingVendor } from './checks/fatal-errors.js';
export { permissionFindings, findWorldWritableCommand, SECRET_FILES, PERMISSIONS_PRUNE } from './checks/permissions.js';
export { phpActions, composerInstallAction, restartFpmAction, fixPermissionsAction } from './actions/index.js';
export { composerInstallBlocker } from './actions/composer-install.js';
export { composerInstallSteps, composerInstallCommand, keepVendorAsideSteps, putBackVendor, vendorAsidePath, composerBackup } from './actions/vendor.js';
export { restartFpmSteps } from './actions/restart-fpm.js';
export { permissionSteps } from './actions/fix-permissions.js';
export { notApplicable, safeName } from './actions/shared.js';
export { checkInNamespace, actionInNamespace } from './reuse.js';
