export { HealerError, isHealerError, errorMessage } from './errors.js';
export type { HealerErrorCode } from './errors.js';
export { definePlugin, RISKS } from './contract/plugin.js';
export type {
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
  BackupSpec,
  BackupHandle,
  ActionContext,
  VerifyResult,
  HealingAction,
  BackupPart,
  BackupStrategy,
  PluginDefinition,
} from './contract/plugin.js';
export type { Command, Script, RunOptions, RunResult, FileType, FileStat, DirEntry, WriteFileOptions, Executor } from './contract/executor.js';
export type { Facts, DiskFacts, MemoryFacts, LoadFacts, ListeningPort, ProcessInfo } from './contract/facts.js';
export type { HealerFs } from './contract/fs.js';
export type { BackupManifest, BackupFileEntry, BackupPartRecord } from './contract/backup.js';
export type { StateStore, BreakerRecord, LockHandle, LockOwner } from './contract/state.js';
export {
  DiagnosisSchema,
  PlanSchema,
  ExecutionSchema,
  TimelineEventSchema,
  CheckResultEntrySchema,
  PlannedActionSchema,
  ExecutionStateSchema,
  ModeSchema,
  RiskSchema,
  TERMINAL_STATES,
} from './schemas.js';
export type {
  Diagnosis,
  CheckResultEntry,
  AppSummary,
  PlannedStep,
  PlannedAction,
  CannotHeal,
  Plan,
  ExecutionState,
  TimelineEvent,
  Attempt,
  Execution,
} from './schemas.js';
