/**
 * `healer heal [path]`: the escalation ladder (backup -> apply -> verify ->
 * rollback, lowest risk first) under the circuit breaker, or with `--dry-run`
 * the commands and edits it would run, without changing or recording anything.
 */
import { readTargetOptions, withTargetOptions, type TargetOptions } from './target-options.js';
import type { Command } from 'commander';
import { selectRungs, type Approval, type HealOutcome, type Mode, type TargetInput } from '@healer/core';
import { parseMode } from '../args.js';
import { globalFlags, sessionAction, type RunContext } from '../command-context.js';
import { EXIT, exitCodeForHeal, type ExitCode } from '../exit-codes.js';
import { attemptLines, executionHeader, finalLine, healJson, nextStepLines } from '../output/format-execution.js';
import { dryRunLines, type DryRun } from '../output/format-plan.js';
import type { HintContext } from '../output/hints.js';
import { startProgress } from '../output/progress.js';
import type { Session } from '../session.js';
import { healFlags } from './plan.js';

interface Options extends TargetOptions {
  mode?: string;
  approve: string[];
  approveAll?: boolean;
  planHash?: string;
  dryRun?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerHeal(program: Command, ctx: RunContext): void {
  withTargetOptions(program.command('heal'))
    .description('Heal the application: backup -> apply -> verify -> rollback, lowest risk first, under the circuit breaker.')
    .option('--mode <mode>', 'manual | supervised | auto (or SEMI_AUTO, FULL_AUTO)')
    .option('--approve <actionId>', 'approve one action that needs approval (repeatable; the only way to approve a critical one)', collect, [])
    .option('--approve-all', 'approve every action that needs approval, except critical ones')
    .option('--plan-hash <hash>', 'bind the approvals to the plan shown earlier: refused if the plan changed')
    .option('--dry-run', 'print every command and edit of the actions that would run, and those awaiting approval; change nothing')
    .action(
      sessionAction<Options>(ctx, async (session, [path], opts) => {
        const { target, request } = readTargetOptions(session, path, opts);
        const mode = parseMode(opts.mode);
        const approve: Approval | undefined =
          opts.approve.length || opts.approveAll || opts.planHash
            ? {
                ...(opts.approve.length ? { actions: opts.approve } : {}),
                ...(opts.approveAll ? { all: true } : {}),
                ...(opts.planHash ? { planHash: opts.planHash.trim() } : {}),
              }
            : undefined;
        const hint: HintContext = {
          path: typeof target === 'string' ? target : target.path,
          globalFlags: globalFlags(session),
          healFlags: healFlags(opts),
        };
        const common = { ...request, ...(mode ? { mode } : {}) };
        if (opts.dryRun) return dryRun(session, target, common, approve, hint);

        const progress = startProgress(session.healer, session.io.stderr, !session.out.json && (session.io.stderrIsTTY ?? session.io.isTTY));
        let outcome: HealOutcome;
        try {
          outcome = await session.healer.heal(target, { ...common, ...(approve ? { approve } : {}) });
        } finally {
          progress.stop();
        }
        const { execution, plan } = outcome;
        if (session.out.json) {
          session.out.printJson(healJson(execution, plan));
        } else {
          const c = session.out.colors;
          session.out.lines([executionHeader(execution, c), ...attemptLines(execution, c), finalLine(execution, c), ...nextStepLines(execution, plan, hint)]);
        }
        return exitCodeForHeal(execution.state);
      }),
    );
}

async function dryRun(
  session: Session,
  target: TargetInput,
  options: { mode?: Mode; plugin?: string; since?: Date },
  approve: Approval | undefined,
  hint: HintContext,
): Promise<ExitCode> {
  const plan = await session.healer.plan(target, options);
  const wouldRun = selectRungs(plan, approve);
  const decision = (await session.healer.breaker.status(plan.app.id)).decision;
  const dry: DryRun = {
    dryRun: true,
    app: plan.app,
    target: plan.target,
    mode: plan.mode,
    planHash: plan.planHash,
    fingerprint: plan.fingerprint,
    wouldRun,
    awaitingApproval: plan.requireApproval.filter((a) => !wouldRun.includes(a)),
    cannotHeal: plan.cannotHeal,
    deferred: plan.deferred,
    breaker: { allowed: decision.allowed, reason: decision.reason, nextAttemptAt: decision.nextAttemptAt },
  };
  if (session.out.json) session.out.printJson(dry);
  else session.out.lines(dryRunLines(dry, plan, session.out.colors, hint));
  return EXIT.OK;
}
