/** `healer history` and `healer show <executionId>`: what was done, and each step of it. */
import type { Command } from 'commander';
import { appIdFor, ExecutionStateSchema, HealerError, isHealerError, type ExecutionFilter, type ExecutionState } from '@healer/core';
import { parseIntArg, parseSince, resolvePathArg } from '../args.js';
import { usageError } from '../cli-error.js';
import { sessionAction, type RunContext } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { attemptLines, executionHeader, finalLine, timelineLines } from '../output/format-execution.js';
import { historyLines } from '../output/format-lists.js';
import type { Session } from '../session.js';

interface HistoryOptions {
  app?: string;
  limit?: string;
  state?: string;
  kind?: string;
  since?: string;
  cursor?: string;
}

export function registerHistory(program: Command, ctx: RunContext): void {
  program
    .command('history')
    .description('List recorded executions, newest first, a page at a time.')
    .option('--app <appId|path>', 'only this application (its id, or its folder)')
    .option('--state <states>', 'only these states, comma-separated (e.g. FIXED,ROLLED_BACK)')
    .option('--kind <kind>', 'only heal or rollback executions')
    .option('--since <when>', 'only those started since: an ISO date or a duration back from now (30m, 2d)')
    .option('--cursor <cursor>', 'the next page, as the previous page said')
    .option('--limit <n>', `at most this many (1 to ${MAX_HISTORY_PAGE})`, '20')
    .action(
      sessionAction<HistoryOptions>(ctx, async (session, _args, opts) => {
        const limit = parseIntArg('--limit', opts.limit, 1);
        if (limit !== undefined && limit > MAX_HISTORY_PAGE) throw usageError(`--limit must be at most ${MAX_HISTORY_PAGE}, got ${limit}.`);
        const appId = opts.app ? await appIdArg(session, opts.app) : undefined;
        const since = parseSince(opts.since);
        const filter: ExecutionFilter = {
          ...(appId ? { appId } : {}),
          ...(opts.state ? { states: parseStates(opts.state) } : {}),
          ...(opts.kind ? { kind: parseKind(opts.kind) } : {}),
          ...(since ? { since: since.toISOString() } : {}),
          ...(opts.cursor ? { cursor: opts.cursor } : {}),
          ...(limit ? { limit } : {}),
        };
        const page = await session.healer.history(filter);
        if (session.out.json) session.out.printJson(page.items);
        else session.out.lines(historyLines(page.items, session.out.colors));
        if (page.nextCursor) session.out.note(`More: healer history --cursor ${page.nextCursor}${limit ? ` --limit ${limit}` : ''} (with the same filters).`);
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

const MAX_HISTORY_PAGE = 500;

function parseStates(value: string): ExecutionState[] {
  const known = ExecutionStateSchema.options;
  const states = value.split(',').map((v) => v.trim().toUpperCase()).filter((v) => v !== '');
  const unknown = states.filter((v) => !(known as readonly string[]).includes(v));
  if (states.length === 0 || unknown.length > 0) throw usageError(`--state ${JSON.stringify(value)}: use states among ${known.join(', ')}.`);
  return states as ExecutionState[];
}

function parseKind(value: string): ExecutionFilter['kind'] {
  if (value !== 'heal' && value !== 'rollback') throw usageError(`--kind must be heal or rollback, got ${JSON.stringify(value)}.`);
  return value;
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
