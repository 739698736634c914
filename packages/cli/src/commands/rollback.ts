/** `healer rollback <executionId>`: undo the verified changes of a finished heal from its backups. */
import type { Command } from 'commander';
import { globalFlags, sessionAction, type RunContext } from '../command-context.js';
import { exitCodeForRollback } from '../exit-codes.js';
import { attemptLines, executionHeader, finalLine, healJson, nextStepLines } from '../output/format-execution.js';

export function registerRollback(program: Command, ctx: RunContext): void {
  program
    .command('rollback')
    .description('Undo the applied actions of a finished heal, newest first, from their backups (recorded as a new execution).')
    .argument('<executionId>', 'the heal to undo (see `healer history`)')
    .action(
      sessionAction<object>(ctx, async (session, [id]) => {
        const execution = await session.healer.rollback(id as string);
        if (session.out.json) session.out.printJson(healJson(execution));
        else {
          const c = session.out.colors;
          const hint = { path: execution.target.path, globalFlags: globalFlags(session), healFlags: [] };
          session.out.lines([executionHeader(execution, c), ...attemptLines(execution, c), finalLine(execution, c), ...(execution.state === 'ROLLED_BACK' ? [] : nextStepLines(execution, null, hint))]);
        }
        return exitCodeForRollback(execution.state);
      }),
    );
}
