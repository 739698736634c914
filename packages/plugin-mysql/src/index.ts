export { mysqlPlugin, PLUGIN_VERSION } from './plugin.js';
export { mysqlConfigSchema, serverEntrySchema } from './config.js';
export type { MysqlConfig, MysqlConfigInput, ServerEntry } from './config.js';
export type { MysqlMetadata, ServerFlavor } from './types.js';
export { detectMysql, mysqlMeta, parseServerVersion, commandOptions, serverTarget, SIGNATURES } from './detect.js';
export { parseOptionFile, readOptionFiles, serverOption, clientOption, DEFAULT_OPTION_FILES } from './option-files.js';
export type { OptionSections, OptionFiles, ParsedOptionFile } from './option-files.js';
export { login, requireLogin, credentialCandidates, endpointOf, serverSql, queryRows, isLogin } from './connection.js';
export type { Credential, CredentialSource, Login, LoginFailure, MysqlContext } from './connection.js';
export { serverSnapshot, buildSnapshot, parseSections, snapshotSql, snapshotSections } from './snapshot.js';
export type { ServerSnapshot, ResultSet } from './snapshot.js';
export { ratio, percent, numberOf, formatBytes } from './ratios.js';
export {
  mysqlChecks,
  ACTION,
  connectionCheck,
  versionEolCheck,
  connectionsUsedCheck,
  abortedConnectsCheck,
  slowQueriesCheck,
  tmpDiskTablesCheck,
  threadCacheCheck,
  tableCacheCheck,
  openFilesCheck,
  bufferPoolCheck,
  redoLogCheck,
  crashedTablesCheck,
  fragmentationCheck,
  longQueriesCheck,
  replicationCheck,
  dataDiskCheck,
  securityCheck,
} from './checks/index.js';
export type { Finding, MysqlCheck, MysqlCheckContext, Suggestion } from './checks/index.js';
export { mysqlActions, repairTableAction, optimizeTableAction, optimizeLargeTableAction, setGlobalAction, killQueryAction, restartServerAction } from './actions/index.js';
export type { MysqlAction, MysqlActionContext, MysqlPlanContext } from './actions/index.js';
export { mysqlOperations, repairTableOp, optimizeTableOp, killQueryOp, setGlobalOp } from './operations.js';
export { mysqlBackup, tablesPart, globalsPart } from './backup.js';
export { SETTABLE, suggestedSettings, setGlobalSql } from './globals.js';
export { localServerOf, type DatabaseEndpoint, type LocalServer } from './local-server.js';
