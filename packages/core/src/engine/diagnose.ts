/**
 * One diagnosis: the app plugin's checks plus the shared checks, run by the
 * check runner, summed up into a status and a health score.
 * @internal
 */
import type { AppInfo, AppSettings, DiagnosticCheck, Target } from '../contract/plugin.js';
import type { ResolvedApp } from './resolve-app.js';
import type { Services } from './services.js';
import type { Diagnosis, CheckResultEntry } from '../schemas.js';
import { sharedChecks } from '../checks/shared/index.js';
import { healthScore, overallStatus, runChecks, type CheckJob } from './check-runner.js';
import { makeCheckContext, makeHealthyContext, type RunEnv } from './context.js';
import { HealerError, errorMessage } from '../errors.js';
import type { RegisteredPlugin } from './registry.js';

export interface DiagnoseOptions {
  settings: AppSettings;
  since?: Date;
  /** Only these check ids (used by verification). */
  only?: ReadonlySet<string>;
  includeShared: boolean;
  concurrency?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  onResult?(result: CheckResultEntry): void;
}

export async function runDiagnosis(
  env: RunEnv,
  entry: RegisteredPlugin,
  app: AppInfo,
  target: Target,
  options: DiagnoseOptions,
): Promise<Diagnosis> {
  const started = new Date();
  const t0 = performance.now();
  const pluginJobs = jobsFor(entry.plugin.checks, entry, app, target, env, options);
  const sharedJobs = options.includeShared ? jobsFor(sharedChecks, entry, app, target, env, options, {}) : [];
  const results = await runChecks([...pluginJobs, ...sharedJobs], {
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onResult ? { onResult: options.onResult } : {}),
  });
  const redacted = results.map((r) => env.redactor.redactDeep(r));
  return {
    target,
    app: { id: app.id, stack: app.stack, version: app.version ?? null, confidence: app.confidence, plugin: app.plugin, root: app.root },
    status: overallStatus(redacted),
    healthScore: healthScore(redacted),
    results: redacted,
    ...(env.exec.info ? { transport: env.exec.info() } : {}),
    startedAt: started.toISOString(),
    durationMs: Math.round(performance.now() - t0),
  };
}

function jobsFor(
  checks: readonly DiagnosticCheck[],
  entry: RegisteredPlugin,
  app: AppInfo,
  target: Target,
  env: RunEnv,
  options: DiagnoseOptions,
  config: unknown = entry.config,
): CheckJob[] {
  return checks
    .filter((c) => !options.only || options.only.has(c.id))
    .filter((c) => !c.appliesTo || c.appliesTo(app, options.settings))
    .map((check) => ({
      check: check as DiagnosticCheck,
      context: (signal: AbortSignal) =>
        makeCheckContext(env, { target, config, settings: options.settings, signal, pluginVersion: entry.plugin.version }, app, options.since),
    }));
}

/**
 * Let the plugin record what healthy looks like. Unconfirmed (after any
 * diagnosis): only when nothing failed or warned, and never throws.
 * Confirmed (a person said so): warnings allowed, failures refused, errors thrown.
 */
export async function recordHealthy(env: RunEnv, resolved: ResolvedApp, diagnosis: Diagnosis, options: { confirmed?: boolean; signal?: AbortSignal } = {}): Promise<void> {
  const { plugin, config } = resolved.entry;
  const confirmed = options.confirmed === true;
  if (confirmed) {
    const bad = diagnosis.results.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => r.id);
    if (bad.length > 0) {
      throw new HealerError('NOT_HEALTHY', `${resolved.app.root} is not healthy (${bad.join(', ')}): fix that before recording it as the healthy reference.`);
    }
  } else if (diagnosis.status !== 'pass') return;
  if (!plugin.onHealthy) return;
  const ctx = makeHealthyContext(
    env,
    { target: resolved.target, config, settings: resolved.settings, signal: options.signal ?? new AbortController().signal, pluginVersion: plugin.version },
    resolved.app,
    { diagnosis, confirmed },
  );
  try {
    await plugin.onHealthy(ctx);
  } catch (e) {
    if (confirmed) throw e;
    env.logger.warn(`onHealthy() of plugin ${plugin.name} failed`, { error: errorMessage(e) });
  }
}

/** Diagnose a resolved app with the healer's settings. */
export function diagnoseApp(svc: Services, env: RunEnv, resolved: ResolvedApp, options: { since?: Date; signal?: AbortSignal } = {}): Promise<Diagnosis> {
  return runDiagnosis(env, resolved.entry, resolved.app, resolved.target, {
    settings: resolved.settings,
    includeShared: svc.settings.sharedChecks,
    concurrency: svc.settings.checkConcurrency,
    timeoutMs: svc.settings.checkTimeoutMs,
    ...(options.since ? { since: options.since } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
