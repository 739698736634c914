/**
 * WordPress operations through the PHP helper: WordPress itself (SHORTINIT:
 * its database layer, no plugins, no theme) does the reading and writing,
 * with `$wpdb`, `maybe_serialize` and `is_serialized`.
 */
import { HealerError } from '@healer/core';
import { wpMeta } from '../detect.js';
import type { WpOps } from '../types.js';
import { HELPER_MARK, HELPER_SOURCE, type HelperOp } from '../php/helper-source.js';
import { normalizeConnectErrno, parseDbHost, type OpsContext } from './mysql-client.js';
import { checkSlug, type CronEvent } from './shared.js';

/** What the helper answers. */
export type HelperAnswer = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; errno?: number | null } };

/** The argv that runs one helper operation (the code is a constant; the arguments are data in `$argv`). */
export function helperCommand(php: string, op: HelperOp, args: Record<string, unknown>): string[] {
  return [php, '-d', 'display_errors=stderr', '-d', 'log_errors=0', '-d', 'html_errors=0', '-r', HELPER_SOURCE, '--', op, JSON.stringify(args)];
}

/** Run one operation and read its answer. Throws `COMMAND_FAILED` when PHP gave none. */
export async function callHelper(ctx: OpsContext, op: HelperOp, args: Record<string, unknown> = {}): Promise<HelperAnswer> {
  const meta = wpMeta(ctx.app);
  // On multisite WordPress looks the site up by host and path: give it the main site's.
  const host = meta.multisite && typeof meta.constants['DOMAIN_CURRENT_SITE'] === 'string' ? meta.constants['DOMAIN_CURRENT_SITE'] : 'localhost';
  const path = meta.multisite && typeof meta.constants['PATH_CURRENT_SITE'] === 'string' ? meta.constants['PATH_CURRENT_SITE'] : '/';
  const r = await ctx.exec.run(helperCommand(ctx.config?.phpBinary ?? 'php', op, { ...args, host, path }), {
    cwd: ctx.app.root,
    timeoutMs: 60_000,
    signal: ctx.signal,
  });
  const at = r.stdout.lastIndexOf(HELPER_MARK);
  if (at === -1) {
    const why = r.timedOut ? 'timed out' : `exit code ${r.exitCode ?? r.signal}`;
    throw new HealerError('COMMAND_FAILED', `The PHP helper gave no answer (${why}): ${(r.stderr || r.stdout).trim().slice(0, 1000)}`, { details: { code: 'no_answer' } });
  }
  const line = r.stdout.slice(at + HELPER_MARK.length).split('\n', 1)[0]!;
  try {
    return JSON.parse(line) as HelperAnswer;
  } catch {
    throw new HealerError('COMMAND_FAILED', `The PHP helper answered something that is not JSON: ${line.slice(0, 200)}`, { details: { code: 'bad_answer' } });
  }
}

/** The PHP-helper implementation of {@link WpOps}. */
export function phpHelperOps(ctx: OpsContext): WpOps {
  const meta = wpMeta(ctx.app);
  const run = async <T>(op: HelperOp, args: Record<string, unknown> = {}): Promise<T> => {
    const answer = await callHelper(ctx, op, args);
    if (answer.ok) return answer.result as T;
    const { code, message, errno } = answer.error;
    throw new HealerError('COMMAND_FAILED', `${op}: ${code === 'db_connect' ? 'cannot connect to the database: ' : ''}${message}`, { details: { code, errno: errno ?? null } });
  };

  return {
    kind: 'php',
    async getOption(name) {
      return (await run<{ exists: boolean; value: unknown }>('get-option', { name })).value;
    },
    async updateOption(name, value) {
      await run('update-option', { name, value });
    },
    async deleteOption(name) {
      await run('delete-option', { name });
    },
    async getNetworkOption(name) {
      return (await run<{ exists: boolean; value: unknown }>('get-network-option', { name })).value;
    },
    async updateNetworkOption(name, value) {
      await run('update-network-option', { name, value });
    },
    activePlugins: () => run<string[]>('active-plugins'),
    deactivatePlugins: (files) => run<string[]>('deactivate-plugins', { files }),
    theme: () => run<{ template: string; stylesheet: string }>('theme'),
    async switchTheme(template, stylesheet) {
      await run('switch-theme', { template: checkSlug(template, 'theme'), stylesheet: checkSlug(stylesheet, 'theme') });
    },
    tablesNeedingRepair: (only) => run<Array<{ table: string; message: string }>>('check-tables', only ? { tables: [...only] } : {}),
    repairTables: (tables) => run<Array<{ table: string; ok: boolean; message: string }>>('repair-tables', { tables }),
    autoloadSize: () => run<{ bytes: number; largest: Array<{ name: string; bytes: number }> }>('autoload-size'),
    cronEvents: () => run<CronEvent[]>('cron-events'),
    async connectError() {
      const answer = await callHelper(ctx, 'connect');
      if (answer.ok) return null;
      if (answer.error.code === 'db_connect' && typeof answer.error.errno === 'number') {
        return { errno: normalizeConnectErrno(answer.error.errno, parseDbHost(meta.db.host)), message: answer.error.message };
      }
      throw new HealerError('COMMAND_FAILED', `WordPress could not start to test the database connection: ${answer.error.message}`, { details: { code: answer.error.code } });
    },
  };
}
