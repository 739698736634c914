/** `healer plan` and `healer heal --dry-run`: the actions, their risk and every step. */
import type { Plan, PlannedAction } from '@healer/core';
import { appLine } from './format-diagnosis.js';
import type { Colors } from './color.js';
import { approveAllCommand, approveCommand, type HintContext } from './hints.js';

function actionLines(actions: readonly PlannedAction[], colors: Colors, numbered: boolean): string[] {
  const lines: string[] = [];
  actions.forEach((a, i) => {
    const marks = [a.risk + ' risk', a.backup ? 'backup first' : 'no backup', ...(a.irreversible ? [`cannot be undone: ${a.irreversible}`] : []), ...(a.explicitApproval ? ['needs its own --approve'] : [])];
    lines.push(`  ${numbered ? `${i + 1}. ` : '- '}${colors.bold(a.actionId)}  ${a.title} ${colors.dim(`(${marks.join(', ')})`)}`);
    lines.push(colors.dim(`       fixes ${a.fixes.join(', ')}; ${a.reason}`));
    for (const s of a.steps) {
      const tag = s.write ? colors.yellow('write') : colors.dim('read ');
      lines.push(`       ${tag}  ${s.display}${s.description ? colors.dim(`  # ${s.description}`) : ''}`);
    }
  });
  return lines;
}

function cannotHealLines(plan: Plan): string[] {
  return plan.cannotHeal.map((c) => `  - ${c.checkId}: ${c.reason}`);
}

/** Actions that list a check which only warned without naming them: reported, not healed. */
function notPlannedLines(plan: Plan, colors: Colors): string[] {
  const notPlanned = plan.notPlanned ?? [];
  if (notPlanned.length === 0) return [];
  return [colors.dim('Not planned (a warning is healed only when its result names the action in fixes):'), ...notPlanned.map((n) => colors.dim(`  - ${n.actionId} for ${n.checkId}`)), ''];
}

/** Hygiene held back while the site does not answer (outage first). */
function deferredLines(plan: Plan, colors: Colors): string[] {
  const deferred = plan.deferred ?? [];
  if (deferred.length === 0) return [];
  return [
    colors.yellow('Deferred until the site answers again (heal again then):'),
    ...deferred.map((d) => `  - ${colors.bold(d.actionId)}  ${d.title} ${colors.dim(`(${d.risk} risk; fixes ${d.fixes.join(', ')})`)}`),
    '',
  ];
}

export function planLines(plan: Plan, colors: Colors, hint: HintContext): string[] {
  const lines = [appLine(plan.app, colors), `Plan ${plan.planHash} (mode ${plan.mode})`, ''];
  if (plan.autoHeal.length + plan.requireApproval.length + plan.cannotHeal.length + (plan.deferred ?? []).length === 0) {
    lines.push('Nothing to heal: no check is failing.');
    const notPlanned = notPlannedLines(plan, colors);
    if (notPlanned.length) lines.push('', ...notPlanned);
    return trimTrailingBlank(lines);
  }
  if (plan.autoHeal.length) lines.push(colors.green('Runs on its own (lowest risk first):'), ...actionLines(plan.autoHeal, colors, true), '');
  if (plan.requireApproval.length) lines.push(colors.yellow('Needs approval:'), ...actionLines(plan.requireApproval, colors, false), '');
  if (plan.cannotHeal.length) lines.push(colors.red('Cannot heal (a person is needed):'), ...cannotHealLines(plan), '');
  lines.push(...deferredLines(plan, colors));
  lines.push(...notPlannedLines(plan, colors));
  if (plan.requireApproval.length) lines.push(...approvalHint(plan, plan.requireApproval, hint));
  return trimTrailingBlank(lines);
}

function trimTrailingBlank(lines: string[]): string[] {
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function approvalHint(plan: Plan, pending: readonly PlannedAction[], hint: HintContext): string[] {
  const lines = [`Approve with: ${approveCommand(hint, pending.map((a) => a.actionId), plan.planHash)}`];
  if (pending.length > 1 && pending.some((a) => !a.explicitApproval)) {
    lines.push(`   or, every non-critical one: ${approveAllCommand(hint, plan.planHash)}`);
  }
  return lines;
}

/** The dry-run document: what a heal would run now, and what waits for approval. */
export interface DryRun {
  dryRun: true;
  app: Plan['app'];
  target: Plan['target'];
  mode: Plan['mode'];
  planHash: string;
  fingerprint: string;
  /** The actions a heal would run, in ladder order, with every command and edit. */
  wouldRun: PlannedAction[];
  /** Actions that would wait for approval (not run). */
  awaitingApproval: PlannedAction[];
  cannotHeal: Plan['cannotHeal'];
  /** Actions held back while the site does not answer. */
  deferred: Plan['deferred'];
  /** Whether the circuit breaker would let a heal start now. */
  breaker: { allowed: boolean; reason: string; nextAttemptAt: string | null };
}

export function dryRunLines(dry: DryRun, plan: Plan, colors: Colors, hint: HintContext): string[] {
  const lines = [colors.bold('Dry run: nothing is changed, no execution or backup is recorded.'), appLine(dry.app, colors), `Plan ${dry.planHash} (mode ${dry.mode})`, ''];
  if (!dry.breaker.allowed) lines.push(colors.red(`A heal would be BLOCKED now: ${dry.breaker.reason}`), '');
  if (dry.wouldRun.length) lines.push(colors.green('Would run (lowest risk first, stopping at the first verified fix):'), ...actionLines(dry.wouldRun, colors, true), '');
  else lines.push('Would run nothing.', '');
  if (dry.awaitingApproval.length) lines.push(colors.yellow('Would wait for approval:'), ...actionLines(dry.awaitingApproval, colors, false), '');
  if (dry.cannotHeal.length) lines.push(colors.red('Cannot heal (a person is needed):'), ...cannotHealLines(plan), '');
  lines.push(...deferredLines(plan, colors));
  if (dry.awaitingApproval.length) lines.push(...approvalHint(plan, dry.awaitingApproval, hint));
  return trimTrailingBlank(lines);
}
