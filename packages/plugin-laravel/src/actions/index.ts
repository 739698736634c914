/** The Laravel actions. */
import { optimizeClearAction, queueRestartAction, rebuildCachesAction, upAction } from './artisan-actions.js';
import { generateKeyAction } from './generate-key.js';
import { migrateAction } from './migrate.js';
import type { LaravelAction } from './shared.js';
import { fixStoragePermissionsAction } from './storage-permissions.js';

export { fixStoragePermissionsAction, generateKeyAction, migrateAction, optimizeClearAction, queueRestartAction, rebuildCachesAction, upAction };

/** Laravel's own actions. */
export const laravelOwnActions: LaravelAction[] = [upAction, rebuildCachesAction, optimizeClearAction, fixStoragePermissionsAction, queueRestartAction, migrateAction, generateKeyAction];
