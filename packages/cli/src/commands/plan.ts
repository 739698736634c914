/** `healer plan [path]`: what a heal would do, split by mode x risk. */
import type { Command } from 'commander';
import { parseMode, parseSince, targetArg } from '../args.js';
import { globalFlags, sessionAction, type RunContext } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { planLines } from '../output/format-plan.js';

interface Options {
  mode?: string;
  url?: string;
  plugin?: string;
  since?: string;
}

export function registerPlan(program: Command, ctx: RunContext): void {
  program
    .command('plan')
    .description('Diagnose, then show which actions would heal on their own, which need approval, and which checks nothing can heal.')
    .argument('[path]', 'application folder (default: the working folder)')
    .option('--mode <mode>', 'manual | supervised | auto (or SEMI_AUTO, FULL_AUTO)')
    .option('--url <url>', "the application's health URL")
    .option('--plugin <name>', 'skip detection and use this plugin')
    .option('--since <when>', 'look at log entries newer than this (ISO time, or 30m, 1h, 2d)')
    .action(
      sessionAction<Options>(ctx, async (session, [path], opts) => {
        const target = targetArg(session.paths, path as string | undefined, opts.url);
        const mode = parseMode(opts.mode);
        const since = parseSince(opts.since);
        const plan = await session.healer.plan(target, {
          ...(mode ? { mode } : {}),
          ...(opts.plugin ? { plugin: opts.plugin } : {}),
          ...(since ? { since } : {}),
        });
        if (session.out.json) session.out.printJson(plan);
        else session.out.lines(planLines(plan, session.out.colors, { path: plan.target.path, globalFlags: globalFlags(session), healFlags: healFlags(opts) }));
        return EXIT.OK;
      }),
    );
}

/** Flags of plan/heal a suggested heal command must repeat. */
export function healFlags(opts: { mode?: string; url?: string; plugin?: string }): string[] {
  return [
    ...(opts.mode ? ['--mode', opts.mode] : []),
    ...(opts.url ? ['--url', opts.url] : []),
    ...(opts.plugin ? ['--plugin', opts.plugin] : []),
  ];
}
