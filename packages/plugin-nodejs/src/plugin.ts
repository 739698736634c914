/**
 * The Node.js plugin object: detection, checks and actions for `package.json`
 * apps that are not Next.js (Express and others).
 */
import { definePlugin } from '@healer/core';
import { nodejsConfigSchema } from './config.js';
import { detectNodeApp, DETECT_FILES } from './detect.js';
import { nodejsChecks } from './checks/index.js';
import { nodejsActions } from './actions/index.js';
import type { NodeAppMeta } from './types.js';

export const PLUGIN_VERSION = '1.0.0';

export const nodejsPlugin = definePlugin<typeof nodejsConfigSchema, NodeAppMeta>({
  name: 'nodejs',
  version: PLUGIN_VERSION,
  description: 'Node.js and Express: dependencies, Node version, env vars, NODE_ENV, ports, crash loops, errors, audit, memory.',
  engines: { core: '^1.0.0' },
  stacks: ['nodejs'],
  signatures: ['package.json'],
  detectFiles: DETECT_FILES,
  configSchema: nodejsConfigSchema,
  detect: detectNodeApp,
  checks: nodejsChecks,
  actions: nodejsActions,
});
