/**
 * The PHP plugin object: detection, checks and actions for PHP apps that no
 * framework plugin claims (and the pieces a framework plugin reuses).
 */
import { definePlugin } from '@healer/core';
import { findPhpAddress } from './address.js';
import { composerSecrets, phpConfigSchema } from './config.js';
import { detectPhpApp, DETECT_FILES, SIGNATURES } from './detect.js';
import { phpChecks } from './checks/index.js';
import { phpActions } from './actions/index.js';
import type { PhpAppMeta } from './types.js';

export const PLUGIN_VERSION = '1.0.0';

export const phpPlugin = definePlugin<typeof phpConfigSchema, PhpAppMeta>({
  name: 'php',
  version: PLUGIN_VERSION,
  description: 'Generic PHP apps: PHP version and extensions against composer.json, composer.lock and vendor/, php.ini risks and OPcache as the serving PHP sees them, PHP fatals, PHP-FPM pool status, permissions.',
  engines: { core: '^1.0.0' },
  stacks: ['php'],
  signatures: SIGNATURES,
  detectFiles: DETECT_FILES,
  configSchema: phpConfigSchema,
  secrets: composerSecrets,
  detect: detectPhpApp,
  address: findPhpAddress,
  checks: phpChecks,
  actions: phpActions,
});
