/**
 * The WordPress plugin object: detection, checks, actions, their operations and backup parts.
 */
import { definePlugin } from '@healer/core';
import { wordpressConfigSchema } from './config.js';
import { detectWordpress, DETECT_FILES } from './detect.js';
import { wordpressChecks } from './checks/index.js';
import { coreIntegrityCheck, recordBaseline } from './checks/core-integrity.js';
import { wordpressActions } from './actions/index.js';
import { siteOperations } from './actions/ops-site.js';
import { dbOperations } from './actions/ops-db.js';
import { wordpressBackup } from './backup.js';
import { findSiteAddress } from './address.js';
import type { WpMetadata } from './types.js';

export const PLUGIN_VERSION = '1.0.0';

export const wordpressPlugin = definePlugin<typeof wordpressConfigSchema, WpMetadata>({
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
  // What the white-screen rungs, the quarantine, table repairs and cache clearing plan as `op` steps.
  operations: [...siteOperations, ...dbOperations],
  backup: wordpressBackup,
  // WP_HOME / WP_SITEURL, else the home / siteurl options: availability checks run with only the path given.
  address: findSiteAddress,
  // Core files as they are while the site is healthy: the core-integrity check's reference.
  // Recorded on its own only when there is none yet (a passing check means the files already
  // match it); refreshed, e.g. after an upgrade, only when a person confirms (`healer baseline`),
  // so a change that bumps version.php cannot re-baseline itself.
  async onHealthy(ctx) {
    const integrity = ctx.diagnosis.results.find((r) => r.id === coreIntegrityCheck.id);
    if (!ctx.confirmed && integrity?.status !== 'skip') return;
    await recordBaseline(ctx.exec, ctx.app.root, { settings: ctx.settings, backupRoot: ctx.backupRoot, signal: ctx.signal, fs: ctx.fs });
  },
});
