/** `healer rollback <executionId>`: undo the verified changes of a finished heal from its backups. */
import type { Execution } from '@healer/core';
import type { Command } from 'commander';
import { globalFlags, sessionAction, type RunContext } from '../command-context.js';
import { exitCodeForRollback } from '../exit-codes.js';
import { attemptLines, executionHeader, finalLine, healJson, nextStepLines } from '../output/format-execution.js';

export function registerRollback(program: Command, ctx: RunContext): void {
  program
    .command('rollback')
    .description('Undo the applied actions of a finished heal, newest first, from their backups (recorded as a new execution).')
    .argument('<executionId>', 'the heal to undo (see `healer history`)')
    .option('--force', 'roll back even when what the heal left was changed since (by default such a rollback is refused and the changes are listed)')
    .action(
      sessionAction<{ force?: boolean }>(ctx, async (session, [id], opts) => {
        const execution = await session.healer.rollback(id as string, { force: opts.force === true });
        if (session.out.json) session.out.printJson(healJson(execution));
        else {
          const c = session.out.colors;
          const hint = { path: execution.target.path, globalFlags: globalFlags(session), healFlags: [] };
          session.out.lines([executionHeader(execution, c), ...attemptLines(execution, c), finalLine(execution, c), ...(execution.state === 'ROLLED_BACK' ? [] : nextStepLines(execution, null, hint)), ...forceHint(execution, id as string)]);
        }
        return exitCodeForRollback(execution.state);
      }),
    );
}

/** After a refusal for drift: how to roll back anyway. */
function forceHint(execution: Execution, id: string): string[] {
  return execution.error?.code === 'ROLLBACK_DRIFT' ? [`To roll back anyway, overwriting those changes: healer rollback ${id} --force`] : [];
}
