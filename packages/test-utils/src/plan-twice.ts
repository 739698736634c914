/**
 * Plan every action of a plugin twice for one app state, through the engine's
 * planner, with a real context (a real executor, fs and facts on the app's
 * folder). The results are the checks the actions fix, all failing: what is
 * tested is the plan, so its preconditions and steps read the real state.
 */
import {
  CORE_VERSION,
  createFacts,
  createHealerFs,
  defaultBackupRoot,
  hashPlan,
  LocalExecutor,
  planHealing,
  type AppInfo,
  type AppSettings,
  type CheckResultEntry,
  type Diagnosis,
  type Plan,
  type PlanContext,
  type PluginDefinition,
} from '@healer/core';

export interface PlanTwiceOptions {
  /** The plugin's configuration input (validated by its schema). */
  config?: unknown;
  settings?: AppSettings;
  /** `details` of a failing check, by check id (what the real check reports, e.g. a culprit). */
  details?: Record<string, Record<string, unknown>>;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Two plans of the same state, made one after the other. */
export async function planTwice(plugin: PluginDefinition, app: AppInfo, options: PlanTwiceOptions = {}): Promise<[Plan, Plan]> {
  const ids = [...new Set(plugin.actions.flatMap((a) => a.fixes))];
  const results: CheckResultEntry[] = ids.map((id) => {
    const check = plugin.checks.find((c) => c.id === id);
    return {
      id,
      title: check?.title ?? id,
      category: check?.category ?? 'configuration',
      severity: check?.severity ?? 'high',
      status: 'fail',
      message: `${id} fails`,
      details: options.details?.[id] ?? {},
      evidence: [],
      fixes: [],
      durationMs: 0,
    };
  });
  const diagnosis: Diagnosis = {
    target: { host: 'local', path: app.root },
    app: { id: app.id, stack: app.stack, version: app.version ?? null, confidence: app.confidence, plugin: app.plugin, root: app.root },
    status: 'fail',
    healthScore: 0,
    results,
    startedAt: new Date().toISOString(),
    durationMs: 0,
  };
  const config = plugin.configSchema ? plugin.configSchema.parse(options.config ?? {}) : (options.config ?? {});
  const plan = async (): Promise<Plan> => {
    // A fresh executor and facts per planning, as two runs would have.
    const exec = new LocalExecutor();
    const facts = createFacts(exec);
    const context = (_action: unknown, picked: CheckResultEntry[], nonce: string): PlanContext => ({
      target: { host: 'local', path: app.root },
      exec,
      fs: createHealerFs(exec, []),
      facts,
      config,
      settings: options.settings ?? {},
      logger: silent,
      secrets: { add() {} },
      signal: new AbortController().signal,
      versions: { core: CORE_VERSION, plugin: plugin.version },
      app,
      backupRoot: defaultBackupRoot(app.root),
      results: picked.map((r) => ({ id: r.id, status: r.status, details: r.details })),
      nonce,
    });
    const { plan: made } = await planHealing({ diagnosis, app, mode: 'auto', actions: plugin.actions, operations: plugin.operations ?? [], context, redact: (t) => t });
    return made;
  };
  const first = await plan();
  return [first, await plan()];
}

/**
 * What differs between two plans of the same state, action by action (empty:
 * none): a different set of actions, a different hash, or a nonce that was
 * reused (each planning must make its own).
 */
export function planDifferences(first: Plan, second: Plan): string[] {
  const planned = (p: Plan) => [...p.autoHeal, ...p.requireApproval];
  const out: string[] = [];
  const ids = (p: Plan) => planned(p).map((a) => a.actionId).sort().join(', ');
  if (ids(first) !== ids(second)) out.push(`planned actions differ: [${ids(first)}] then [${ids(second)}]`);
  for (const a of planned(first)) {
    const b = planned(second).find((x) => x.actionId === a.actionId);
    if (!b) continue;
    if (hashPlan(first.app.id, [a]) !== hashPlan(second.app.id, [b])) {
      out.push(`${a.actionId}: the steps differ:\n  ${a.steps.map((s) => s.display).join('\n  ')}\nthen\n  ${b.steps.map((s) => s.display).join('\n  ')}`);
    }
    if (!a.nonce || a.nonce === b.nonce) out.push(`${a.actionId}: nonce ${a.nonce ?? 'missing'} then ${b.nonce ?? 'missing'}`);
  }
  if (out.length === 0 && first.planHash !== second.planHash) out.push(`plan hashes differ: ${first.planHash} then ${second.planHash}`);
  return out;
}
