/**
 * The WordPress operations layer: one interface ({@link WpOps}), three
 * implementations, chosen per site by the plugin's `wpCli` setting.
 */
import type { WpOps } from '../types.js';
import { wpMeta } from '../detect.js';
import { dbOps } from './db.js';
import { phpHelperOps } from './php-helper.js';
import { wpCliOps } from './wp-cli.js';
import type { OpsContext } from './mysql-client.js';

export { explainDbError } from './shared.js';
export type { CronEvent } from './shared.js';
export type { OpsContext } from './mysql-client.js';
export { dbOps, phpHelperOps, wpCliOps };

/**
 * Which implementation serves this site: with `wpCli: 'always'` WP-CLI;
 * with `'auto'` WP-CLI when detection found `wp`, else the PHP helper when
 * the PHP CLI runs with mysqli, else the database client; with `'never'`
 * the PHP helper or the database client. The PHP probe runs once per host and run.
 */
export async function selectOpsKind(ctx: OpsContext): Promise<WpOps['kind']> {
  const mode = ctx.config?.wpCli ?? 'auto';
  if (mode === 'always' || (mode === 'auto' && wpMeta(ctx.app).wpCli)) return 'wp-cli';
  return (await phpUsable(ctx)) ? 'php' : 'db';
}

/**
 * The site's operations. Cheap to call: a new object per context (it holds
 * that context's executor and abort signal), the choice itself memoized.
 */
export async function wpOps(ctx: OpsContext): Promise<WpOps> {
  const kind = await selectOpsKind(ctx);
  return kind === 'wp-cli' ? wpCliOps(ctx) : kind === 'php' ? phpHelperOps(ctx) : dbOps(ctx);
}

/** The PHP CLI runs and has mysqli (WordPress's database driver). */
function phpUsable(ctx: OpsContext): Promise<boolean> {
  const php = ctx.config?.phpBinary ?? 'php';
  return ctx.facts.get(`wordpress:php-mysqli:${php}`, async () => {
    const r = await ctx.exec.run([php, '-r', 'echo extension_loaded("mysqli") ? "yes" : "no";'], { timeoutMs: 15_000, signal: ctx.signal }).catch(() => null);
    return r !== null && r.exitCode === 0 && r.stdout.trim() === 'yes';
  });
}
