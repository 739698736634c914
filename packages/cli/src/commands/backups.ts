/** `healer backups list|prune`. */
import type { Command } from 'commander';
import { sessionAction, type RunContext } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { backupLines, pruneLines } from '../output/format-lists.js';
import { appIdArg } from './history.js';

export function registerBackups(program: Command, ctx: RunContext): void {
  const backups = program.command('backups').description('List or prune the backups taken before changes.');
  backups
    .command('list')
    .description('List recorded backups, newest first.')
    .option('--app <appId|path>', 'only this application (its id, or its folder)')
    .action(
      sessionAction<{ app?: string }>(ctx, async (session, _args, opts) => {
        const appId = opts.app ? await appIdArg(session, opts.app) : undefined;
        const list = await session.healer.backups.list(appId ? { appId } : {});
        if (session.out.json) session.out.printJson(list);
        else session.out.lines(backupLines(list, session.out.colors));
        return EXIT.OK;
      }),
    );
  backups
    .command('prune')
    .description('Remove backups past their retention (default 7 days), from disk and from the index.')
    .option('--dry-run', 'list what would be removed; remove nothing')
    .option('--app <appId|path>', 'only this application (its id, or its folder)')
    .action(
      sessionAction<{ dryRun?: boolean; app?: string }>(ctx, async (session, _args, opts) => {
        const appId = opts.app ? await appIdArg(session, opts.app) : undefined;
        const result = await session.healer.backups.prune({ ...(opts.dryRun ? { dryRun: true } : {}), ...(appId ? { appId } : {}) });
        if (session.out.json) session.out.printJson({ dryRun: opts.dryRun === true, ...result });
        else session.out.lines(pruneLines(result, opts.dryRun === true, session.out.colors));
        return result.errors.length ? EXIT.ERROR : EXIT.OK;
      }),
    );
}
