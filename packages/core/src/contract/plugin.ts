/**
 * The plugin contract: what a stack package exports through `definePlugin()`.
 */
import type { z } from 'zod';
import type { Command, Executor } from './executor.js';
import type { Facts } from './facts.js';
import type { HealerFs } from './fs.js';
import type { BackupManifest, BackupPartRecord } from './backup.js';
import { RiskSchema } from '../schemas.js';
import type { CategorySchema, CheckStatusSchema, Diagnosis, ModeSchema, SeveritySchema } from '../schemas.js';

/** How risky a change is. Decides, with the mode, whether it may run unattended. */
export type Risk = z.infer<typeof RiskSchema>;
/** Every risk, lowest first (`RiskSchema.options`). */
export const RISKS: readonly Risk[] = RiskSchema.options;

/** What a check found. `error`: the check itself could not run (threw or timed out). */
export type CheckStatus = z.infer<typeof CheckStatusSchema>;

export type Severity = z.infer<typeof SeveritySchema>;

export type CheckCategory = z.infer<typeof CategorySchema>;

/**
 * Healing mode. `manual` never heals on its own; `supervised` heals low-risk
 * actions; `auto` heals low and medium. High always needs approval; critical
 * needs an explicit per-action approval.
 */
export type Mode = z.infer<typeof ModeSchema>;
/** Accepted spellings, including the older `SEMI_AUTO` (= supervised) and `FULL_AUTO` (= auto). */
export type ModeInput = Mode | Uppercase<Mode> | 'SEMI_AUTO' | 'FULL_AUTO';

/** Where an application lives. */
export interface Target {
  /** The executor's host id: `'local'` or `ssh://user@host:port`. */
  host: string;
  /** The application root (absolute). */
  path: string;
  /** A URL that should answer when the app is healthy. */
  url?: string;
}

/**
 * What a plugin's `detect()` returns when it recognizes its stack. `M` is the
 * plugin's metadata type (see `definePlugin`); default: a plain record.
 */
export interface Detection<M extends object = Record<string, unknown>> {
  /** The stack id, e.g. `'wordpress'`. One of the plugin's `stacks`. */
  stack: string;
  /** The stack's version when known. */
  version?: string | null;
  /** 0..1. The engine picks the highest; near-ties are reported. */
  confidence: number;
  /** Human-readable reasons, e.g. `'wp-includes/version.php found'`. */
  evidence: string[];
  /** Anything later checks need (table prefix, package manager...). Never secrets in clear: mark them with `ctx.secrets.add()`. */
  metadata?: M;
  /** The real application root when it differs from the folder probed. */
  root?: string;
}

/** A detected application: the winning detection plus who detected it. `M`: the metadata its plugin's `detect()` returned. */
export interface AppInfo<M extends object = Record<string, unknown>> extends Detection<M> {
  /** Stable id: derived from host and root. */
  id: string;
  /** The plugin that detected it. */
  plugin: string;
  /** The application root (absolute). */
  root: string;
  /** What `detect()` returned as `metadata` (`{}` when it returned none). */
  metadata: M;
}

export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** Values registered here are replaced by `***` in every log, event and output. */
export interface SecretSink {
  add(value: string | null | undefined): void;
}

/** Per-application settings from the caller's configuration. */
export interface AppSettings {
  /** The URL checked for availability. */
  url?: string;
  /**
   * Where `url` came from when the caller did not set it: the plugin's
   * `address()` (e.g. `'WP_HOME in wp-config.php'`). Absent when `url` was configured.
   */
  urlSource?: string;
  /** A port the app must listen on. */
  port?: number;
  /** Text that must appear in a healthy page. */
  bodyMarkers?: string[];
  /** Text that must not appear (e.g. a fatal-error page). */
  errorMarkers?: string[];
  /** Free-form settings plugins may read. */
  [key: string]: unknown;
}

/** Where an application answers its visitors, as its plugin found it (see `PluginDefinition.address`). */
export interface AppAddress {
  /** An http or https URL, e.g. `https://example.org/`. */
  url: string;
  /** Where it was found, e.g. `'WP_HOME in wp-config.php'` or `'the home option'`. */
  source: string;
}

interface BaseContext<C> {
  target: Target;
  exec: Executor;
  /** File operations, reads anywhere, writes confined to the app root and the backup root. */
  fs: HealerFs;
  /** Shared probes, memoized per host per run. */
  facts: Facts;
  /** This plugin's configuration, validated by its `configSchema`. */
  config: C;
  settings: AppSettings;
  logger: Logger;
  secrets: SecretSink;
  /** Aborted when the check or action times out or the run is cancelled. */
  signal: AbortSignal;
  versions: { core: string; plugin: string };
}

export interface DetectContext<C = unknown> extends BaseContext<C> {
  /** The folder being probed (absolute). */
  path: string;
}

export interface CheckContext<C = unknown, M extends object = Record<string, unknown>> extends BaseContext<C> {
  app: AppInfo<M>;
  /** Look at log entries newer than this. */
  since?: Date;
  /**
   * The backup root for this app (the configured `backupRoot`, else
   * `<parent of the root>/.healer-backups`): where baselines and backups are
   * kept, outside the web root. Checks only read there.
   */
  backupRoot: string;
}

export interface CheckResult {
  status: CheckStatus;
  /** One sentence a person can act on. */
  message: string;
  details?: Record<string, unknown>;
  /** Lines that show why (log lines, file names...). */
  evidence?: string[];
  /** Action ids that may fix this; added to the actions that list this check in their `fixes`. */
  fixes?: string[];
}

export interface DiagnosticCheck<C = unknown, M extends object = Record<string, unknown>> {
  /** Namespaced, stable: `'wordpress/debug-display-on'`. Part of the public API. */
  id: string;
  title: string;
  category: CheckCategory;
  severity: Severity;
  description?: string;
  /** Run only for apps this returns true for. */
  appliesTo?(app: AppInfo<M>, settings: AppSettings): boolean;
  /** Per-check timeout; the runner's default otherwise (10 s). */
  timeoutMs?: number;
  /** Report; never change anything. A throw becomes status `error`. */
  run(ctx: CheckContext<C, M>): Promise<CheckResult>;
}

/** One thing an action will do, shown by a dry run and recorded in the plan. */
export type Step =
  | { kind: 'run'; command: Command; cwd?: string; env?: Record<string, string>; timeoutMs?: number; write: boolean; description?: string }
  | { kind: 'write-file'; path: string; content: string; mode?: number; description?: string }
  | { kind: 'remove'; path: string; description?: string }
  | { kind: 'rename'; from: string; to: string; description?: string }
  | { kind: 'chmod'; path: string; mode: number; description?: string }
  /** A named operation of the plugin (`PluginDefinition.operations`), with its arguments: build it with {@link opStep}. */
  | { kind: 'op'; op: string; args: unknown; description?: string }
  /** Text only, shown in the plan. A note with `write: true` is refused by the engine's apply: say what changes with an `op` step instead. */
  | { kind: 'note'; write: boolean; description: string };

/**
 * A change a plugin knows how to make that is not a file edit or a command
 * (an option update, a table repair through the site's own database
 * access), named so that plans show it as data and the engine carries it out.
 * An action plans it as `opStep(setOption, { name, value })`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the args type of an operation as the engine holds it, like `z.output<z.ZodType>`
export interface Operation<A = any, C = unknown, M extends object = Record<string, unknown>> {
  /** Namespaced, stable: `'wordpress/set-option'`. Recorded in plans and journals. */
  id: string;
  /** Checks the arguments when the step is planned and again before it is applied. */
  args: z.ZodType<A>;
  /** One line for plans and dry runs, e.g. `set option blog_public to "1" (was "0")`. It is part of the plan hash: describe every argument that matters. */
  describe(args: A): string;
  /** Carry the change out. */
  apply(ctx: ActionContext<C, M>, args: A): Promise<void>;
  /**
   * What the target holds now for what these arguments change (the value,
   * or a fingerprint of it), null when it is absent. Read after a verified
   * change and again before a rollback asked for later: when they differ,
   * something else changed it since and the rollback is refused
   * (`ROLLBACK_DRIFT`). Without it, the step is not drift-checked.
   */
  read?(ctx: PlanContext<C, M>, args: A): Promise<string | null>;
}

/** A plan step that runs `operation` with `args` (type-checked against the operation's schema). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any context: a step is data
export function opStep<A>(operation: Operation<A, any, any>, args: NoInfer<A>, description?: string): Step {
  return { kind: 'op', op: operation.id, args, ...(description ? { description } : {}) };
}

/** What to save before an action runs. */
export interface BackupSpec {
  /** Files or folders, absolute or relative to the app root. Folders are saved whole; restore removes what was added since. */
  paths: string[];
  /** Names of the plugin's `backup.parts` to include (database dump, saved options...). */
  parts?: string[];
}

/** A taken backup, as an action sees it. */
export interface BackupHandle {
  readonly manifest: BackupManifest;
  /**
   * Put every saved file and part back, then verify against the manifest.
   * Every part is checked against the manifest before anything is written
   * (`BACKUP_TAMPERED`), and, once the action was verified, what it left
   * must still hold (`ROLLBACK_DRIFT`) unless the handle was made with `force`.
   */
  restore(): Promise<void>;
  /** The checks of {@link restore} that need no staging: part files and drift. Writes nothing. */
  check(): Promise<void>;
}

/**
 * What `preconditions()` and `plan()` see. No execution id: a plan must
 * depend only on the app's state, so the plan `healer plan` shows (and a
 * person approves by its hash) is the plan the heal makes. Its `fs` refuses
 * every write: a plan is data, nothing runs.
 */
export interface PlanContext<C = unknown, M extends object = Record<string, unknown>> extends CheckContext<C, M> {
  /** The failing results this action was planned for. */
  results: ReadonlyArray<{ id: string; status: CheckStatus; details?: Record<string, unknown> }>;
  /**
   * The backup root for this app: besides the app root, the only place an
   * action may write (scratch folders, kept-aside copies). Known at plan time.
   */
  backupRoot: string;
  /**
   * A random token (letters, digits and `_` only) the engine makes once per planned
   * action, for names that must be unique to this change (scratch folders,
   * kept-aside copies): `.next.healer-prev-${ctx.nonce}`. It is recorded
   * with the plan and in the journal, and the same value reaches `apply()`,
   * `verify()` and `rollback()` of that change, even a rollback asked for
   * days later. The plan hash does not depend on its value (it is hashed as
   * `<nonce>`), so use it in names only, never in file contents.
   */
  nonce: string;
}

export interface ActionContext<C = unknown, M extends object = Record<string, unknown>> extends PlanContext<C, M> {
  /** The execution this change runs in (a later rollback: the execution that made the change). */
  executionId: string;
  /** The backup taken for this action, if any. */
  backup: BackupHandle | null;
}

export interface VerifyResult {
  ok: boolean;
  message: string;
}

export interface HealingAction<C = unknown, M extends object = Record<string, unknown>> {
  /** Namespaced, stable: `'wordpress/deactivate-plugin'`. */
  id: string;
  title: string;
  description?: string;
  risk: Risk;
  /** Check ids this action can fix. */
  fixes: string[];
  /** Take a backup even when the risk is low. */
  requiresBackup?: boolean;
  /** What to save first. Required for medium and above. */
  backup?: BackupSpec | ((ctx: ActionContext<C, M>) => BackupSpec | Promise<BackupSpec>);
  /** Return true, or a reason why this action cannot help here. */
  preconditions?(ctx: PlanContext<C, M>): Promise<true | string> | true | string;
  /** The exact commands and edits, as data. A dry run prints these; nothing runs. Same app state -> same steps. */
  plan(ctx: PlanContext<C, M>): Promise<Step[]> | Step[];
  /**
   * Carry the change out. Default, and the rule: the engine runs the planned
   * steps in order (files, commands, and the plugin's operations as `op`
   * steps). Just before, it plans the action again and refuses when the
   * steps differ from the planned ones (the app changed since the plan),
   * so an own apply() never needs to check that itself. Write one only for
   * work that cannot be a step, and say why in one line.
   */
  apply?(ctx: ActionContext<C, M>, steps: Step[]): Promise<void>;
  /**
   * After the steps ran, before verification: wait until the app is ready
   * to be judged (a restarted process answers). A throw means the change
   * did not take: it is not verified and is rolled back.
   */
  settle?(ctx: ActionContext<C, M>): Promise<void>;
  /** Extra proof beyond re-running the checks. */
  verify?(ctx: ActionContext<C, M>): Promise<VerifyResult | boolean>;
  /** Undo. Required for medium and above (unless `irreversible`); `restoreBackup` is the usual choice. */
  rollback?(ctx: ActionContext<C, M>): Promise<void>;
  /**
   * This change cannot be undone (a killed query, a restart): why, in one
   * sentence. Only for medium risk or above (supervised mode asks a person
   * first, and the plan says so), and then without `rollback()` or a backup. When
   * its verification fails the heal escalates with nothing rolled back, and
   * a rollback of the execution skips it and undoes the other actions.
   */
  irreversible?: string;
}

/** A named piece of a backup a plugin knows how to save and put back (database dump, options). */
export interface BackupPart<C = unknown, M extends object = Record<string, unknown>> {
  name: string;
  /**
   * Save into `dir` (a fresh, empty folder `<backup dir>/parts/<name>` on the
   * target) and return what restore needs to know (never secrets). The engine
   * then records every file in `dir` with its size and sha256, and checks
   * them again before `restore()` is called.
   */
  create(ctx: ActionContext<C, M>, dir: string): Promise<{ meta?: Record<string, unknown> } | void>;
  /**
   * Put the saved piece back from `dir`. Its files were verified first. When
   * `record.left` is set, put back only those items (what the action changed).
   */
  restore(ctx: ActionContext<C, M>, record: BackupPartRecord, dir: string): Promise<void>;
  /**
   * Fingerprints (e.g. sha256 of a value) of what this part would put back.
   * Without `items`: right after the action was verified, the items the
   * action changed (kept as `record.left`). With `items`: those items now,
   * compared with `record.left` before a rollback to find drift. Parts
   * without it are restored whole, with no drift check.
   */
  fingerprint?(ctx: ActionContext<C, M>, record: BackupPartRecord, dir: string, items?: readonly string[]): Promise<Record<string, string>>;
}

export interface BackupStrategy<C = unknown, M extends object = Record<string, unknown>> {
  parts: BackupPart<C, M>[];
}

/**
 * The object a plugin package exports. `S`: its config schema; `M`: the
 * metadata its `detect()` returns, which its checks and actions then read as
 * `ctx.app.metadata`. Written without type arguments (as the engine holds
 * every plugin), config and metadata are untyped, as a zod schema's output is.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the engine's erased view of any plugin's metadata, like `z.output<z.ZodType>`
export interface PluginDefinition<S extends z.ZodType = z.ZodType, M extends object = any> {
  /** Unique plugin name, the namespace of its ids: `'wordpress'`. */
  name: string;
  /** The plugin's own version (semver). */
  version: string;
  description?: string;
  /** Ranges of the host this plugin works with, checked with semver at registration. */
  engines: { core: string };
  /** Stack ids this plugin detects. */
  stacks: string[];
  /** Relative paths whose presence marks a candidate folder, e.g. `'wp-config.php'`. Discovery batches one search per host from these. */
  signatures: string[];
  /**
   * Other relative paths `detect()` reads (lockfiles, version files...).
   * Discovery fetches them for every candidate folder in the same batch as
   * the signatures, so detecting a thousand folders costs one round trip.
   */
  detectFiles?: string[];
  /** Validates the plugin's configuration; all issues are reported at once. */
  configSchema?: S;
  /** Configuration values that must never be logged. */
  secrets?(config: z.output<S>): Array<string | null | undefined>;
  /**
   * Recognize the stack in `ctx.path`, or null. Its `metadata` must be `M`
   * (never inferred from here, so a plugin without type arguments keeps a
   * plain record).
   */
  detect(ctx: DetectContext<z.output<S>>): Promise<Detection<NoInfer<M>> | null>;
  checks: DiagnosticCheck<z.output<S>, M>[];
  actions: HealingAction<z.output<S>, M>[];
  /** The named operations the plugin's actions plan as `op` steps (see {@link Operation}). Ids namespaced like checks. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each operation has its own argument type
  operations?: Operation<any, z.output<S>, M>[];
  backup?: BackupStrategy<z.output<S>, M>;
  /**
   * The address the app answers at, found on the target (WordPress: `WP_HOME`,
   * else the `home` option). Called once per run after detection when the
   * app's settings have no `url`; a configured `url` always wins. Null when
   * it cannot be told; a throw is logged and treated as null. The checks
   * then see it as `settings.url` (and `settings.urlSource`).
   */
  address?(ctx: CheckContext<z.output<S>, M>): Promise<AppAddress | null>;
  /**
   * Names a person may type instead of a path, from the plugin's
   * configuration (MySQL: `servers.main` for its data directory): name ->
   * absolute path on the target. Front ends resolve a bare name through
   * `healer.plugins.targets()` (the CLI's `healer diagnose main`).
   */
  targets?(config: z.output<S>): Record<string, string>;
  /**
   * Record what "healthy" looks like (a core-file baseline...). Called after
   * every diagnosis in which nothing failed or warned (`confirmed: false`),
   * and when a person confirms the app is healthy with `healer baseline`
   * (`confirmed: true`, warnings allowed). Its `fs` may write only under the
   * backup root. Errors are logged by the automatic call, thrown by the
   * confirmed one.
   */
  onHealthy?(ctx: HealthyContext<z.output<S>, M>): Promise<void>;
}

export interface HealthyContext<C = unknown, M extends object = Record<string, unknown>> extends CheckContext<C, M> {
  /** The diagnosis that found the app healthy. */
  diagnosis: Diagnosis;
  /** A person confirmed the app is healthy (refresh baselines even if they exist). */
  confirmed: boolean;
}

/**
 * Returns its argument, typed. Plugins are registered explicitly with the
 * healer, never on import. Give the metadata type to have it typed in every
 * check and action: `definePlugin<typeof configSchema, WpMetadata>({ ... })`,
 * with checks declared as `DiagnosticCheck<Config, WpMetadata>`. Without
 * type arguments, `ctx.app.metadata` is a `Record<string, unknown>`.
 */
export function definePlugin<S extends z.ZodType = z.ZodType, M extends object = Record<string, unknown>>(plugin: PluginDefinition<S, M>): PluginDefinition<S, M> {
  return plugin;
}

/**
 * The plugin with only the checks named in `ids`, for running part of it (a
 * test, a narrowed diagnosis). Each action keeps only the `fixes` among them,
 * and an action left fixing none of them is dropped, so the result still
 * registers (registration refuses `fixes` naming an unknown check).
 *
 * @example
 * const availabilityOnly = withOnlyChecks(wordpressPlugin, ['wordpress/availability']);
 */
export function withOnlyChecks<S extends z.ZodType, M extends object>(plugin: PluginDefinition<S, M>, ids: Iterable<string>): PluginDefinition<S, M> {
  const keep = new Set(ids);
  const kept = (id: string): boolean => keep.has(id) || id.startsWith('core/');
  return {
    ...plugin,
    checks: plugin.checks.filter((c) => keep.has(c.id)),
    actions: plugin.actions.flatMap((a) => {
      const fixes = a.fixes.filter(kept);
      return fixes.length > 0 ? [{ ...a, fixes }] : [];
    }),
  };
}
