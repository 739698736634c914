/**
 * The contract every shipped action passes, through the public healer API
 * on a real app: planned twice, the same hash; applied, verified and rolled
 * back, the app byte-identical to before; changed by someone else between
 * the plan and the apply, refused with nothing written; changed after the
 * heal, the rollback refused with nothing written.
 *
 * The plugin is narrowed to the one action (its checks all stay, so the
 * verification still sees what else broke), and every phase starts from a
 * fresh app made by the scenario.
 */
import { createHealer, isHealerError, type CreateHealerOptions, type Execution, type Healer, type PluginDefinition, type TargetInput } from '@healer/core';
import { hashFolder } from './tree-hash.js';

/** One app in the state the action fixes. */
export interface ContractApp {
  /** What heal() is given: the path, as a user types it (or a target with a host). */
  target: TargetInput;
  /** The healer's options besides `plugins` (state, executor, apps...). */
  options?: Omit<CreateHealerOptions, 'plugins'>;
  /** The plugin's configuration. */
  config?: unknown;
  /**
   * Change what the action changes, as a person or another program would:
   * after it, planning the action again must give other steps, and what a
   * verified action left must read differently.
   */
  drift(): Promise<void>;
  /** The state compared byte for byte. Default: a digest of the folder `target` names (files, modes, links). */
  snapshot?(): Promise<string>;
  cleanup?(): Promise<void>;
}

export interface ActionScenario {
  /** The action under contract. */
  actionId: string;
  plugin: PluginDefinition;
  /** A fresh app for each phase. */
  setup(): Promise<ContractApp>;
  /**
   * Why this action has no rollback (a restart changes nothing to put back);
   * not needed for an action that declares `irreversible`, which is judged the same way.
   * The round trip then checks that a rollback request writes nothing, and
   * the drift-after phase does not apply.
   */
  noRollback?: string;
}

/** What went wrong in each phase (empty: the action keeps the contract). */
export interface ContractReport {
  planTwice: string[];
  roundTrip: string[];
  driftBeforeApply: string[];
  driftBeforeRollback: string[];
}

/** The app's snapshot function: its own, else a digest of its folder. */
function snapshotOf(app: ContractApp): () => Promise<string> {
  return app.snapshot ?? (() => hashFolder(typeof app.target === 'string' ? app.target : app.target.path));
}

type Body<T> = (app: ContractApp, healer: Healer, snapshot: () => Promise<string>) => Promise<T>;

/** Run `body` on a fresh app, with a healer holding the plugin narrowed to the action (then given to `wrap`). */
async function withApp<T>(scenario: ActionScenario, body: Body<T>, wrap: (only: PluginDefinition, app: ContractApp) => PluginDefinition = (only) => only): Promise<T> {
  const app = await scenario.setup();
  const only: PluginDefinition = { ...scenario.plugin, actions: scenario.plugin.actions.filter((a) => a.id === scenario.actionId) };
  const healer = createHealer({ ...app.options, plugins: [{ plugin: wrap(only, app), config: app.config ?? {} }] });
  const snapshot = snapshotOf(app);
  try {
    return await body(app, healer, snapshot);
  } finally {
    await healer.close();
    await app.cleanup?.();
  }
}

/** Heal with the one action approved (whatever its risk). */
async function healOnce(healer: Healer, app: ContractApp, actionId: string): Promise<{ execution: Execution } | string> {
  const plan = await healer.plan(app.target, { mode: 'auto' });
  const planned = [...plan.autoHeal, ...plan.requireApproval].some((a) => a.actionId === actionId);
  if (!planned) return `${actionId} is not planned: ${plan.cannotHeal.map((c) => c.reason).join('; ') || 'no failing check it fixes'}`;
  const { execution } = await healer.heal(app.target, { mode: 'auto', approve: { planHash: plan.planHash, actions: [actionId] } });
  return { execution };
}

function skippedByDrift(execution: Execution): boolean {
  return execution.timeline.some((e) => e.type === 'action.skipped' && e.data?.['code'] === 'PLAN_DRIFT');
}

export async function checkActionContract(scenario: ActionScenario): Promise<ContractReport> {
  const { actionId } = scenario;
  const report: ContractReport = { planTwice: [], roundTrip: [], driftBeforeApply: [], driftBeforeRollback: [] };
  const irreversible = scenario.plugin.actions.find((a) => a.id === actionId)?.irreversible;

  await withApp(scenario, async (app, healer) => {
    const first = await healer.plan(app.target, { mode: 'auto' });
    const second = await healer.plan(app.target, { mode: 'auto' });
    const find = (p: typeof first) => [...p.autoHeal, ...p.requireApproval].find((a) => a.actionId === actionId);
    const a = find(first);
    const b = find(second);
    if (!a || !b) report.planTwice.push(`${actionId} is not planned: ${first.cannotHeal.map((c) => c.reason).join('; ') || 'no failing check it fixes'}`);
    else if (first.planHash !== second.planHash) {
      report.planTwice.push(`the plan hash differs: ${a.steps.map((s) => s.display).join('; ')} | then ${b.steps.map((s) => s.display).join('; ')}`);
    }
  });

  await withApp(scenario, async (app, healer, snapshot) => {
    const before = await snapshot();
    const healed = await healOnce(healer, app, actionId);
    if (typeof healed === 'string') return void report.roundTrip.push(healed);
    if (healed.execution.state !== 'FIXED') return void report.roundTrip.push(`the heal ended ${healed.execution.state}: ${healed.execution.message}`);
    const after = await snapshot();
    // An action that cannot be undone (`irreversible`) is refused before any run starts.
    const back = await healer.rollback(healed.execution.executionId).catch((e: unknown) => {
      if (irreversible && isHealerError(e) && e.code === 'NOTHING_TO_ROLL_BACK') return null;
      throw e;
    });
    const now = await snapshot();
    if (scenario.noRollback || irreversible) {
      if (back?.state === 'ROLLED_BACK') report.roundTrip.push(`declared without rollback (${scenario.noRollback ?? irreversible}), yet rolled back`);
      if (now !== after) report.roundTrip.push('a refused rollback changed the app');
      return;
    }
    if (back === null) return void report.roundTrip.push('the rollback was refused as NOTHING_TO_ROLL_BACK');
    if (back.state !== 'ROLLED_BACK') report.roundTrip.push(`the rollback ended ${back.state}: ${back.message}`);
    else if (now !== before) report.roundTrip.push('after the rollback the app is not byte-identical to before the heal');
  });

  // The engine plans the action again just before applying: the change lands between its plan and that one.
  let armed = false;
  let drifted: string | null = null;
  const driftOnReplan = (only: PluginDefinition, app: ContractApp): PluginDefinition => ({
    ...only,
    actions: only.actions.map((action) => ({
      ...action,
      async preconditions(ctx) {
        if (armed && drifted === null) {
          await app.drift();
          drifted = await snapshotOf(app)();
        }
        return action.preconditions ? action.preconditions(ctx) : true;
      },
    })),
  });
  await withApp(
    scenario,
    async (app, healer, snapshot) => {
      healer.on('timeline', (_id, event) => {
        if (event.type === 'action.started' && event.actionId === actionId) armed = true;
      });
      const healed = await healOnce(healer, app, actionId);
      if (typeof healed === 'string') return void report.driftBeforeApply.push(healed);
      if (drifted === null) return void report.driftBeforeApply.push('the engine did not plan the action again before applying it');
      if (!skippedByDrift(healed.execution)) report.driftBeforeApply.push(`not refused as drift: the heal ended ${healed.execution.state}: ${healed.execution.message}`);
      if (healed.execution.timeline.some((e) => e.type === 'apply.started')) report.driftBeforeApply.push('the action was applied');
      if ((await snapshot()) !== drifted) report.driftBeforeApply.push('the refused heal changed the app');
    },
    driftOnReplan,
  );

  if (!scenario.noRollback && !irreversible) {
    await withApp(scenario, async (app, healer, snapshot) => {
      const healed = await healOnce(healer, app, actionId);
      if (typeof healed === 'string') return void report.driftBeforeRollback.push(healed);
      if (healed.execution.state !== 'FIXED') return void report.driftBeforeRollback.push(`the heal ended ${healed.execution.state}: ${healed.execution.message}`);
      await app.drift();
      const drifted = await snapshot();
      const back = await healer.rollback(healed.execution.executionId);
      if (back.state === 'ROLLED_BACK' || back.error?.code !== 'ROLLBACK_DRIFT') {
        report.driftBeforeRollback.push(`not refused as drift: the rollback ended ${back.state} (${back.error?.code ?? 'no error'}): ${back.message}`);
      }
      if ((await snapshot()) !== drifted) report.driftBeforeRollback.push('the refused rollback changed the app');
    });
  }
  return report;
}
