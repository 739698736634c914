/**
 * `createHealer()`: the SDK's entry point.
 */
import type { BackupManifest } from './contract/backup.js';
import type { Executor } from './contract/executor.js';
import type { AppInfo, Logger, Mode, ModeInput, Target } from './contract/plugin.js';
import type { BreakerRecord, ExecutionFilter, ExecutionPage, StateStore } from './contract/state.js';
import type { Diagnosis, Execution, Plan } from './schemas.js';
import { HealerError, errorMessage, isHealerError } from './errors.js';
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
import { checkTargetFolder, makeRunEnv, resolveApp, settingsFor } from './engine/resolve-app.js';
import { recoverExecutions, type RecoveryReport } from './engine/recover.js';
import { rollbackExecution, type RollbackOptions } from './engine/rollback-execution.js';
import { servicesForHost, type HealerSettings, type Services } from './engine/services.js';
import { appIdFor, detectStack } from './engine/detector.js';
import { ExecutionRun } from './engine/execution-record.js';
import { canonicalPath } from './exec/canonical-path.js';
import { validatePath } from './exec/paths.js';
import { checkAppOptions, checkHealerOptions, type AppOptions, type HealerOptions } from './options.js';

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
  /** How Healer reaches the target. Default: this machine (`LocalExecutor`). The single-host shorthand of `executorFor`. */
  executor?: Executor;
  /**
   * The executor of a host other than `executor.host`, for targets, and for
   * recorded executions and backups, of that host: `recover`, `rollback` and
   * `backups.prune` act on each record's own host through it, never through
   * the default executor. Return undefined (or throw) for a host you cannot
   * reach: the call fails with `HOST_UNKNOWN` and changes nothing. It is
   * called for each run: return a long-lived executor per host (a pool);
   * the healer does not close it. Its `host` must be the one asked for.
   */
  executorFor?: (host: string) => Executor | undefined | Promise<Executor | undefined>;
  /**
   * Settings of one app read per call (a server keeps them in its database),
   * merged over the static `apps` entry of its root: `url`, `port`, `mode`,
   * `plugin`, markers... (checked like `apps`, `CONFIG_INVALID`). Asked with
   * the app's host, canonical root, and the app id made of them
   * (`appIdFor(host, root)`); undefined for none.
   */
  settingsFor?: (app: { appId: string; host: string; root: string }) => AppOptions | undefined | Promise<AppOptions | undefined>;
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

/** A name a plugin's configuration gives a target (`main` for a MySQL server's data directory). */
export interface NamedTarget {
  name: string;
  /** Absolute path on the target. */
  path: string;
  plugin: string;
}

export interface Healer {
  readonly host: string;
  readonly plugins: {
    list(): PluginInfo[];
    register(entry: PluginEntry): void;
    enable(name: string): void;
    disable(name: string): void;
    configure(name: string, config: unknown): void;
    /** The named targets the enabled plugins' configurations declare (see `PluginDefinition.targets`), sorted by name then plugin. */
    targets(): NamedTarget[];
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
  /** Find apps under `roots` (default: the usual web roots) on `options.host` (default: the executor's host). */
  discover(roots?: readonly string[], options?: { maxDepth?: number; host?: string }): Promise<DiscoveredApp[]>;
  diagnose(target: TargetInput, options?: { plugin?: string; since?: Date; signal?: AbortSignal }): Promise<Diagnosis>;
  plan(target: TargetInput, options?: { plugin?: string; mode?: ModeInput; since?: Date }): Promise<Plan>;
  /**
   * A person confirms the app is healthy now: diagnose it, refuse when a
   * check fails, and let its plugin record what healthy looks like (baselines)
   * even where one exists (after an upgrade, say).
   */
  confirmHealthy(target: TargetInput, options?: { plugin?: string }): Promise<Diagnosis>;
  /**
   * Record a heal before it runs (state `QUEUED`), and give its id at once:
   * pass it as `heal(target, { executionId })` to run it (an API answers 202
   * with the id, a worker runs it). Its `appId` is the one of the path as
   * given; the heal replaces it with the detected app's. `recover()` leaves
   * QUEUED executions alone.
   */
  createExecution(target: TargetInput, options?: { kind?: 'heal'; mode?: ModeInput }): Promise<string>;
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
  /** One page of recorded executions, newest first, without their timelines (see {@link ExecutionFilter}); `execution(id)` has the whole record. */
  history(filter?: ExecutionFilter): Promise<ExecutionPage>;
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
  const executorFor = async (host: string): Promise<Executor> => {
    if (host === executor.host) return executor;
    const unknown = (why: string): HealerError => new HealerError('HOST_UNKNOWN', `No executor for host ${host}: ${why}.`, { details: { host } });
    if (!options.executorFor) throw unknown(`this healer reaches ${executor.host} only`);
    let found: Executor | undefined;
    try {
      found = await options.executorFor(host);
    } catch (e) {
      throw new HealerError('HOST_UNKNOWN', `No executor for host ${host}: ${e instanceof Error ? e.message : String(e)}`, { details: { host }, cause: e });
    }
    if (!found) throw unknown('executorFor gave none');
    if (found.host !== host) throw unknown(`executorFor gave the executor of ${found.host}`);
    return found;
  };
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
    ...(options.settingsFor ? { settingsFor: dynamicSettings(options.settingsFor) } : {}),
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
    executorFor,
  });
  const on = (host: string): Promise<Services> => servicesForHost(svc, host);

  const toTarget = (input: TargetInput): Target => {
    const t = typeof input === 'string' ? { path: input } : input;
    return { host: t.host ?? executor.host, path: validatePath(t.path, 'application path'), ...(t.url ? { url: t.url } : {}) };
  };
  const modeFor = async (scoped: Services, target: Target, mode?: ModeInput): Promise<Mode> =>
    normalizeMode(mode ?? (options.settingsFor ? (await settingsFor(scoped, target)).mode : apps[target.path]?.mode) ?? settings.mode);

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
      targets: () =>
        registry
          .enabled()
          .flatMap((e) =>
            Object.entries(e.plugin.targets?.(e.config as never) ?? {}).map(([name, path]) => {
              if (typeof path !== 'string' || !path.startsWith('/')) throw new HealerError('CONFIG_INVALID', `The plugin ${e.plugin.name} names the target "${name}" with ${JSON.stringify(path)}: targets must be absolute paths.`);
              return { name, path, plugin: e.plugin.name };
            }),
          )
          .sort((a, b) => a.name.localeCompare(b.name) || a.plugin.localeCompare(b.plugin)),
    },

    detect: async (target, opts = {}) => {
      const t = toTarget(target);
      const env = makeRunEnv(await on(t.host));
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
      const { host = executor.host, ...findOptions } = opts;
      const scoped = await on(host);
      const hostExec = scoped.exec;
      const signatures = [...new Set(registry.enabled().flatMap((e) => e.plugin.signatures))];
      const folders = await findCandidates(hostExec, [...roots], signatures, findOptions);
      // Every file detection will read, for every candidate, in one batch.
      const files = [...new Set(registry.enabled().flatMap((e) => [...e.plugin.signatures, ...(e.plugin.detectFiles ?? [])]))];
      const snapshot = await prefetchFiles(hostExec, folders.flatMap((dir) => files.map((f) => (dir === '/' ? `/${f}` : `${dir}/${f}`))));
      const env = { ...makeRunEnv(scoped), exec: new SnapshotExecutor(hostExec, snapshot) };
      const found: DiscoveredApp[] = [];
      const limit = 8;
      for (let i = 0; i < folders.length; i += limit) {
        const batch = folders.slice(i, i + limit);
        const reports = await Promise.all(batch.map((path) => detectStack(registry, env, toTarget({ host, path }))));
        reports.forEach((r, j) => found.push({ path: batch[j]!, app: r.app, nearTies: r.nearTies }));
      }
      return found;
    },

    async diagnose(target, opts = {}) {
      const t = toTarget(target);
      const scoped = await on(t.host);
      const env = makeRunEnv(scoped);
      const resolved = await resolveApp(scoped, env, t, opts);
      const diagnosis = await runDiagnose(scoped, env, resolved, {
        ...(opts.since ? { since: opts.since } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      await recordHealthy(env, resolved, diagnosis, opts.signal ? { signal: opts.signal } : {});
      return diagnosis;
    },

    async confirmHealthy(target, opts = {}) {
      const t = toTarget(target);
      const scoped = await on(t.host);
      const env = makeRunEnv(scoped);
      const resolved = await resolveApp(scoped, env, t, opts);
      const diagnosis = await runDiagnose(scoped, env, resolved);
      await recordHealthy(env, resolved, diagnosis, { confirmed: true });
      return diagnosis;
    },

    async plan(target, opts = {}) {
      const t = toTarget(target);
      const scoped = await on(t.host);
      const env = makeRunEnv(scoped);
      const resolved = await resolveApp(scoped, env, t, opts.plugin ? { plugin: opts.plugin } : {});
      const mode = await svc.breaker.effectiveMode(resolved.app.id, await modeFor(scoped, t, opts.mode));
      const { planned } = await diagnoseAndPlan(scoped, env, resolved, mode, opts.since ? { since: opts.since } : {});
      return planned.plan;
    },

    async createExecution(target, opts = {}) {
      const t = toTarget(target);
      const scoped = await on(t.host);
      const record = await ExecutionRun.queue(svc, { kind: opts.kind ?? 'heal', target: t, mode: await modeFor(scoped, t, opts.mode), appId: appIdFor(t.host, t.path) });
      return record.executionId;
    },

    async heal(target, opts = {}) {
      let started: { t: Target; scoped: Services; mode: Mode };
      try {
        const t = toTarget(target);
        const scoped = await on(t.host);
        started = { t, scoped, mode: await modeFor(scoped, t, opts.mode) };
      } catch (e) {
        // A queued execution this heal was to run would otherwise stay QUEUED for good.
        if (opts.executionId) {
          await ExecutionRun.failQueued(svc, opts.executionId, { code: isHealerError(e) ? e.code : 'INTERNAL', message: errorMessage(e) }).catch((err: unknown) =>
            logger.warn('could not mark a queued heal that cannot start as FAILED', { executionId: opts.executionId, error: errorMessage(err) }),
          );
        }
        throw e;
      }
      return runHeal(started.scoped, { ...opts, target: started.t, mode: started.mode });
    },

    rollback: (executionId, options) => rollbackExecution(svc, executionId, options),
    recover: (opts = {}) => recoverExecutions(svc, opts),
    history: (filter = {}) => state.listExecutions(filter),
    execution: (id) => state.getExecution(id),
    backups: {
      list: (filter = {}) => state.listBackups(filter),
      prune: (opts = {}) =>
        pruneBackups(options.executorFor ? executorFor : executor, state, {
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

/** `settingsFor` as the engines call it: checked, with its mode normalized. */
function dynamicSettings(read: NonNullable<CreateHealerOptions['settingsFor']>): NonNullable<HealerSettings['settingsFor']> {
  return async (app) => {
    const given = await read(app);
    if (given === undefined) return undefined;
    const { mode, ...rest } = checkAppOptions(given, `the app at ${app.root} on ${app.host}`);
    return { ...rest, ...(mode ? { mode: normalizeMode(mode) } : {}) };
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
