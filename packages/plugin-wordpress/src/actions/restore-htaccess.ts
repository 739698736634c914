/**
 * Put WordPress's standard `# BEGIN WordPress` block back in `.htaccess`
 * (medium): everything outside the markers is kept byte for byte. The base
 * path comes from the `home` option, as WordPress computes it. One
 * `write-file` step with the whole new file, written by the engine (which
 * plans again first and refuses when `.htaccess` changed since the plan).
 */
import { restoreBackup } from '@healer/core';
import { replaceWordpressBlock, rewriteBase } from './htaccess-block.js';
import { appPath, databaseDown, metaOf, notApplicable, opsOf, type WpAction, type WpPlanContext } from './shared.js';
import { htaccessCheck } from '../checks/htaccess.js';
import { ACTION } from '../checks/shared.js';

const ID = ACTION.restoreHtaccess;

async function planHtaccess(ctx: WpPlanContext): Promise<{ path: string; text: string } | string> {
  if (metaOf(ctx).multisite) return 'a multisite network has its own .htaccess rules: restore them by hand';
  const path = appPath(ctx, '.htaccess');
  // Writes refuse to follow a symlink out of the site: offering a change that cannot be applied helps no one.
  if ((await ctx.fs.stat(path))?.type === 'symlink') return '.htaccess is a symbolic link: restore its target by hand';
  const current = await ctx.fs.readText(path);
  if (current === null) return 'there is no .htaccess';
  const ops = await opsOf(ctx);
  const down = await databaseDown(ctx, ops);
  if (down) return down;
  const home = await ops.getOption('home');
  const text = replaceWordpressBlock(current, rewriteBase(typeof home === 'string' ? home : '/'));
  if (text === current) return 'the WordPress block of .htaccess is already the standard one';
  return { path, text };
}

export const restoreHtaccess: WpAction = {
  id: ID,
  title: 'Restore the WordPress block of .htaccess',
  description: 'Put the standard rewrite rules back between "# BEGIN WordPress" and "# END WordPress" (appended when the block is missing); every other line stays as it is.',
  risk: 'medium',
  fixes: [htaccessCheck.id],
  backup: { paths: ['.htaccess'] },
  async preconditions(ctx) {
    const p = await planHtaccess(ctx);
    return typeof p === 'string' ? p : true;
  },
  async plan(ctx) {
    const p = await planHtaccess(ctx);
    if (typeof p === 'string') throw notApplicable(ID, p);
    return [{ kind: 'write-file', path: p.path, content: p.text, description: 'write the standard WordPress block into .htaccess, keeping every other line' }];
  },
  rollback: restoreBackup,
};
