/** The Next.js plugin object: detection, checks and actions for apps with `next` in their dependencies. */
import { definePlugin } from '@healer/core';
import { nextjsConfigSchema } from './config.js';
import { detectNextApp, NEXT_DETECT_FILES } from './detect.js';
import { nextjsChecks } from './checks/index.js';
import { nextjsActions } from './actions/index.js';
import { swapBuildOp } from './actions/swap-build.js';
import type { NextAppMeta } from './types.js';

export const PLUGIN_VERSION = '1.0.0';

export const nextjsPlugin = definePlugin<typeof nextjsConfigSchema, NextAppMeta>({
  name: 'nextjs',
  version: PLUGIN_VERSION,
  description: 'Next.js: production build present and fresh, standalone start, supported Node, cache size, availability; plus the Node.js checks.',
  engines: { core: '^1.0.0' },
  stacks: ['nextjs'],
  signatures: ['package.json'],
  detectFiles: NEXT_DETECT_FILES,
  configSchema: nextjsConfigSchema,
  detect: detectNextApp,
  checks: nextjsChecks,
  actions: nextjsActions,
  operations: [swapBuildOp],
});
