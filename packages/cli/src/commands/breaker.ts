/** `healer breaker status|reset <path>`: the circuit breaker of one application. */
import type { Command } from 'commander';
import { appPathArg, PATH_ARGUMENT } from './target-options.js';
import { sessionAction, type RunContext } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { breakerLines } from '../output/format-lists.js';
import { appIdForPath } from './history.js';

export function registerBreaker(program: Command, ctx: RunContext): void {
  const breaker = program.command('breaker').description("Show or reset an application's circuit breaker.");
  breaker
    .command('status')
    .description('Attempts in the window, open circuits, demotion, and when the next heal is allowed.')
    .argument('[path]', PATH_ARGUMENT)
    .action(
      sessionAction<object>(ctx, async (session, [path]) => {
        const resolved = appPathArg(session, path as string | undefined);
        const status = await session.healer.breaker.status(await appIdForPath(session, resolved));
        if (session.out.json) session.out.printJson({ path: resolved, ...status });
        else session.out.lines(breakerLines(status, resolved, session.out.colors));
        return EXIT.OK;
      }),
    );
  breaker
    .command('reset')
    .description('Forget attempts and failures: close every circuit of the app and undo a mode demotion.')
    .argument('[path]', PATH_ARGUMENT)
    .action(
      sessionAction<object>(ctx, async (session, [path]) => {
        const resolved = appPathArg(session, path as string | undefined);
        const appId = await appIdForPath(session, resolved);
        await session.healer.breaker.reset(appId);
        if (session.out.json) session.out.printJson({ path: resolved, appId, reset: true });
        else session.out.line(`Circuit breaker of ${resolved} reset: heals are allowed again and its mode is restored.`);
        return EXIT.OK;
      }),
    );
}
