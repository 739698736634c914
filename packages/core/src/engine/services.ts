/**
 * What the engines share inside one healer. Composed by the container; never
 * handed to plugin code.
 * @internal
 */
import type { Executor } from '../contract/executor.js';
import type { AppInfo, AppSettings, Logger, Mode, Target } from '../contract/plugin.js';
import type { StateStore } from '../contract/state.js';
import type { Redactor } from '../redact.js';
import type { TimelineEvent } from '../schemas.js';
import type { CircuitBreaker } from './breaker.js';
import type { PluginRegistry } from './registry.js';

export interface HealerSettings {
  /** Default healing mode. Default `supervised`. */
  mode: Mode;
  /** Backups go here; default `<parent of app root>/.healer-backups`. */
  backupRoot?: string;
  /** How long backups are kept. Default 7 days. */
  retentionMs: number;
  /** At most this many actions tried in one execution. Default 5. */
  maxAttemptsPerExecution: number;
  /** Lease of the per-app lock, renewed while a heal runs. Default 2 min. */
  lockTtlMs: number;
  checkConcurrency: number;
  checkTimeoutMs: number;
  /** Run the shared checks (disk, memory, load, http...) for every app. Default true. */
  sharedChecks: boolean;
  /** Per-app settings by app root (url, port, markers...). */
  apps: Record<string, AppSettings & { mode?: Mode; plugin?: string }>;
}

export interface Services {
  registry: PluginRegistry;
  state: StateStore;
  exec: Executor;
  logger: Logger;
  redactor: Redactor;
  breaker: CircuitBreaker;
  settings: HealerSettings;
  now(): Date;
  emit(executionId: string, event: TimelineEvent): void;
}

/** The resolved app a run works on. */
export interface AppRun {
  target: Target;
  app: AppInfo;
  settings: AppSettings;
}
