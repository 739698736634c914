export { wordpressPlugin, PLUGIN_VERSION } from './plugin.js';
export { wordpressConfigSchema } from './config.js';
export type { WordpressConfig, WordpressConfigInput } from './config.js';
export type { WpMetadata, WpDatabase, WpOps, WpPluginInfo, Culprit } from './types.js';
