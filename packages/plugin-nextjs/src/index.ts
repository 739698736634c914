export { nextjsPlugin, PLUGIN_VERSION } from './plugin.js';
export { nextjsConfigSchema } from './config.js';
export type { NextjsConfig, NextjsConfigInput } from './config.js';
export type { NextAppMeta, NextOutputMode } from './types.js';
export { detectNextApp, nextMeta, NEXT_DETECT_FILES } from './detect.js';
export { parseOutputMode, NEXT_CONFIG_FILES } from './next-config.js';
export { AVAILABILITY, BUILD_EXISTS, BUILD_STALE, CACHE_SIZE, CLEAR_CACHE, NODE_VERSION, REBUILD, RESTART, STANDALONE_START } from './checks/ids.js';
export {
  nextjsChecks,
  reusedNodeChecks,
  availabilityCheck,
  buildExistsCheck,
  buildStaleCheck,
  cacheSizeCheck,
  nodeVersionCheck,
  standaloneStartCheck,
} from './checks/index.js';
export type { NextCheck, NextCheckContext } from './checks/shared.js';
export { nextjsActions, reusedNodeActions, rebuildAction, restartAction, clearCacheAction, nextAuditFixAction } from './actions/index.js';
export { buildDir, previousBuildPath } from './actions/shared.js';
export type { NextAction, NextActionContext } from './actions/shared.js';
