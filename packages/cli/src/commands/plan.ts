/** `healer plan [path]`: what a heal would do, split by mode x risk. */
import { readTargetOptions, withTargetOptions, type TargetOptions } from './target-options.js';
import type { Command } from 'commander';
import { parseMode } from '../args.js';
import { globalFlags, sessionAction, type RunContext } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { planLines } from '../output/format-plan.js';

interface Options extends TargetOptions {
  mode?: string;
}

export function registerPlan(program: Command, ctx: RunContext): void {
  withTargetOptions(program.command('plan'))
    .description('Diagnose, then show which actions would heal on their own, which need approval, and which checks nothing can heal.')
    .option('--mode <mode>', 'manual | supervised | auto (or SEMI_AUTO, FULL_AUTO)')
    .action(
      sessionAction<Options>(ctx, async (session, [path], opts) => {
        const { target, request } = readTargetOptions(session, path, opts);
        const mode = parseMode(opts.mode);
        const plan = await session.healer.plan(target, { ...request, ...(mode ? { mode } : {}) });
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
