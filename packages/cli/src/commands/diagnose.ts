/** `healer diagnose [path]`: run the checks; exit code by the Nagios convention. */
import { readTargetOptions, withTargetOptions, type TargetOptions } from './target-options.js';
import type { Command } from 'commander';
import { sessionAction, type RunContext } from '../command-context.js';
import { exitCodeForDiagnosis } from '../exit-codes.js';
import { diagnosisJson, diagnosisLines } from '../output/format-diagnosis.js';
import { startProgress } from '../output/progress.js';

type Options = TargetOptions;

export function registerDiagnose(program: Command, ctx: RunContext): void {
  withTargetOptions(program.command('diagnose'))
    .description("Run the plugin's checks and the shared checks. Exit 0 pass, 1 warn, 2 fail, 3 error.")
    .action(
      sessionAction<Options>(ctx, async (session, [path], opts) => {
        const { target, request } = readTargetOptions(session, path, opts);
        const progress = startProgress(session.healer, session.io.stderr, !session.out.json && (session.io.stderrIsTTY ?? session.io.isTTY));
        let diagnosis;
        try {
          diagnosis = await session.healer.diagnose(target, request);
        } finally {
          progress.stop();
        }
        if (session.out.json) session.out.printJson(diagnosisJson(diagnosis));
        else session.out.lines(diagnosisLines(diagnosis, session.out.colors, { verbose: session.globals.verbose === true }));
        return exitCodeForDiagnosis(diagnosis.status);
      }),
    );
}
