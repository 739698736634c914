/** `healer heal`, `rollback`, `show`: an execution's JSON, its attempts, its timeline and what to do next. */
import type { Execution, Plan } from '@healer/core';
import { describeDelay } from '../args.js';
import { paintStatus, type Colors } from './color.js';
import { approvalHint } from './format-plan.js';
import { command, type HintContext } from './hints.js';
import { formatTable } from './table.js';

/** An action waiting for approval, in the heal JSON. */
export interface PendingApproval {
  actionId: string;
  risk: string;
  explicitApproval: boolean;
}

/**
 * The heal (and rollback) JSON: `{ executionId, state, message,
 * nextAttemptAt, attempts: [{ actionId, risk, backupId, verified,
 * rolledBack, message }], timeline, ... }`.
 */
export function healJson(execution: Execution, plan: Plan | null = null) {
  return {
    executionId: execution.executionId,
    kind: execution.kind,
    state: execution.state,
    message: execution.message,
    nextAttemptAt: execution.nextAttemptAt,
    appId: execution.appId,
    plugin: execution.plugin,
    target: execution.target,
    mode: execution.mode,
    planHash: execution.planHash,
    startedAt: execution.startedAt,
    finishedAt: execution.finishedAt,
    attempts: execution.attempts.map((a) => ({
      actionId: a.actionId,
      risk: a.risk,
      backupId: a.backupId,
      verified: a.verified,
      rolledBack: a.rolledBack,
      ...(a.message !== undefined ? { message: a.message } : {}),
    })),
    ...(execution.state === 'AWAITING_APPROVAL' && plan
      ? { awaitingApproval: plan.requireApproval.map((a): PendingApproval => ({ actionId: a.actionId, risk: a.risk, explicitApproval: a.explicitApproval })) }
      : {}),
    ...(plan && plan.deferred.length > 0 ? { deferred: plan.deferred } : {}),
    ...(execution.rollbackOf ? { rollbackOf: execution.rollbackOf } : {}),
    ...(execution.error ? { error: execution.error } : {}),
    timeline: execution.timeline,
  };
}

function attemptResult(a: Execution['attempts'][number]): string {
  if (a.verified && a.rolledBack) return 'rolled back (was verified)';
  if (a.verified) return 'verified';
  if (a.rolledBack) return `rolled back: ${a.message ?? ''}`.trim();
  return a.message || 'not finished';
}

export function attemptLines(execution: Execution, colors: Colors): string[] {
  if (execution.attempts.length === 0) return [];
  const rows = execution.attempts.map((a, i) => [String(i + 1), a.actionId, a.risk, a.backupId ?? '-', attemptResult(a)]);
  return formatTable(rows, { headers: ['#', 'ACTION', 'RISK', 'BACKUP', 'RESULT'].map((h) => colors.dim(h)), align: ['right'], indent: '  ' });
}

export function executionHeader(execution: Execution, colors: Colors): string {
  const what = execution.kind === 'rollback' ? `Rollback of ${execution.rollbackOf ?? '?'}` : 'Heal';
  return `${what} ${colors.bold(execution.executionId)} of ${execution.target.path} ${colors.dim(`(${execution.plugin || 'no plugin'}, mode ${execution.mode})`)}`;
}

export function finalLine(execution: Execution, colors: Colors): string {
  return `${colors.bold(paintStatus(colors, execution.state))}  ${execution.message}`;
}

/** The next step for a person, by final state. */
export function nextStepLines(execution: Execution, plan: Plan | null, hint: HintContext, now: Date = new Date()): string[] {
  const deferred = plan?.deferred ?? [];
  const waiting = deferred.length > 0 ? [`Deferred until the site answers (heal again then): ${deferred.map((d) => d.actionId).join(', ')}`] : [];
  return [...waiting, ...stepLines(execution, plan, hint, now)];
}

function stepLines(execution: Execution, plan: Plan | null, hint: HintContext, now: Date): string[] {
  const id = execution.executionId;
  switch (execution.state) {
    case 'FIXED':
      return [`To undo: ${command(['rollback', id, ...hint.globalFlags])}`];
    case 'AWAITING_APPROVAL':
      return plan ? approvalHint(plan, plan.requireApproval, hint) : [`See the plan: ${command(['plan', hint.path, ...hint.globalFlags, ...hint.healFlags])}`];
    case 'BLOCKED': {
      if (execution.nextAttemptAt) {
        const at = new Date(execution.nextAttemptAt);
        return [
          `Next attempt allowed at ${execution.nextAttemptAt} (${describeDelay(at, now)}).`,
          `To allow it now (after checking why it failed): ${command(['breaker', 'reset', hint.path, ...hint.globalFlags])}`,
        ];
      }
      return ['Another run holds this application (locked): try again when it ends.'];
    }
    case 'ROLLED_BACK':
    case 'ESCALATED':
      return [`A person is needed. The whole timeline: ${command(['show', id, ...hint.globalFlags])}`];
    case 'NOTHING_TO_DO':
      return [];
    default:
      return [`The whole timeline: ${command(['show', id, ...hint.globalFlags])}`];
  }
}

export function timelineLines(execution: Execution, colors: Colors): string[] {
  // One row per started command would drown the steps: those are counted below (`--json` lists them).
  const commands = execution.timeline.filter((e) => e.type === 'process.started').length;
  const rows = execution.timeline.filter((e) => e.type !== 'process.started').map((e) => [
    String(e.seq),
    e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    e.state ? paintStatus(colors, e.state) : '',
    e.type,
    e.actionId ?? '',
    e.message,
  ]);
  const table = formatTable(rows, { headers: ['#', 'AT', 'STATE', 'EVENT', 'ACTION', 'MESSAGE'].map((h) => colors.dim(h)), align: ['right'] });
  return commands > 0 ? [...table, colors.dim(`(${commands} command${commands === 1 ? '' : 's'} journaled with their process groups, not shown; --json lists them)`)] : table;
}
