/**
 * WordPress operations through WP-CLI, when the server has it. Every command
 * that loads WordPress skips plugins and themes, so a fataling one cannot
 * stop it; `db` commands do not load WordPress at all.
 */
import { HealerError, type RunResult } from '@healer/core';
import { wpMeta } from '../detect.js';
import type { WpMetadata, WpOps } from '../types.js';
import { clientError, normalizeConnectErrno, parseDbHost, parseRows, sqlIdent, type OpsContext } from './mysql-client.js';
import { checkPrefix, checkSlug, flattenCron, groupTableRows, sqlTableOps, themeFromOptions } from './shared.js';

/**
 * The `wp` argv for one command: the site's path, plugins and themes
 * skipped, no colours; on multisite the main site's URL.
 */
export function wpCliCommand(meta: Pick<WpMetadata, 'multisite' | 'constants'>, root: string, args: readonly string[]): string[] {
  const argv = ['wp', `--path=${root}`, '--skip-plugins', '--skip-themes', '--no-color', '--allow-root'];
  const domain = meta.constants['DOMAIN_CURRENT_SITE'];
  if (meta.multisite && typeof domain === 'string') {
    const path = typeof meta.constants['PATH_CURRENT_SITE'] === 'string' ? meta.constants['PATH_CURRENT_SITE'] : '/';
    argv.push(`--url=${domain}${path}`);
  }
  return [...argv, ...args];
}

/** The slug WP-CLI names a plugin by: its folder, or its file without `.php`. */
export function pluginSlug(file: string): string {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : file.replace(/\.php$/, '');
}

/** The WP-CLI implementation of {@link WpOps}. */
export function wpCliOps(ctx: OpsContext): WpOps {
  const meta = wpMeta(ctx.app);
  const prefix = (): string => checkPrefix(meta.tablePrefix);
  const options = (): string => sqlIdent(`${prefix()}options`);

  const wp = (args: readonly string[], input?: string): Promise<RunResult> =>
    ctx.exec.run(wpCliCommand(meta, ctx.app.root, args), { cwd: ctx.app.root, timeoutMs: 60_000, signal: ctx.signal, ...(input !== undefined ? { input } : {}) });
  const must = async (args: readonly string[], input?: string): Promise<string> => {
    const r = await wp(args, input);
    if (r.exitCode !== 0) throw failed(args, r);
    return r.stdout;
  };
  const json = async <T>(args: readonly string[]): Promise<T> => JSON.parse(await must(args)) as T;
  const sql = async (statement: string): Promise<string[][]> => parseRows(await must(['db', 'query', statement, '--batch', '--raw', '--skip-column-names']));

  const getOption = async (name: string): Promise<unknown> => {
    const r = await wp(['option', 'get', optionName(name), '--format=json']);
    if (r.exitCode === 0) return JSON.parse(r.stdout) as unknown;
    if (/Could not get '.*' option/.test(r.stderr)) return null;
    throw failed(['option', 'get', name], r);
  };
  const networkPlugins = async (): Promise<string[]> => {
    if (!meta.multisite) return [];
    const r = await wp(['site', 'option', 'get', 'active_sitewide_plugins', '--format=json']);
    if (r.exitCode !== 0) return [];
    const v = JSON.parse(r.stdout) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [];
  };
  const activePlugins = async (): Promise<string[]> => {
    const site = await getOption('active_plugins');
    const list = Array.isArray(site) ? site : site !== null && typeof site === 'object' ? Object.values(site) : [];
    return [...new Set([...list.filter((p): p is string => typeof p === 'string'), ...(await networkPlugins())])];
  };
  const prefixTables = (): Promise<string[]> => json<string[]>(['db', 'tables', '--all-tables-with-prefix', '--format=json']);
  const tableRows = async (statement: string, tables: string[]) =>
    tables.length === 0 ? new Map() : groupTableRows(await sql(`${statement} ${tables.map(sqlIdent).join(', ')}`), meta.db.name);

  return {
    kind: 'wp-cli',
    getOption,
    async updateOption(name, value) {
      // The value on stdin: any size, never parsed as an option.
      await must(['option', 'update', optionName(name), '--format=json'], JSON.stringify(value));
    },
    async deleteOption(name) {
      const r = await wp(['option', 'delete', optionName(name)]);
      // Absent already: nothing to do.
      if (r.exitCode !== 0 && !/Could not delete '.*' option/.test(r.stderr)) throw failed(['option', 'delete', name], r);
    },
    async getNetworkOption(name) {
      if (!meta.multisite) return getOption(name);
      const r = await wp(['site', 'option', 'get', optionName(name), '--format=json']);
      if (r.exitCode === 0) return JSON.parse(r.stdout) as unknown;
      if (/Could not get '.*' site option/.test(r.stderr)) return null;
      throw failed(['site', 'option', 'get', name], r);
    },
    async updateNetworkOption(name, value) {
      const args = meta.multisite ? ['site', 'option', 'update'] : ['option', 'update'];
      await must([...args, optionName(name), '--format=json'], JSON.stringify(value));
    },
    activePlugins,
    async deactivatePlugins(files) {
      const before = await activePlugins();
      const network = new Set(await networkPlugins());
      const slugs = (list: string[]) => [...new Set(list.map(pluginSlug))].map((s) => checkSlug(s, 'plugin'));
      const site = files.filter((f) => before.includes(f) && !network.has(f));
      const net = files.filter((f) => network.has(f));
      if (site.length > 0) await must(['plugin', 'deactivate', ...slugs(site)]);
      if (net.length > 0) await must(['plugin', 'deactivate', '--network', ...slugs(net)]);
      return before;
    },
    theme: () => themeFromOptions(getOption),
    async switchTheme(template, stylesheet) {
      checkSlug(template, 'theme');
      // `theme activate` reads the parent (template) from the theme's own style.css, as switch_theme() does.
      await must(['theme', 'activate', checkSlug(stylesheet, 'theme')]);
    },
    ...sqlTableOps({ sql: sql, prefixTables, tableRows, optionsTable: options }),
    async cronEvents() {
      return flattenCron(await getOption('cron'));
    },
    async connectError() {
      const r = await wp(['db', 'query', 'SELECT 1', '--batch', '--skip-column-names']);
      if (r.exitCode === 0) return null;
      const err = clientError(r.stderr);
      if (!err) throw failed(['db', 'query'], r);
      return { errno: normalizeConnectErrno(err.errno, parseDbHost(meta.db.host)), message: err.message };
    },
  };
}

/** Option names go to WP-CLI as arguments: one starting with `-` would be read as a flag. */
function optionName(name: string): string {
  if (name === '' || name.startsWith('-')) throw new HealerError('INVALID_ARGUMENT', `Not an option name WP-CLI can take: ${JSON.stringify(name)}.`);
  return name;
}

function failed(args: readonly string[], r: RunResult): HealerError {
  const text = (r.stderr.trim() || r.stdout.trim()).replace(/^Error: /, '');
  return new HealerError('COMMAND_FAILED', `wp ${args.slice(0, 3).join(' ')} failed (exit code ${r.exitCode ?? r.signal}): ${text.slice(0, 1000)}`, {
    details: { code: 'wp-cli', errno: clientError(r.stderr)?.errno ?? null },
  });
}
