/**
 * WordPress operations straight on the database, with the `mariadb`/`mysql`
 * client and the wp-config.php credentials (password on stdin), plus the
 * filesystem. For servers without WP-CLI and without a usable PHP CLI.
 * Option values travel as hex both ways, so no byte is mangled or escaped.
 */
import { HealerError } from '@healer/core';
import { readDbPassword, wpMeta } from '../detect.js';
import type { WpOps } from '../types.js';
import { maybeSerialize, maybeUnserialize, phpSerialize } from './php-serialize.js';
import { clientError, normalizeConnectErrno, parseDbHost, parseRows, runSql, sqlBytes, sqlIdent, type OpsContext } from './mysql-client.js';
import { checkPrefix, checkSlug, fileHeader, flattenCron, groupTableRows, sqlTableOps, themeFromOptions } from './shared.js';

/** The database implementation of {@link WpOps}. */
export function dbOps(ctx: OpsContext): WpOps {
  const meta = wpMeta(ctx.app);
  const prefix = (): string => checkPrefix(meta.tablePrefix);
  const options = (): string => sqlIdent(`${prefix()}options`);
  const sitemeta = (): string => sqlIdent(`${prefix()}sitemeta`);
  const networkId = (): number => {
    const id = Number(meta.constants['SITE_ID_CURRENT_SITE']);
    return Number.isInteger(id) && id > 0 ? id : 1;
  };

  let password: Promise<string> | null = null;
  const query = async (sql: string): Promise<string[][]> => {
    password ??= readDbPassword(ctx);
    const r = await runSql(ctx, meta.db, await password, sql);
    if (r.exitCode !== 0) {
      const err = clientError(r.stderr);
      throw new HealerError('COMMAND_FAILED', `The database query failed: ${err ? `error ${err.errno}: ${err.message}` : r.stderr.trim() || `exit code ${r.exitCode}`}`, {
        details: { errno: err?.errno ?? null },
      });
    }
    return parseRows(r.stdout);
  };

  const getRaw = async (name: string): Promise<Buffer | null> => {
    // A leading 1: an empty value still makes a line.
    const rows = await query(`SELECT 1, HEX(option_value) FROM ${options()} WHERE option_name = ${sqlBytes(name)} LIMIT 1`);
    return rows[0] ? Buffer.from(rows[0][1] ?? '', 'hex') : null;
  };
  const putRaw = (name: string, serialized: string): Promise<string[][]> =>
    query(`INSERT INTO ${options()} (option_name, option_value, autoload) VALUES (${sqlBytes(name)}, ${sqlBytes(serialized)}, 'yes') ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)`);
  const getOption = async (name: string): Promise<unknown> => {
    const raw = await getRaw(name);
    return raw === null ? null : maybeUnserialize(raw);
  };

  const getMeta = async (key: string): Promise<Buffer | null> => {
    const rows = await query(`SELECT 1, HEX(meta_value) FROM ${sitemeta()} WHERE meta_key = ${sqlBytes(key)} AND site_id = ${networkId()} LIMIT 1`);
    return rows[0] ? Buffer.from(rows[0][1] ?? '', 'hex') : null;
  };
  // sitemeta has no unique key on (site_id, meta_key): update, or add when absent (update_network_option()).
  const putMeta = async (key: string, serialized: string): Promise<void> => {
    if ((await getMeta(key)) === null) await query(`INSERT INTO ${sitemeta()} (site_id, meta_key, meta_value) VALUES (${networkId()}, ${sqlBytes(key)}, ${sqlBytes(serialized)})`);
    else await query(`UPDATE ${sitemeta()} SET meta_value = ${sqlBytes(serialized)} WHERE meta_key = ${sqlBytes(key)} AND site_id = ${networkId()}`);
  };

  const sitePlugins = async (): Promise<unknown[]> => {
    const v = await getOption('active_plugins');
    return Array.isArray(v) ? v : v !== null && typeof v === 'object' ? Object.values(v) : [];
  };
  const networkPlugins = async (): Promise<Record<string, unknown>> => {
    if (!meta.multisite) return {};
    const raw = await getMeta('active_sitewide_plugins');
    const v = raw === null ? null : maybeUnserialize(raw);
    if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]));
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  };
  const activePlugins = async (): Promise<string[]> => {
    const site = (await sitePlugins()).filter((p): p is string => typeof p === 'string');
    return [...new Set([...site, ...Object.keys(await networkPlugins())])];
  };
  const prefixTables = async (): Promise<string[]> => {
    const rows = await query(`SHOW TABLES LIKE '${prefix().replace(/_/g, '\\_')}%'`);
    return rows.map((r) => r[0] ?? '').sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  };
  const tableRows = async (statement: string, tables: string[]) =>
    tables.length === 0 ? new Map() : groupTableRows(await query(`${statement} ${tables.map(sqlIdent).join(', ')}`), meta.db.name);

  return {
    kind: 'db',
    getOption,
    async updateOption(name, value) {
      await putRaw(name, maybeSerialize(value));
    },
    async deleteOption(name) {
      await query(`DELETE FROM ${options()} WHERE option_name = ${sqlBytes(name)}`);
    },
    async getNetworkOption(name) {
      if (!meta.multisite) return getOption(name);
      const raw = await getMeta(name);
      return raw === null ? null : maybeUnserialize(raw);
    },
    async updateNetworkOption(name, value) {
      if (meta.multisite) await putMeta(name, maybeSerialize(value));
      else await putRaw(name, maybeSerialize(value));
    },
    activePlugins,
    async deactivatePlugins(files) {
      const before = await activePlugins();
      const site = await sitePlugins();
      const kept = site.filter((p) => !files.includes(p as string));
      if (kept.length !== site.length) await putRaw('active_plugins', phpSerialize(kept));
      if (meta.multisite) {
        const net = await networkPlugins();
        const left = Object.fromEntries(Object.entries(net).filter(([file]) => !files.includes(file)));
        if (Object.keys(left).length !== Object.keys(net).length) {
          await putMeta('active_sitewide_plugins', phpSerialize(left));
        }
      }
      return before;
    },
    theme: () => themeFromOptions(getOption),
    async switchTheme(template, stylesheet) {
      checkSlug(template, 'theme');
      checkSlug(stylesheet, 'theme');
      const style = await ctx.fs.readText(`${meta.themesDir}/${stylesheet}/style.css`, { maxBytes: 8192 });
      const name = style === null ? '' : fileHeader(style, 'Theme Name');
      await putRaw('template', template);
      await putRaw('stylesheet', stylesheet);
      await putRaw('current_theme', name !== '' ? name : stylesheet);
    },
    ...sqlTableOps({ sql: query, prefixTables, tableRows, optionsTable: options }),
    async cronEvents() {
      return flattenCron(await getOption('cron'));
    },
    async connectError() {
      password ??= readDbPassword(ctx);
      const r = await runSql(ctx, meta.db, await password, 'SELECT 1');
      if (r.exitCode === 0) return null;
      const err = clientError(r.stderr);
      if (!err) throw new HealerError('COMMAND_FAILED', `The database client failed: ${r.stderr.trim() || `exit code ${r.exitCode}`}`);
      return { errno: normalizeConnectErrno(err.errno, parseDbHost(meta.db.host)), message: err.message };
    },
  };
}

