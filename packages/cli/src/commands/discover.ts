/** `healer discover [roots...]`: find applications under folders. */
import type { Command } from 'commander';
import { parseIntArg, resolvePathArg } from '../args.js';
import { sessionAction, type RunContext } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { discoverLines } from '../output/format-lists.js';

interface Options {
  maxDepth?: string;
}

export function registerDiscover(program: Command, ctx: RunContext): void {
  program
    .command('discover')
    .description("Find applications under folders (one search built from the plugins' signatures), then detect each.")
    .argument('[roots...]', 'folders to search (default: the working folder)')
    .option('--max-depth <n>', 'how deep to search below each root')
    .action(
      sessionAction<Options>(ctx, async (session, [roots], opts) => {
        const list = (roots as string[] | undefined)?.length ? (roots as string[]) : ['.'];
        const maxDepth = parseIntArg('--max-depth', opts.maxDepth, 0);
        const found = await session.healer.discover(
          list.map((r) => resolvePathArg(session.io.cwd, r)),
          maxDepth === undefined ? {} : { maxDepth },
        );
        if (session.out.json) session.out.printJson(found);
        else session.out.lines(discoverLines(found, session.out.colors));
        return EXIT.OK;
      }),
    );
}
