/**
 * `createHealer()`: the SDK's entry point.
 */
import type { BackupManifest } from './contract/backup.js';
import type { Executor } from './contract/executor.js';
import type { AppInfo, Logger, Mode, ModeInput, Target } from './contract/plugin.js';
import type { BreakerRecord, StateStore } from './contract/state.js';
import type { Diagnosis, Execution, Plan } from './schemas.js';
import { HealerError, isHealerError } from './errors.js';
import { composeServices } from './container.js';
import { TypedEmitter, type HealerEventListener, type HealerEvents } from './events.js';
import { Redactor } from './redact.js';
import { LocalExecutor } from './exec/local-executor.js';
import { MemoryStateStore } from './state/memory-store.js';
import { pruneBackups, type PruneBackupsResult } from './backup/prune.js';
import { DEFAULT_BACKUP_RETENTION_MS } from './backup/file-backup.js';
import type { BreakerPolicy, BreakerStatus } from './engine/breaker.js';
import { PluginRegistry, type PluginEntry } from './engine/registry.js';
import { normalizeMode } from './engine/modes.js';
import type { DetectionReport } from './engine/detector.js';
import { DEFAULT_DISCOVERY_ROOTS, findCandidates } from './engine/discover.js';
import { prefetchFiles, SnapshotExecutor } from './engine/prefetch.js';
import { diagnoseAndPlan, runHeal, type HealOutcome, type HealRequest } from './engine/heal-runner.js';
import { diagnoseApp as runDiagnose, recordHealthy } from './engine/diagnose.js';
import { checkTargetFolder, makeRunEnv, resolveApp } from './engine/resolve-app.js';
import { recoverExecutions, type RecoveryReport } from './engine/recover.js';
import { rollbackExecution, type RollbackOptions } from './engine/rollback-execution.js';
import type { HealerSettings } from './engine/services.js';
import { detectStack } from './engine/detector.js';
import { canonicalPath } from './exec/canonical-path.js';
import { validatePath } from './exec/paths.js';
import { checkHealerOptions, type HealerOptions } from './options.js';

/**
 * What `createHealer()` takes: the data options of `HealerOptionsSchema`
 * (mode, breaker, backupRoot, retentionMs, apps, ...; checked when the healer
 * is made, `INVALID_ARGUMENT` naming every problem) plus what cannot be data.
 */
export interface CreateHealerOptions extends Omit<HealerOptions, 'breaker'> {
  /** Plugins to register, with their configuration. Nothing is registered on import. */
  plugins?: PluginEntry[];
  /** Where executions, breakers, locks and the backups index live. Default: in memory. */
  state?: StateStore;
  /** How Healer reaches the target. Default: this machine (`LocalExecutor`). */
  executor?: Executor;
  /** Default: silent. Everything logged is redacted first. */
  logger?: Logger;
  /** Limits of the circuit breaker (`BreakerOptionsSchema`), and its clock. */
  breaker?: BreakerPolicy;
  /** The clock. Default `() => new Date()`. */
  now?: () => Date;
}

/** A target as callers give it: a path on the executor's host, or a full target. */
export type TargetInput = string | (Omit<Target, 'host'> & { host?: string });

export interface DiscoveredApp {
  path: string;
  app: AppInfo | null;
  nearTies: string[];
}

export interface PluginInfo {
  name: string;
  version: string;
  stacks: string[];
  enabled: boolean;
  checks: number;
  actions: number;
  description?: string;
}

export interface Healer {
  readonly host: string;
  readonly plugins: {
    list(): PluginInfo[];
    register(entry: PluginEntry): void;
    enable(name: string): void;
    disable(name: string): void;
    configure(name: string, config: unknown): void;
  };
  /**
   * Which stack lives at the target (every enabled plugin asked in parallel).
   * `FILE_NOT_FOUND` when the folder does not exist.
   */
  detect(target: TargetInput, options?: { plugin?: string }): Promise<DetectionReport>;
  /**
   * Find apps under `roots` (default {@link DEFAULT_DISCOVERY_ROOTS}; globs are
   * expanded on the target) with one search built from every plugin's
   * signatures, then detect each.
   */
  discover(roots?: readonly string[], options?: { maxDepth?: number }): Promise<DiscoveredApp[]>;
  diagnose(target: TargetInput, options?: { plugin?: string; since?: Date; signal?: AbortSignal }): Promise<Diagnosis>;
  plan(target: TargetInput, options?: { plugin?: string; mode?: ModeInput; since?: Date }): Promise<Plan>;
  /**
   * A person confirms the app is healthy now: diagnose it, refuse when a
   * check fails, and let its plugin record what healthy looks like (baselines)
   * even where one exists (after an upgrade, say).
   */
  confirmHealthy(target: TargetInput, options?: { plugin?: string }): Promise<Diagnosis>;
  heal(target: TargetInput, options?: Omit<HealRequest, 'target'>): Promise<HealOutcome>;
  /**
   * Undo the applied actions of a finished execution: only what they
   * changed, after checking every backup part against its manifest
   * (`BACKUP_TAMPERED`) and that what they left still holds (`ROLLBACK_DRIFT`);
   * a refused rollback changes nothing. `force` rolls back despite drift.
   */
  rollback(executionId: string, options?: RollbackOptions): Promise<Execution>;
  /** Finish the rollback of executions a killed process left unfinished. */
  recover(options?: { executionId?: string }): Promise<RecoveryReport[]>;
  history(filter?: { appId?: string; states?: string[]; limit?: number }): Promise<Execution[]>;
  execution(executionId: string): Promise<Execution | null>;
  readonly backups: {
    list(filter?: { appId?: string }): Promise<BackupManifest[]>;
    prune(options?: { dryRun?: boolean; appId?: string }): Promise<PruneBackupsResult>;
  };
  readonly breaker: {
    status(appId: string): Promise<BreakerStatus>;
    reset(appId: string): Promise<void>;
    /** The breaker records whose key starts with `prefix` (`app:<appId>`, `action:<appId>:`...), as of now, sorted by key. */
    list(filter?: { prefix?: string }): Promise<BreakerRecord[]>;
  };
  on<K extends keyof HealerEvents>(name: K, listener: HealerEventListener<K>): () => void;
  close(): Promise<void>;
}

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function createHealer(options: CreateHealerOptions = {}): Healer {
  const { now: _breakerClock, ...breakerLimits } = options.breaker ?? {};
  checkHealerOptions({ ...options, breaker: options.breaker ? breakerLimits : undefined });
  const registry = new PluginRegistry();
  for (const entry of options.plugins ?? []) registry.register(entry);
  const redactor = new Redactor();
  for (const s of options.secrets ?? []) redactor.add(s);
  for (const entry of registry.list()) for (const s of entry.plugin.secrets?.(entry.config as never) ?? []) redactor.add(s);
  const events = new TypedEmitter();
  const logger = redactingLogger(options.logger ?? SILENT, redactor);
  const executor = options.executor ?? new LocalExecutor();
  const state = options.state ?? new MemoryStateStore();
  const now = options.now ?? (() => new Date());
  const apps: HealerSettings['apps'] = {};
  for (const [root, s] of Object.entries(options.apps ?? {})) {
    const { mode, ...rest } = s;
    apps[validatePath(root, 'app root in settings')] = { ...rest, ...(mode ? { mode: normalizeMode(mode) } : {}) };
  }
  const settings: HealerSettings = {
    mode: normalizeMode(options.mode ?? 'supervised'),
    ...(options.backupRoot ? { backupRoot: validatePath(options.backupRoot, 'backup root') } : {}),
    retentionMs: options.retentionMs ?? DEFAULT_BACKUP_RETENTION_MS,
    maxAttemptsPerExecution: options.maxAttemptsPerExecution ?? 5,
    lockTtlMs: options.lockTtlMs ?? 120_000,
    checkConcurrency: options.checkConcurrency ?? 8,
    checkTimeoutMs: options.checkTimeoutMs ?? 10_000,
    sharedChecks: options.sharedChecks ?? true,
    apps,
  };
  const { services: svc } = composeServices({
    registry,
    state,
    executor,
    logger,
    redactor,
    breakerPolicy: { ...options.breaker, now: options.breaker?.now ?? (() => now().getTime()) },
    settings,
    now,
    events,
  });

  const toTarget = (input: TargetInput): Target => {
    const t = typeof input === 'string' ? { path: input } : input;
    return { host: t.host ?? executor.host, path: validatePath(t.path, 'application path'), ...(t.url ? { url: t.url } : {}) };
  };
  const modeFor = (target: Target, mode?: ModeInput): Mode => normalizeMode(mode ?? apps[target.path]?.mode ?? settings.mode);

  return {
    host: executor.host,
    plugins: {
      list: () =>
        registry.list().map((e) => ({
          name: e.plugin.name,
          version: e.plugin.version,
          stacks: e.plugin.stacks,
          enabled: e.enabled,
          checks: e.plugin.checks.length,
          actions: e.plugin.actions.length,
          ...(e.plugin.description ? { description: e.plugin.description } : {}),
        })),
      register: (entry) => {
        const added = registry.register(entry);
        for (const s of added.plugin.secrets?.(added.config as never) ?? []) redactor.add(s);
      },
      enable: (name) => registry.enable(name),
      disable: (name) => registry.disable(name),
      configure: (name, config) => {
        registry.configure(name, config);
        const entry = registry.get(name)!;
        for (const s of entry.plugin.secrets?.(entry.config as never) ?? []) redactor.add(s);
      },
    },

    detect: async (target, opts = {}) => {
      const env = makeRunEnv(svc);
      const t = toTarget(target);
      await checkTargetFolder(env, t);
      // The real path on the host, so a symlink names the same app (and id); an unresolvable path is left to the plugins.
      const unresolved = (e: unknown): string => {
        if (isHealerError(e) && (e.code === 'FILE_NOT_FOUND' || e.code === 'COMMAND_FAILED')) return t.path;
        throw e;
      };
      const path = await canonicalPath(env.exec, t.path).catch(unresolved);
      return detectStack(registry, env, { ...t, path }, opts);
    },

    async discover(roots = DEFAULT_DISCOVERY_ROOTS, opts = {}) {
      const signatures = [...new Set(registry.enabled().flatMap((e) => e.plugin.signatures))];
      const folders = await findCandidates(executor, [...roots], signatures, opts);
      // Every file detection will read, for every candidate, in one batch.
      const files = [...new Set(registry.enabled().flatMap((e) => [...e.plugin.signatures, ...(e.plugin.detectFiles ?? [])]))];
      const snapshot = await prefetchFiles(executor, folders.flatMap((dir) => files.map((f) => (dir === '/' ? `/${f}` : `${dir}/${f}`))));
      const env = { ...makeRunEnv(svc), exec: new SnapshotExecutor(executor, snapshot) };
      const found: DiscoveredApp[] = [];
      const limit = 8;
      for (let i = 0; i < folders.length; i += limit) {
        const batch = folders.slice(i, i + limit);
        const reports = await Promise.all(batch.map((path) => detectStack(registry, env, toTarget(path))));
        reports.forEach((r, j) => found.push({ path: batch[j]!, app: r.app, nearTies: r.nearTies }));
      }
      return found;
    },

    async diagnose(target, opts = {}) {
      const env = makeRunEnv(svc);
      const resolved = await resolveApp(svc, env, toTarget(target), opts);
      const diagnosis = await runDiagnose(svc, env, resolved, {
        ...(opts.since ? { since: opts.since } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      await recordHealthy(env, resolved, diagnosis, opts.signal ? { signal: opts.signal } : {});
      return diagnosis;
    },

    async confirmHealthy(target, opts = {}) {
      const env = makeRunEnv(svc);
      const resolved = await resolveApp(svc, env, toTarget(target), opts);
      const diagnosis = await runDiagnose(svc, env, resolved);
      await recordHealthy(env, resolved, diagnosis, { confirmed: true });
      return diagnosis;
    },

    async plan(target, opts = {}) {
      const t = toTarget(target);
      const env = makeRunEnv(svc);
      const resolved = await resolveApp(svc, env, t, opts.plugin ? { plugin: opts.plugin } : {});
      const mode = await svc.breaker.effectiveMode(resolved.app.id, modeFor(t, opts.mode));
      const { planned } = await diagnoseAndPlan(svc, env, resolved, mode, opts.since ? { since: opts.since } : {});
      return planned.plan;
    },

    heal(target, opts = {}) {
      const t = toTarget(target);
      return runHeal(svc, { ...opts, target: t, mode: modeFor(t, opts.mode) });
    },

    rollback: (executionId, options) => rollbackExecution(svc, executionId, options),
    recover: (opts = {}) => recoverExecutions(svc, opts),
    history: (filter = {}) => state.listExecutions(filter),
    execution: (id) => state.getExecution(id),
    backups: {
      list: (filter = {}) => state.listBackups(filter),
      prune: (opts = {}) =>
        pruneBackups(executor, state, {
          now: now(),
          ...(opts.dryRun ? { dryRun: true } : {}),
          ...(opts.appId ? { appId: opts.appId } : {}),
          ...(settings.backupRoot ? { backupRoots: [settings.backupRoot] } : {}),
        }),
    },
    breaker: {
      status: (appId) => svc.breaker.status(appId),
      reset: (appId) => svc.breaker.reset(appId),
      list: (filter) => svc.breaker.listBreakers(filter),
    },
    on: (name, listener) => events.on(name, listener),
    close: () => executor.close(),
  };
}

function redactingLogger(inner: Logger, redactor: Redactor): Logger {
  const wrap =
    (level: keyof Logger) =>
    (message: string, data?: Record<string, unknown>): void =>
      inner[level](redactor.redact(message), data === undefined ? undefined : redactor.redactDeep(data));
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

export { HealerError };
