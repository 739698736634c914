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
  /** Per-app settings by app root (url, port, markers...), for every host. */
  apps: Record<string, ConfiguredApp>;
  /** Settings of one app read per call (a server's database), merged over `apps`. */
  settingsFor?: (app: { appId: string; host: string; root: string }) => Promise<ConfiguredApp | undefined>;
}

/** One app's settings, with its mode and plugin when set. */
export type ConfiguredApp = AppSettings & { mode?: Mode; plugin?: string };

export interface Services {
  registry: PluginRegistry;
  state: StateStore;
  /** The executor of the host this run works on (the default one unless scoped by {@link servicesForHost}). */
  exec: Executor;
  /** The executor of any host; rejects with `HOST_UNKNOWN` for a host this healer cannot reach. */
  executorFor(host: string): Promise<Executor>;
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

/** The services of a run on `host`: the same, with that host's executor. `HOST_UNKNOWN` when it has none. */
export async function servicesForHost(svc: Services, host: string): Promise<Services> {
  if (svc.exec.host === host) return svc;
  return { ...svc, exec: await svc.executorFor(host) };
}
