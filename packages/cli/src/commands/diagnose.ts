/** `healer diagnose [path]`: run the checks; exit code by the Nagios convention. */
import type { Command } from 'commander';
import { parseSince, targetArg } from '../args.js';
import { sessionAction, type RunContext } from '../command-context.js';
import { exitCodeForDiagnosis } from '../exit-codes.js';
import { diagnosisJson, diagnosisLines } from '../output/format-diagnosis.js';
import { startProgress } from '../output/progress.js';

interface Options {
  url?: string;
  plugin?: string;
  since?: string;
}

export function registerDiagnose(program: Command, ctx: RunContext): void {
  program
    .command('diagnose')
    .description("Run the plugin's checks and the shared checks. Exit 0 pass, 1 warn, 2 fail, 3 error.")
    .argument('[path]', 'application folder (default: the working folder)')
    .option('--url <url>', "the application's health URL")
    .option('--plugin <name>', 'skip detection and use this plugin')
    .option('--since <when>', 'look at log entries newer than this (ISO time, or 30m, 1h, 2d)')
    .action(
      sessionAction<Options>(ctx, async (session, [path], opts) => {
        const target = targetArg(session.paths, path as string | undefined, opts.url);
        const since = parseSince(opts.since);
        const progress = startProgress(session.healer, session.io.stderr, !session.out.json && (session.io.stderrIsTTY ?? session.io.isTTY));
        let diagnosis;
        try {
          diagnosis = await session.healer.diagnose(target, { ...(opts.plugin ? { plugin: opts.plugin } : {}), ...(since ? { since } : {}) });
        } finally {
          progress.stop();
        }
        if (session.out.json) session.out.printJson(diagnosisJson(diagnosis));
        else session.out.lines(diagnosisLines(diagnosis, session.out.colors, { verbose: session.globals.verbose === true }));
        return exitCodeForDiagnosis(diagnosis.status);
      }),
    );
}
