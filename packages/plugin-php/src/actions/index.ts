/** Every PHP action, lowest risk first. */
import { composerInstallAction } from './composer-install.js';
import { fixPermissionsAction } from './fix-permissions.js';
import { restartFpmAction } from './restart-fpm.js';
import type { PhpAction } from '../shared.js';

export const phpActions: PhpAction[] = [composerInstallAction, restartFpmAction, fixPermissionsAction];

export { composerInstallAction, fixPermissionsAction, restartFpmAction };
