/**
 * The WordPress plugin object: detection, checks, actions and backup parts.
 */
import { definePlugin } from '@healer/core';
import { wordpressConfigSchema } from './config.js';
import { detectWordpress, DETECT_FILES } from './detect.js';
import { wordpressChecks } from './checks/index.js';
import { recordBaseline } from './checks/core-integrity.js';
import { wordpressActions } from './actions/index.js';
import { wordpressBackup } from './backup.js';

export const PLUGIN_VERSION = '1.0.0';

export const wordpressPlugin = definePlugin({
  name: 'wordpress',
  version: PLUGIN_VERSION,
  description: 'WordPress: white screens, stuck maintenance, database errors, debug settings, permissions, integrity.',
  engines: { core: '^1.0.0' },
  stacks: ['wordpress'],
  signatures: ['wp-config.php', 'wp-includes/version.php'],
  detectFiles: DETECT_FILES,
  configSchema: wordpressConfigSchema,
  detect: detectWordpress,
  checks: wordpressChecks,
  actions: wordpressActions,
  backup: wordpressBackup,
  // Core files as they are while every check passes: the core-integrity check's reference.
  async onHealthy(ctx) {
    await recordBaseline(ctx.exec, ctx.app.root, { settings: ctx.settings, signal: ctx.signal, fs: ctx.fs });
  },
});
