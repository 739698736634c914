export { nodejsPlugin, PLUGIN_VERSION } from './plugin.js';
export { nodejsConfigSchema, nodeRuntimeConfigShape } from './config.js';
export type { NodejsConfig, NodejsConfigInput, NodeRuntimeConfig } from './config.js';
export type { NodeAppMeta, NodeRunner, PackageManager } from './types.js';
export { detectNodeApp, readNodeApp, readPackageJson, isNextApp, runnerFromConfig, nodeMeta, DETECT_FILES, LOCKFILES } from './detect.js';
export type { PackageJson } from './detect.js';
export {
  nodejsChecks,
  appAnswersCheck,
  auditCheck,
  crashLoopCheck,
  dependenciesInstalledCheck,
  envVarsCheck,
  memoryCheck,
  nodeEngineCheck,
  nodeEnvCheck,
  portHeldCheck,
  recentErrorsCheck,
} from './checks/index.js';
export type { NodeCheck, NodeCheckContext, AppProcess } from './checks/shared.js';
export { appProcesses, appEnvironment, appPort, parseDotenv, managedPid, pm2List } from './checks/shared.js';
export { missingDependencies, npmLockDrift } from './checks/dependencies.js';
export { satisfiesEngine } from './checks/node-engine.js';
export { parseNpmAudit } from './checks/audit.js';
export type { AuditCounts, AuditOutcome } from './checks/audit.js';
export { countCrashes } from './checks/crash-loop.js';
export { parseNodeLogTime, recentNodeErrors } from './checks/logs.js';
export { portHolder } from './checks/port-held.js';
export type { PortHolder } from './checks/port-held.js';
export { nodejsActions, restartAction, reinstallDependenciesAction, freePortAction, auditFixAction } from './actions/index.js';
export type { NodeAction, NodeActionContext } from './actions/shared.js';
export { restartSteps, stopSteps, optionalRestartSteps, restartApp, stopApp, waitForApp, settleAfterRestart, safeName } from './actions/shared.js';
export { installCommand, asidePath, manifestBackup, restoreNodeModules, putBackNodeModules } from './actions/node-modules.js';
export { auditFixPossible, auditFixSteps } from './actions/audit-fix.js';
export { checkInNamespace, actionInNamespace } from './reuse.js';
