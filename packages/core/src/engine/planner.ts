/**
 * The planner: failed checks -> candidate actions -> split by mode x risk
 * into autoHeal / requireApproval / cannotHeal, with a hash of the plan and a
 * fingerprint of the target state it was made from.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AppInfo, HealingAction, Mode, Operation, PlanContext, Step } from '../contract/plugin.js';
import { errorMessage } from '../errors.js';
import { commandToShell, quoteShellWord } from '../exec/quote.js';
import { validatePath } from '../exec/paths.js';
import type { CannotHeal, CheckResultEntry, DeferredAction, Diagnosis, NotPlanned, Plan, PlannedAction, PlannedStep } from '../schemas.js';
import { gateFor, RISK_ORDER } from './modes.js';
import { resolveOperation } from './operations.js';
import { needsBackup } from './backup-runner.js';

/** Results the planner tries to heal: failures, and warnings that name their fixes. */
export function healableResults(results: readonly CheckResultEntry[]): CheckResultEntry[] {
  return results.filter((r) => r.status === 'fail' || (r.status === 'warn' && r.fixes.length > 0));
}

/**
 * The app does not answer: a check of category `availability` that requested
 * its address (`details.url`) failed.
 */
export function isOutage(results: readonly CheckResultEntry[]): boolean {
  return results.some((r) => r.category === 'availability' && r.status === 'fail' && typeof r.details['url'] === 'string');
}

/** Categories of hygiene: their fixes wait while the app does not answer. */
const HYGIENE_CATEGORIES: ReadonlySet<string> = new Set(['security', 'configuration']);

/**
 * A finding whose fix waits while the app is down: security or configuration
 * hygiene. A critical one (a missing build, a broken config) may be the
 * outage itself, so its fix is not held back.
 */
function isHygiene(r: CheckResultEntry): boolean {
  return HYGIENE_CATEGORIES.has(r.category) && r.severity !== 'critical';
}

export interface PlanInput {
  diagnosis: Diagnosis;
  app: AppInfo;
  mode: Mode;
  /** The actions the app's plugin offers. */
  actions: readonly HealingAction[];
  /** The operations its steps may name (the plugin's `operations`). */
  operations?: readonly Operation[];
  /** Builds the context an action's preconditions() and plan() see, with the nonce the planner made for it. */
  context(action: HealingAction, results: CheckResultEntry[], nonce: string): PlanContext;
  redact(text: string): string;
  now?: () => Date;
}

/** A plan plus, for the healing runner, the steps and action objects behind it. @internal */
export interface PlanWithSteps {
  plan: Plan;
  steps: Map<string, Step[]>;
}

export async function planHealing(input: PlanInput): Promise<PlanWithSteps> {
  const { diagnosis, app, mode } = input;
  const targets = healableResults(diagnosis.results);
  const autoHeal: PlannedAction[] = [];
  const requireApproval: PlannedAction[] = [];
  const cannotHeal: CannotHeal[] = [];
  const steps = new Map<string, Step[]>();

  const byAction = new Map<string, { action: HealingAction; results: CheckResultEntry[] }>();
  for (const result of targets) {
    for (const action of input.actions) {
      if (action.fixes.includes(result.id) || result.fixes.includes(action.id)) {
        const slot = byAction.get(action.id) ?? { action, results: [] };
        slot.results.push(result);
        byAction.set(action.id, slot);
      }
    }
  }

  const viable = new Set<string>();
  const reasons = new Map<string, string[]>();
  const deferred: DeferredAction[] = [];
  const down = isOutage(diagnosis.results);
  const ordered = [...byAction.values()].sort((a, b) => RISK_ORDER[a.action.risk] - RISK_ORDER[b.action.risk]);
  for (const { action, results } of ordered) {
    // Outage first: while the app does not answer, only what can bring it back runs.
    if (down && results.every(isHygiene)) {
      deferred.push({
        actionId: action.id,
        title: action.title,
        risk: action.risk,
        fixes: results.map((r) => r.id),
        reason: 'the app does not answer: hygiene waits for a heal of an app that answers',
      });
      for (const r of results) viable.add(r.id);
      continue;
    }
    let actionSteps: Step[];
    let described: PlannedStep[];
    // Once per planned action; the plan records it and the heal hands the same one to apply() and rollback().
    const nonce = randomBytes(8).toString('hex');
    try {
      const ctx = input.context(action, results, nonce);
      const ok = action.preconditions ? await action.preconditions(ctx) : true;
      if (ok !== true) {
        for (const r of results) pushReason(reasons, r.id, `${action.id}: ${ok}`);
        continue;
      }
      actionSteps = await action.plan(ctx);
      // Rendering refuses what could never run (a NUL byte, a relative cwd): that action cannot help, the rest of the plan stands.
      described = actionSteps.map((s) => describeStep(s, input.redact, input.operations));
    } catch (e) {
      for (const r of results) pushReason(reasons, r.id, `${action.id}: could not plan (${errorMessage(e)})`);
      continue;
    }
    const gate = gateFor(mode, action.risk);
    const planned: PlannedAction = {
      actionId: action.id,
      title: action.title,
      risk: action.risk,
      plugin: app.plugin,
      fixes: results.map((r) => r.id),
      backup: needsBackup(action),
      reason: gateReason(mode, action.risk, gate),
      explicitApproval: gate === 'explicit-approval',
      ...(action.irreversible !== undefined ? { irreversible: action.irreversible } : {}),
      steps: described,
      nonce,
    };
    steps.set(action.id, actionSteps);
    for (const r of results) viable.add(r.id);
    (gate === 'auto' ? autoHeal : requireApproval).push(planned);
  }

  for (const result of targets) {
    if (viable.has(result.id)) continue;
    const why = reasons.get(result.id);
    cannotHeal.push({
      checkId: result.id,
      reason: why ? `No applicable action: ${why.join('; ')}` : `No action can fix this automatically: ${result.message}`,
    });
  }

  const all = [...autoHeal, ...requireApproval];
  const plan: Plan = {
    notPlanned: unnamedWarnings(diagnosis.results, input.actions),
    app: { id: app.id, stack: app.stack, version: app.version ?? null, confidence: app.confidence, plugin: app.plugin, root: app.root },
    target: diagnosis.target,
    mode,
    planHash: hashPlan(app.id, all),
    fingerprint: fingerprintTarget(diagnosis),
    createdAt: (input.now?.() ?? new Date()).toISOString(),
    autoHeal,
    requireApproval,
    cannotHeal,
    deferred,
  };
  return { plan, steps };
}

/**
 * Warnings an action lists in its `fixes` while the result did not name any
 * fix: they are reported, not healed. Said in the plan so that a plugin author
 * whose action "does nothing" reads why.
 */
function unnamedWarnings(results: readonly CheckResultEntry[], actions: readonly HealingAction[]): NotPlanned[] {
  const out: NotPlanned[] = [];
  for (const result of results) {
    if (result.status !== 'warn' || result.fixes.length > 0) continue;
    for (const action of actions) {
      if (!action.fixes.includes(result.id)) continue;
      out.push({
        checkId: result.id,
        actionId: action.id,
        reason: `${result.id} only warned and its result names no fixes: a warning is healed only when its result lists the action (fixes: ['${action.id}'])`,
      });
    }
  }
  return out;
}

function pushReason(map: Map<string, string[]>, key: string, reason: string): void {
  map.set(key, [...(map.get(key) ?? []), reason]);
}

function gateReason(mode: Mode, risk: string, gate: string): string {
  if (gate === 'auto') return `${risk} risk runs on its own in ${mode} mode`;
  if (gate === 'explicit-approval') return 'critical risk: needs its own explicit approval';
  if (risk === 'high') return 'high risk always needs approval';
  return `${risk} risk needs approval in ${mode} mode`;
}

/**
 * The plan's identity: which actions, at which risk, with which exact steps.
 * An action's nonce is hashed as `<nonce>` wherever it appears: it is random
 * per planning, and a plan approved by its hash (`healer plan`, then
 * `heal --plan-hash`) must match the heal's own planning of the same state.
 */
export function hashPlan(appId: string, actions: readonly PlannedAction[]): string {
  const masked = (a: PlannedAction, text: string): string => (a.nonce ? text.split(a.nonce).join('<nonce>') : text);
  const canonical = [...actions]
    .sort((a, b) => (a.actionId < b.actionId ? -1 : 1))
    .map((a) => ({ id: a.actionId, risk: a.risk, fixes: [...a.fixes].sort(), steps: a.steps.map((s) => [s.kind, s.write, masked(a, s.display)]) }));
  return sha256(JSON.stringify({ appId, actions: canonical }));
}

/** The target state a plan was made from: the app and what was failing. */
export function fingerprintTarget(diagnosis: Diagnosis): string {
  const failing = diagnosis.results
    .filter((r) => r.status !== 'pass' && r.status !== 'skip')
    .map((r) => `${r.id}=${r.status}`)
    .sort();
  return sha256(JSON.stringify({ app: diagnosis.app.id, stack: diagnosis.app.stack, version: diagnosis.app.version, failing }));
}

/**
 * A step as a person reads it in a plan or a dry run: commands and paths as
 * `sh` words (through the one quoting function), file writes with their size
 * and a short sha256 of the content.
 * An `op` step is shown as the operation's id and its `describe()` line.
 * @throws HealerError `COMMAND_INVALID` / `PATH_INVALID` for a step that could never run (a NUL byte, a relative cwd or path),
 *   `ACTION_UNSAFE` for an operation not in `operations` or arguments its schema refuses:
 *   the planner puts that action in `cannotHeal` with the reason, before anything is applied.
 */
export function describeStep(step: Step, redact: (text: string) => string = (t) => t, operations: readonly Operation[] = []): PlannedStep {
  const desc = step.description ? { description: redact(step.description) } : {};
  switch (step.kind) {
    case 'run': {
      const opts = { ...(step.cwd ? { cwd: step.cwd } : {}), ...(step.env ? { env: step.env } : {}) };
      return { kind: 'run', write: step.write, display: redact(commandToShell(step.command, opts)), ...desc };
    }
    case 'write-file': {
      validatePath(step.path, 'write-file step path');
      const mode = step.mode !== undefined ? `, mode ${step.mode.toString(8).padStart(4, '0')}` : '';
      // The digest puts the content into the plan hash: an approved write cannot silently become another of the same size.
      const digest = sha256(step.content).slice(0, 12);
      const display = `write ${quoteShellWord(step.path)} (${Buffer.byteLength(step.content)} bytes${mode}, sha256 ${digest})`;
      return { kind: 'write-file', write: true, display, ...desc };
    }
    case 'remove':
      validatePath(step.path, 'remove step path');
      return { kind: 'remove', write: true, display: `remove ${quoteShellWord(step.path)}`, ...desc };
    case 'rename':
      validatePath(step.from, 'rename step source');
      validatePath(step.to, 'rename step destination');
      return { kind: 'rename', write: true, display: `rename ${quoteShellWord(step.from)} -> ${quoteShellWord(step.to)}`, ...desc };
    case 'chmod':
      validatePath(step.path, 'chmod step path');
      return { kind: 'chmod', write: true, display: `chmod ${step.mode.toString(8).padStart(4, '0')} ${quoteShellWord(step.path)}`, ...desc };
    case 'op': {
      const { operation, args } = resolveOperation(operations, step.op, step.args);
      return { kind: 'op', write: true, display: redact(`${operation.id}: ${operation.describe(args)}`), ...desc };
    }
    case 'note':
      return { kind: 'note', write: step.write, display: redact(step.description) };
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
