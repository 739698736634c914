/**
 * Turning a target into the app a run works on: detection, the winning
 * plugin, and the app's settings.
 * @internal
 */
import type { ActionContext, AppInfo, AppSettings, BackupHandle, PlanContext, Target } from '../contract/plugin.js';
import type { CheckResultEntry, Execution } from '../schemas.js';
import { HealerError } from '../errors.js';
import { createFacts } from '../checks/facts.js';
import { defaultBackupRoot } from '../backup/file-backup.js';
import { canonicalFuturePath, canonicalPath } from '../exec/canonical-path.js';
import { isPathWithin, validatePath } from '../exec/paths.js';
import { makeActionContext, makePlanContext, type RunEnv } from './context.js';
import { withAppAddress } from './app-address.js';
import { appIdFor, detectStack, noStackMessage, type DetectionReport } from './detector.js';
import type { RegisteredPlugin } from './registry.js';
import type { AppRun, ConfiguredApp, Services } from './services.js';

/** A fresh environment for one run: facts are memoized for this run only. */
export function makeRunEnv(svc: Services): RunEnv {
  return {
    exec: svc.exec,
    facts: createFacts(svc.exec),
    logger: svc.logger,
    redactor: svc.redactor,
    backupRootFor: (root) => svc.settings.backupRoot ?? defaultBackupRoot(root),
  };
}

/**
 * The settings for an app: the static ones for its root (or the path it was
 * given as), then what `settingsFor` gives for the app (host, root and the
 * app id made of them) merged over them, then the target's URL.
 */
export async function settingsFor(svc: Services, target: Target, root = target.path, given?: string): Promise<ConfiguredApp> {
  const configured = svc.settings.apps[root] ?? svc.settings.apps[target.path] ?? (given ? svc.settings.apps[given] : undefined) ?? {};
  const dynamic = (await svc.settings.settingsFor?.({ appId: appIdFor(target.host, root), host: target.host, root })) ?? {};
  return { ...configured, ...dynamic, ...(target.url ? { url: target.url } : {}) };
}

export interface ResolvedApp extends AppRun {
  entry: RegisteredPlugin;
  report: DetectionReport;
}

/**
 * One look at the folder before anything else: an unreachable or untrusted
 * host fails here with its own error (plugins' detect() may swallow errors),
 * and a missing folder is named as such (`FILE_NOT_FOUND`).
 */
export async function checkTargetFolder(env: Pick<RunEnv, 'exec'>, target: Target): Promise<void> {
  validatePath(target.path, 'application path');
  const folder = await env.exec.stat(target.path);
  if (!folder) throw new HealerError('FILE_NOT_FOUND', `${target.path} does not exist on ${target.host}.`, { details: { path: target.path, host: target.host } });
  if (folder.type !== 'directory' && folder.type !== 'symlink') {
    throw new HealerError('INVALID_ARGUMENT', `${target.path} on ${target.host} is not a folder.`);
  }
}

export async function resolveApp(
  svc: Services,
  env: RunEnv,
  given: Target,
  options: { plugin?: string; signal?: AbortSignal; address?: Pick<AppSettings, 'url' | 'urlSource'> } = {},
): Promise<ResolvedApp> {
  // A missing folder is named as such; then the one spelling of the folder on its host (symlinks, `.`):
  // the app id, and so the lock and the breaker, come from it.
  await checkTargetFolder(env, given);
  const target: Target = { ...given, path: await canonicalPath(env.exec, given.path) };
  const preset = await settingsFor(svc, target, target.path, given.path);
  const plugin = options.plugin ?? preset.plugin;
  const report = await detectStack(svc.registry, env, target, {
    ...(plugin ? { plugin } : {}),
    settings: preset,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!report.app && plugin) {
    const why = report.candidates[0]?.error ? `: ${report.candidates[0].error}` : '';
    throw new HealerError(
      'NO_STACK_DETECTED',
      `Plugin "${plugin}" was chosen for ${target.path}, but it does not recognize an application there${why}.`,
      { details: { path: target.path, plugin, candidates: report.candidates } },
    );
  }
  if (!report.app) {
    const enabled = svc.registry.enabled().map((p) => p.plugin.name);
    throw new HealerError(
      'NO_STACK_DETECTED',
      noStackMessage(target.path, enabled, report.candidates),
      { details: { path: target.path, enabled, candidates: report.candidates } },
    );
  }
  if (report.app.root !== target.path) {
    const root = await canonicalPath(env.exec, report.app.root);
    report.app = { ...report.app, root, id: appIdFor(target.host, root) };
  }
  await refuseBackupRootInside(env, report.app.root);
  const entry = svc.registry.get(report.app.plugin)!;
  const settings = report.app.root === target.path ? { ...preset } : await settingsFor(svc, target, report.app.root, given.path);
  // An address already found (verification after a change) is kept, not looked up again.
  if (settings.url === undefined && options.address?.url !== undefined) Object.assign(settings, options.address);
  return withAppAddress(env, { target, app: report.app, settings, entry, report }, options.signal);
}

/** Backups hold secrets (wp-config.php): never inside the app (its docroot). `CONFIG_INVALID`. */
async function refuseBackupRootInside(env: RunEnv, root: string): Promise<void> {
  const configured = env.backupRootFor(root);
  const backupRoot = await canonicalFuturePath(env.exec, configured);
  if (isPathWithin(root, backupRoot) || isPathWithin(root, configured)) {
    throw new HealerError('CONFIG_INVALID', `The backup root ${configured} is inside the application root ${root}: backups would be served with the site. Choose a folder outside it.`, {
      details: { backupRoot: configured, appRoot: root },
    });
  }
}

/** The app an execution's journal recorded (`app.detected`), if it got that far. */
export function appFromJournal(execution: Pick<Execution, 'timeline'>): AppInfo | undefined {
  return execution.timeline.find((e) => e.type === 'app.detected')?.data?.app as AppInfo | undefined;
}

/**
 * The app of a recorded execution, as its journal saw it (`app.detected`):
 * used to undo what it did without detecting again (the app may be broken).
 */
export async function resolvedFromJournal(svc: Services, target: Target, app: AppInfo, entry: RegisteredPlugin): Promise<ResolvedApp> {
  return { target, app, settings: await settingsFor(svc, target, app.root), entry, report: { app, candidates: [], nearTies: [] } };
}

function commonOf(resolved: ResolvedApp, signal: AbortSignal) {
  return { target: resolved.target, config: resolved.entry.config, settings: resolved.settings, signal, pluginVersion: resolved.entry.plugin.version };
}

const resultsOf = (results: readonly CheckResultEntry[]) => results.map((r) => ({ id: r.id, status: r.status, details: r.details }));

/** The context `preconditions()` and `plan()` of an action of the resolved app receive: no execution id. Frozen, like {@link actionContext}. */
export function planContext(
  env: RunEnv,
  resolved: ResolvedApp,
  results: readonly CheckResultEntry[],
  nonce: string,
  signal: AbortSignal = new AbortController().signal,
): PlanContext {
  return Object.freeze(makePlanContext(env, commonOf(resolved, signal), resolved.app, { results: resultsOf(results), nonce }));
}

/**
 * The context an action of the resolved app receives. `nonce`: the one its
 * plan was made with (journaled with `action.started`); executions journaled
 * before nonces existed named their scratch files after the execution id.
 * Frozen: what an action sees is never changed under it (a context with a
 * backup is a new one, made once the backup is taken).
 */
export function actionContext(
  svc: Services,
  env: RunEnv,
  resolved: ResolvedApp,
  executionId: string,
  results: readonly CheckResultEntry[],
  backup: BackupHandle | null,
  signal: AbortSignal = new AbortController().signal,
  nonce: string = executionId,
): ActionContext {
  return Object.freeze(makeActionContext(env, commonOf(resolved, signal), resolved.app, { executionId, nonce, results: resultsOf(results), backup }));
}

/** The nonce an execution's journal recorded for an action (`action.started`), or its execution id for older journals. */
export function nonceFromJournal(execution: Pick<Execution, 'timeline' | 'executionId'>, actionId: string): string {
  const started = execution.timeline.findLast((e) => e.type === 'action.started' && e.actionId === actionId);
  const nonce = started?.data?.['nonce'];
  return typeof nonce === 'string' ? nonce : execution.executionId;
}
