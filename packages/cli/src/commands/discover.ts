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
    .argument('[roots...]', 'folders to search; globs such as /home/*/public_html are expanded on the target (default: discoveryRoots from the config, else /var/www /srv /home/*/public_html /opt)')
    .option('--max-depth <n>', 'how deep to search below each root')
    .action(
      sessionAction<Options>(ctx, async (session, [roots], opts) => {
        const given = roots as string[] | undefined;
        const list = given?.length ? given : session.discoveryRoots;
        const maxDepth = parseIntArg('--max-depth', opts.maxDepth, 0);
        const found = await session.healer.discover(
          list.map((r) => (/[*?[]/.test(r) ? r : resolvePathArg(session.paths, r))),
          maxDepth === undefined ? {} : { maxDepth },
        );
        if (session.out.json) session.out.printJson(found);
        else session.out.lines(discoverLines(found, session.out.colors));
        return EXIT.OK;
      }),
    );
}
