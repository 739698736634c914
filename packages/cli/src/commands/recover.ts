/** `healer recover`: finish the rollback of heals a killed process left half done. */
import type { Command } from 'commander';
import { sessionAction, type RunContext } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { recoverLines } from '../output/format-lists.js';

interface Options {
  execution?: string;
}

export function registerRecover(program: Command, ctx: RunContext): void {
  program
    .command('recover')
    .description('Roll back what interrupted heals (their process gone) left half applied, from their journals and backups.')
    .option('--execution <executionId>', 'only this execution')
    .action(
      sessionAction<Options>(ctx, async (session, _args, opts) => {
        const reports = await session.healer.recover(opts.execution ? { executionId: opts.execution } : {});
        if (session.out.json) session.out.printJson(reports);
        else session.out.lines(recoverLines(reports, session.out.colors));
        // A recovery that could not roll back leaves the app changed: that is an error for monitoring.
        for (const r of reports.filter((x) => x.state === 'FAILED')) {
          if ((await session.healer.execution(r.executionId))?.error) return EXIT.ERROR;
        }
        return EXIT.OK;
      }),
    );
}
