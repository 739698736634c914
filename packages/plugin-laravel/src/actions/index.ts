/**
 * The Laravel actions: Laravel's own, plus the PHP plugin's `composer
 * install` (previous vendor/ kept aside), PHP-FPM restart and permissions
 * fix renamed into `laravel/...`.
 */
import { actionInNamespace, composerInstallAction, fixPermissionsAction, restartFpmAction } from '@healer/plugin-php';
import { optimizeClearAction, queueRestartAction, rebuildCachesAction, upAction } from './artisan-actions.js';
import { generateKeyAction } from './generate-key.js';
import { migrateAction } from './migrate.js';
import { CHECK } from '../checks/ids.js';
import type { LaravelAction } from './shared.js';

const APP_ANSWERS = 'laravel/app-answers';
import { fixStoragePermissionsAction } from './storage-permissions.js';

export { fixStoragePermissionsAction, generateKeyAction, migrateAction, optimizeClearAction, queueRestartAction, rebuildCachesAction, upAction };

/** Laravel's own actions. */
export const laravelOwnActions: LaravelAction[] = [upAction, rebuildCachesAction, optimizeClearAction, fixStoragePermissionsAction, queueRestartAction, migrateAction, generateKeyAction];

/** The PHP actions, as `laravel/...`. */
export const reusedPhpActions: LaravelAction[] = [composerInstallAction, restartFpmAction, fixPermissionsAction].map((a): LaravelAction => {
  const renamed: LaravelAction = actionInNamespace(a, 'laravel');
  // The PHP plugin's app-answers check is laravel/availability here.
  return { ...renamed, fixes: renamed.fixes.map((f) => (f === APP_ANSWERS ? CHECK.availability : f)) };
});

/** Every action of the plugin. */
export const laravelActions: LaravelAction[] = [...laravelOwnActions, ...reusedPhpActions];
