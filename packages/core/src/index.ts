export { HealerError, isHealerError, isTransportError, errorMessage, TRANSPORT_ERROR_CODES } from './errors.js';
export type { HealerErrorCode } from './errors.js';
export { definePlugin, opStep, RISKS, withOnlyChecks } from './contract/plugin.js';
export type {
  AppAddress,
  Risk,
  CheckStatus,
  Severity,
  CheckCategory,
  Mode,
  ModeInput,
  Target,
  Detection,
  AppInfo,
  Logger,
  SecretSink,
  AppSettings,
  DetectContext,
  CheckContext,
  CheckResult,
  DiagnosticCheck,
  Step,
  Operation,
  BackupSpec,
  BackupHandle,
  ActionContext,
  PlanContext,
  VerifyResult,
  HealingAction,
  BackupPart,
  BackupStrategy,
  PluginDefinition,
  HealthyContext,
} from './contract/plugin.js';
export type { Command, Script, RunOptions, RunResult, StartedProcess, FileType, FileStat, DirEntry, WriteFileOptions, Executor } from './contract/executor.js';
export type { Facts, DiskFacts, MemoryFacts, LoadFacts, ListeningPort, ProcessInfo } from './contract/facts.js';
export type { HealerFs, StatOptions } from './contract/fs.js';
export type { BackupManifest, BackupFileEntry, BackupPartRecord, LeftState } from './contract/backup.js';
export type { StateStore, BreakerRecord, ExecutionFilter, ExecutionPage, ExecutionSummary, Fence, LockHandle, LockOwner } from './contract/state.js';
export {
  DiagnosisSchema,
  PlanSchema,
  ExecutionSchema,
  TimelineEventSchema,
  TimelineEventTypeSchema,
  CheckResultEntrySchema,
  PlannedActionSchema,
  DeferredActionSchema,
  NotPlannedSchema,
  ExecutionStateSchema,
  ModeSchema,
  RiskSchema,
  CheckStatusSchema,
  SeveritySchema,
  CategorySchema,
  TERMINAL_STATES,
} from './schemas.js';
export { HealerOptionsSchema, BreakerOptionsSchema, AppOptionsSchema, ModeInputSchema } from './options.js';
export type { HealerOptions, AppOptions } from './options.js';
export type {
  Diagnosis,
  CheckResultEntry,
  AppSummary,
  PlannedStep,
  PlannedAction,
  DeferredAction,
  NotPlanned,
  CannotHeal,
  Plan,
  ExecutionState,
  TimelineEvent,
  TimelineEventType,
  Attempt,
  Execution,
} from './schemas.js';

// Engines
export { createHealer } from './healer.js';
export { fetchPage, MAX_PAGE_BYTES } from './http/fetch-page.js';
export type { FetchedPage, FetchPageOptions } from './http/fetch-page.js';
export { chooseConnectAddress, serverHostOf } from './http/connect-address.js';
export type { ConnectChoice } from './http/connect-address.js';
export type { CreateHealerOptions, Healer, TargetInput, DiscoveredApp, PluginInfo } from './healer.js';
export type { HealerEvents, HealerEventListener } from './events.js';
export { PluginRegistry } from './engine/registry.js';
export type { RegisteredPlugin, PluginEntry } from './engine/registry.js';
export { detectStack, appIdFor, noStackMessage, NEAR_TIE, DETECT_TIMEOUT_MS } from './engine/detector.js';
export type { DetectionReport, DetectionCandidate, DetectStackOptions } from './engine/detector.js';
export { findCandidates, buildFindCommand, expandRoots, PRUNED_DIRS, DEFAULT_DISCOVERY_ROOTS } from './engine/discover.js';
export type { FindCandidatesOptions } from './engine/discover.js';
export { runChecks, healthScore, overallStatus } from './engine/check-runner.js';
export type { CheckJob, RunChecksOptions } from './engine/check-runner.js';
export { planHealing, hashPlan, fingerprintTarget, describeStep, healableResults, isOutage } from './engine/planner.js';
export { normalizeMode, gateFor, lowerMode, demoteMode } from './engine/modes.js';
export type { Gate } from './engine/modes.js';
export { selectRungs } from './engine/heal-runner.js';
export type { Approval, HealRequest, HealOutcome } from './engine/heal-runner.js';
export type { RecoveryReport } from './engine/recover.js';
export { restoreBackup } from './engine/backup-runner.js';
export { CircuitBreaker, DEFAULT_BREAKER_POLICY, appBreakerKey, actionBreakerKey } from './engine/breaker.js';
export type { BreakerPolicy, BreakerDecision, BreakerStatus } from './engine/breaker.js';
export {
  judge as judgeBreaker,
  transition as transitionBreaker,
  effectiveMode as breakerEffectiveMode,
  resolveBreakerPolicy,
  emptyBreakerRecord,
} from './engine/breaker-machine.js';
export type {
  BreakerLimits,
  BreakerJudgement,
  BreakerBlock,
  BreakerEvent,
  BreakerState,
  BreakerSubject,
  BreakerVerdict,
} from './engine/breaker-machine.js';
export { describeBreaker } from './engine/breaker-wording.js';
export { CORE_VERSION } from './version.js';

// Transports
export { LocalExecutor } from './exec/local-executor.js';
export type { LocalExecutorOptions } from './exec/local-executor.js';
export { quoteShellWord, commandToShell } from './exec/quote.js';
export type { CommandToShellOptions } from './exec/quote.js';
export { validatePath, isPathWithin, resolvePath, childPath } from './exec/paths.js';
export { toArgv, isScript, validateEnv } from './exec/command.js';
export { createHealerFs } from './exec/healer-fs.js';
export { outputExcerpt, stepFailedError } from './exec/excerpt.js';
export type { OutputExcerptOptions } from './exec/excerpt.js';

export { SshExecutor } from './ssh/index.js';
export type { SshExecutorOptions, HostKeyPolicy, TransportInfo } from './ssh/options.js';
export { fingerprintOf, keyTypeOf, parseKnownHosts, verifyHostKey, formatKnownHostsLine } from './ssh/known-hosts.js';
export type { KnownHostEntry, VerifyHostKeyOptions, HostKeyVerification } from './ssh/known-hosts.js';

// State
export { MemoryStateStore } from './state/memory-store.js';
export { FolderStateStore, resolveHealerHome } from './state/folder-store.js';
export type { FolderStateStoreOptions } from './state/folder-store.js';
// For the authors of other stores: the same lock, listing and fencing rules.
export {
  isPidAlive,
  isLockStale,
  checkExecutionFilter,
  encodeCursor,
  decodeCursor,
  checkFence,
  checkBreakerKey,
  compareNewestFirst,
  compareBackupsNewestFirst,
  MAX_PAGE,
  DEFAULT_PAGE,
} from './state/store-helpers.js';
export type { CheckedFilter, ExecutionCursor } from './state/store-helpers.js';

// Backups
export {
  createFileBackup,
  restoreFileBackup,
  verifyRestore,
  verifyPartFiles,
  checkPartFiles,
  hashTree,
  defaultBackupRoot,
  DEFAULT_BACKUP_RETENTION_MS,
} from './backup/file-backup.js';
export type { VerifyRestoreResult, CreateFileBackupOptions, RestoreFileOptions } from './backup/file-backup.js';
export type { RollbackOptions } from './engine/rollback-execution.js';
export { applySteps } from './engine/apply-steps.js';
export { pruneBackups } from './backup/prune.js';
export type { PruneBackupsOptions, PruneBackupsResult } from './backup/prune.js';

// Shared checks and facts
export { createFacts } from './checks/facts.js';
export {
  sharedChecks,
  SHARED_CHECK_DEFAULTS,
  diskSpaceCheck,
  diskInodesCheck,
  memoryCheck,
  loadCheck,
  httpHealthCheck,
  tlsExpiryCheck,
  portListeningCheck,
  worldWritableCheck,
} from './checks/shared/index.js';
export type { SharedCheckSettingKey } from './checks/shared/index.js';
export type { FactsOptions } from './checks/facts.js';
export { parseProcNetTcp, parseProcesses, parseSsListening } from './checks/parse-facts.js';

// Logs and secrets
export { parsePhpErrorLog, parsePhpLogTime, isMemoryExhausted } from './logs/php-error-log.js';
export type { PhpLogEntry, PhpLogLevel, PhpStackFrame } from './logs/php-error-log.js';
export { parseNodeStack, findAppFrame, errorLocation } from './logs/node-stack.js';
export type { NodeErrorLocation, NodeErrorReport, NodeStackFrame } from './logs/node-stack.js';
export { readLogSince, readLastLines } from './logs/read-since.js';
export { readAppLogWindow } from './logs/app-log-window.js';
export type { AppLogSpec, AppLogSource, AppLogWindow, ReadAppLogWindowOptions } from './logs/app-log-window.js';
export type { ReadLogSinceOptions, LogTail } from './logs/read-since.js';
export { Redactor, REDACTED } from './redact.js';
export { discoverWebServer } from './webserver/discover.js';
export type { WebServerRoots, WebServerDiscovery, ServerLog, ServerLogKind, PhpUser, PhpRuntime } from './webserver/discover.js';
export { webServerRootsSetting, serverLogsSetting, phpUserSetting } from './webserver/app-settings.js';
export { readApacheConfig, parseEnvvars } from './webserver/apache.js';
export type { ApacheConfig, ApacheVhost } from './webserver/apache.js';
export { readNginxConfig } from './webserver/nginx.js';
export type { NginxConfig, NginxServer } from './webserver/nginx.js';
export { readFpmConfig } from './webserver/php-fpm.js';
export type { FpmConfig, FpmPool } from './webserver/php-fpm.js';
export { readServerLogLines, parseServerLogText, detectLogFormat, serverUtcOffset, findFolderErrorLogs } from './logs/server-log-lines.js';
export type { ServerLogFormat, ReadServerLogOptions, ServerLogRead } from './logs/server-log-lines.js';

// MySQL / MariaDB clients (credentials on stdin)
export {
  mysqlOptionFile,
  mysqlOptionValue,
  findMysqlClients,
  mysqlClientError,
  throughPipe,
  parseMysqlRows,
  sqlBytes,
  sqlIdent,
  runMysql,
  MAX_SQL_ARG,
  MYSQL_BATCH_ARGS,
} from './mysql/client.js';
export type { MysqlConnection, MysqlClients, RunMysqlOptions } from './mysql/client.js';
