/** The Laravel plugin object: detection, checks and actions for apps with `artisan` and `laravel/framework`. */
import { definePlugin } from '@healer/core';
import { laravelActions } from './actions/index.js';
import { laravelBackup } from './backup.js';
import { laravelChecks } from './checks/index.js';
import { composerSecrets } from '@healer/plugin-php';
import { laravelConfigSchema } from './config.js';
import { detectLaravel, LARAVEL_DETECT_FILES } from './detect.js';
import type { LaravelMeta } from './types.js';
import { findAddress } from './web.js';

export const PLUGIN_VERSION = '1.0.0';

export const laravelPlugin = definePlugin<typeof laravelConfigSchema, LaravelMeta>({
  name: 'laravel',
  version: PLUGIN_VERSION,
  description: 'Laravel: .env and APP_KEY, debug in production, .env served publicly, storage writable, maintenance mode, stale caches, database, cache, migrations, queues, laravel.log; plus the PHP checks.',
  engines: { core: '^1.0.0' },
  stacks: ['laravel'],
  signatures: ['artisan'],
  detectFiles: LARAVEL_DETECT_FILES,
  configSchema: laravelConfigSchema,
  secrets: composerSecrets,
  detect: detectLaravel,
  checks: laravelChecks,
  actions: laravelActions,
  backup: laravelBackup,
  address: findAddress,
});
