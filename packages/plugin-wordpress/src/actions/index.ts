import type { HealingAction } from '@healer/core';
import type { WordpressConfig } from '../config.js';
import { clearCaches } from './clear-caches.js';
import { debugDisplayOff, raiseMemoryLimit } from './config-edits.js';
import { removeMaintenance } from './maintenance.js';
import { fixPermissions } from './permissions.js';
import { deactivatePlugin, deactivateProtectedPlugin, safeMode } from './plugins.js';
import { quarantineFiles } from './quarantine.js';
import { repairTables } from './repair-tables.js';
import { restoreHtaccess } from './restore-htaccess.js';
import { switchTheme } from './theme.js';
import type { WpMetadata } from '../types.js';

/**
 * Every WordPress action. The white-screen ladder is culprit plugin (low;
 * high when protected) -> theme (medium) -> safe mode (high): all four fix
 * `wordpress/fatal-errors` and `wordpress/availability`, and the engine climbs
 * them lowest risk first, verifying after each.
 */
export const wordpressActions: HealingAction<WordpressConfig, WpMetadata>[] = [
  deactivatePlugin,
  deactivateProtectedPlugin,
  switchTheme,
  safeMode,
  removeMaintenance,
  repairTables,
  fixPermissions,
  debugDisplayOff,
  restoreHtaccess,
  clearCaches,
  quarantineFiles,
  raiseMemoryLimit,
];
