/** `healer detect [path]`: which stack lives in a folder. */
import type { Command } from 'commander';
import { HealerError, noStackMessage, type DetectionCandidate } from '@healer/core';
import { targetArg } from '../args.js';
import { namedTarget, PATH_ARGUMENT } from './target-options.js';
import { sessionAction, type RunContext } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { detectLines } from '../output/format-lists.js';
import type { Session } from '../session.js';

interface Options {
  url?: string;
  plugin?: string;
}

export function registerDetect(program: Command, ctx: RunContext): void {
  program
    .command('detect')
    .description('Detect the stack of the application in a folder (every enabled plugin asked in parallel).')
    .argument('[path]', PATH_ARGUMENT)
    .option('--url <url>', "the application's health URL")
    .option('--plugin <name>', 'ask only this plugin')
    .action(
      sessionAction<Options>(ctx, async (session, [path], opts) => {
        const named = namedTarget(session, path as string | undefined, opts.plugin);
        const target = targetArg(session.paths, named?.path ?? (path as string | undefined), opts.url);
        const plugin = opts.plugin ?? named?.plugin;
        const report = await session.healer.detect(target, plugin ? { plugin } : {});
        if (!report.app) throw noStackError(session, typeof target === 'string' ? target : target.path, report.candidates);
        if (session.out.json) session.out.printJson(report);
        else session.out.lines(detectLines(report, session.out.colors));
        return EXIT.OK;
      }),
    );
}

/** The same error core raises when a heal or diagnosis finds no stack. */
export function noStackError(session: Session, path: string, candidates: readonly DetectionCandidate[] = []): HealerError {
  const enabled = session.healer.plugins.list().filter((p) => p.enabled).map((p) => p.name);
  return new HealerError('NO_STACK_DETECTED', noStackMessage(path, enabled, candidates), {
    details: { path, enabled },
  });
}
