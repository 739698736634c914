/** `healer history` and `healer show <executionId>`: what was done, and each step of it. */
import type { Command } from 'commander';
import { appIdFor, HealerError, isHealerError } from '@healer/core';
import { parseIntArg, resolvePathArg } from '../args.js';
import { sessionAction, type RunContext } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { attemptLines, executionHeader, finalLine, timelineLines } from '../output/format-execution.js';
import { executionSummary, historyLines } from '../output/format-lists.js';
import type { Session } from '../session.js';

interface HistoryOptions {
  app?: string;
  limit?: string;
}

export function registerHistory(program: Command, ctx: RunContext): void {
  program
    .command('history')
    .description('List recorded executions, newest first.')
    .option('--app <appId|path>', 'only this application (its id, or its folder)')
    .option('--limit <n>', 'at most this many', '20')
    .action(
      sessionAction<HistoryOptions>(ctx, async (session, _args, opts) => {
        const limit = parseIntArg('--limit', opts.limit, 1);
        const appId = opts.app ? await appIdArg(session, opts.app) : undefined;
        const executions = await session.healer.history({ ...(appId ? { appId } : {}), ...(limit ? { limit } : {}) });
        if (session.out.json) session.out.printJson(executions.map(executionSummary));
        else session.out.lines(historyLines(executions, session.out.colors));
        return EXIT.OK;
      }),
    );

  program
    .command('show')
    .description('Show one execution: its attempts and its whole timeline.')
    .argument('<executionId>', 'see `healer history`')
    .action(
      sessionAction<object>(ctx, async (session, [id]) => {
        const execution = await session.healer.execution(id as string);
        if (!execution) throw new HealerError('EXECUTION_NOT_FOUND', `No execution ${id} in ${session.home}.`);
        if (session.out.json) session.out.printJson(execution);
        else {
          const c = session.out.colors;
          session.out.lines([executionHeader(execution, c), ...attemptLines(execution, c), '', ...timelineLines(execution, c), '', finalLine(execution, c)]);
        }
        return EXIT.OK;
      }),
    );
}

/** An app id as given, or the id of the app detected in a folder (a value with a slash, or "."). */
export async function appIdArg(session: Session, value: string): Promise<string> {
  if (!value.includes('/') && value !== '.' && value !== '..') return value;
  return appIdForPath(session, resolvePathArg(session.paths, value), { missingOk: true });
}

/**
 * The id of the app in `path`: detected (its root may differ from `path`), or
 * derived from the path when nothing detects it. A missing folder is an error
 * (`FILE_NOT_FOUND`) unless `missingOk`: the records of an app that was
 * removed can still be listed.
 */
export async function appIdForPath(session: Session, path: string, options: { missingOk?: boolean } = {}): Promise<string> {
  try {
    const report = await session.healer.detect(path);
    return report.app?.id ?? appIdFor(session.healer.host, path);
  } catch (e) {
    if (options.missingOk && isHealerError(e, 'FILE_NOT_FOUND')) return appIdFor(session.healer.host, path);
    throw e;
  }
}
