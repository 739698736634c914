/**
 * Builds the narrow contexts checks and actions receive. Plugin code sees
 * these objects only, never the container.
 * @internal
 */
import type { Executor } from '../contract/executor.js';
import type { Facts } from '../contract/facts.js';
import type {
  ActionContext,
  AppInfo,
  AppSettings,
  BackupHandle,
  CheckContext,
  CheckStatus,
  DetectContext,
  HealthyContext,
  PlanContext,
  Logger,
  Target,
} from '../contract/plugin.js';
import { createHealerFs } from '../exec/healer-fs.js';
import type { Redactor } from '../redact.js';
import type { Diagnosis } from '../schemas.js';
import { CORE_VERSION } from '../version.js';

/** What one run (a diagnose, a heal) shares across every context it builds. */
export interface RunEnv {
  exec: Executor;
  facts: Facts;
  logger: Logger;
  redactor: Redactor;
  /** Where backups for an app root go. */
  backupRootFor(appRoot: string): string;
}

interface Common {
  target: Target;
  config: unknown;
  settings: AppSettings;
  signal: AbortSignal;
  pluginVersion: string;
}

function base(env: RunEnv, common: Common, writeRoots: string[]) {
  return {
    target: common.target,
    exec: env.exec,
    fs: createHealerFs(env.exec, writeRoots),
    facts: env.facts,
    config: common.config,
    settings: common.settings,
    logger: env.logger,
    secrets: { add: (value: string | null | undefined) => env.redactor.add(value) },
    signal: common.signal,
    versions: { core: CORE_VERSION, plugin: common.pluginVersion },
  };
}

/** Detection may write nothing. */
export function makeDetectContext(env: RunEnv, common: Common, path: string): DetectContext {
  return { ...base(env, common, []), path };
}

/** Checks may write nothing: their fs refuses every write. */
export function makeCheckContext(env: RunEnv, common: Common, app: AppInfo, since?: Date): CheckContext {
  return { ...base(env, common, []), app, backupRoot: env.backupRootFor(app.root), ...(since ? { since } : {}) };
}

/** For `onHealthy`: like a check, but its fs may write under the backup root. */
export function makeHealthyContext(env: RunEnv, common: Common, app: AppInfo, extra: { diagnosis: Diagnosis; confirmed: boolean }): HealthyContext {
  const backupRoot = env.backupRootFor(app.root);
  return { ...base(env, common, [backupRoot]), app, backupRoot, ...extra };
}

/** For `preconditions()` and `plan()`: no execution id, and an fs that writes nothing. */
export function makePlanContext(
  env: RunEnv,
  common: Common,
  app: AppInfo,
  extra: { results: ReadonlyArray<{ id: string; status: CheckStatus; details?: Record<string, unknown> }>; nonce: string },
): PlanContext {
  return { ...base(env, common, []), app, backupRoot: env.backupRootFor(app.root), ...extra };
}

export function makeActionContext(
  env: RunEnv,
  common: Common,
  app: AppInfo,
  extra: {
    executionId: string;
    nonce: string;
    results: ReadonlyArray<{ id: string; status: CheckStatus; details?: Record<string, unknown> }>;
    backup: BackupHandle | null;
  },
): ActionContext {
  const backupRoot = env.backupRootFor(app.root);
  return { ...base(env, common, [app.root, backupRoot]), app, backupRoot, ...extra };
}
