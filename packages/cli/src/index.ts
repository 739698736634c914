/**
 * `@healer/cli`: the `healer` command. Embedders and tests run it in-process
 * with {@link runCli}.
 */
export { runCli, buildProgram } from './cli.js';
export type { CliIo, TextSink } from './io.js';
export { EXIT, exitCodeForDiagnosis, exitCodeForHeal, exitCodeForRollback } from './exit-codes.js';
export type { ExitCode } from './exit-codes.js';
export { CliError, describeError } from './cli-error.js';
export type { CliErrorCode, ConfigIssue } from './cli-error.js';
export { ConfigSchema, DEFAULT_CONFIG_FILE, loadConfig, parseConfig } from './config.js';
export type { HealerConfig, AppConfig, PluginRef, LoadedConfig } from './config.js';
export { loadPlugins } from './plugins.js';
export { BUILTIN_PLUGINS } from './builtin-plugins.js';
export { formatTable, displayWidth } from './output/table.js';
export type { TableOptions, Align } from './output/table.js';
