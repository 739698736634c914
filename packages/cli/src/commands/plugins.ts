/** `healer plugins list`. */
import type { Command } from 'commander';
import { sessionAction, type RunContext } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { pluginLines } from '../output/format-lists.js';

export function registerPlugins(program: Command, ctx: RunContext): void {
  const plugins = program.command('plugins').description('The plugins this configuration loads.');
  plugins
    .command('list')
    .description('List loaded plugins: version, stacks, checks, actions, enabled or not.')
    .action(
      sessionAction<object>(ctx, async (session) => {
        const list = session.healer.plugins.list();
        if (session.out.json) session.out.printJson(list);
        else session.out.lines(pluginLines(list, session.out.colors));
        return EXIT.OK;
      }),
    );
}
