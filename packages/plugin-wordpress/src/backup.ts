/**
 * Backup parts: the options WordPress rewrites on its own (active plugins,
 * theme) saved as JSON, a dump of the site's tables, and a dump of its
 * transient rows. The engine hashes the files each part writes and checks
 * them before `restore()` runs.
 */
import { createHash } from 'node:crypto';
import { HealerError, type ActionContext, type BackupPart, type BackupStrategy, type RunResult } from '@healer/core';
import type { WordpressConfig } from './config.js';
import { readDbPassword, wpMeta } from './detect.js';
import { wpOps } from './ops/index.js';
import { clientError, clientOptionFile, findClients, parseRows, runSql, sqlIdent } from './ops/mysql-client.js';
import { checkPrefix } from './ops/shared.js';
import { transientTables, transientWhere, type TransientTable } from './transients.js';
import type { WpMetadata } from './types.js';

type Ctx = ActionContext<WordpressConfig, WpMetadata>;

/** The site options the `options` part saves. */
export const SAVED_OPTIONS: readonly string[] = ['active_plugins', 'template', 'stylesheet', 'current_theme'];
/** The network options it saves on multisite. */
export const SAVED_NETWORK_OPTIONS: readonly string[] = ['active_sitewide_plugins'];

const OPTIONS_FILE = 'options.json';
const DUMP_FILE = 'database.sql';

interface SavedOptions {
  /** Each option's value; null when it did not exist (restore removes it). */
  options: Record<string, unknown>;
  network: Record<string, unknown>;
}

/**
 * `options`: `active_plugins`, `template`, `stylesheet`, `current_theme`
 * (and `active_sitewide_plugins` on multisite) as JSON, put back through
 * the operations layer.
 */
export const optionsPart: BackupPart<WordpressConfig, WpMetadata> = {
  name: 'options',
  async create(ctx: Ctx, dir: string) {
    const meta = wpMeta(ctx.app);
    const ops = await wpOps(ctx);
    const saved: SavedOptions = { options: {}, network: {} };
    for (const name of SAVED_OPTIONS) saved.options[name] = await ops.getOption(name);
    if (meta.multisite) for (const name of SAVED_NETWORK_OPTIONS) saved.network[name] = await ops.getNetworkOption(name);
    await ctx.fs.writeFile(`${dir}/${OPTIONS_FILE}`, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
    return { meta: { options: [...SAVED_OPTIONS], network: meta.multisite ? [...SAVED_NETWORK_OPTIONS] : [], via: ops.kind } };
  },
  async restore(ctx: Ctx, record, dir: string) {
    const saved = await readSaved(ctx, dir);
    const ops = await wpOps(ctx);
    // Once the action was verified, only the options it changed go back (a theme switched since stays).
    const only = record.left ? new Set(Object.keys(record.left)) : null;
    for (const [name, value] of Object.entries(saved.options)) {
      if (only && !only.has(name)) continue;
      if (value === null) await ops.deleteOption(name);
      else await ops.updateOption(name, value);
    }
    // A network option that did not exist: an empty list means the same to WordPress.
    for (const [name, value] of Object.entries(saved.network)) {
      if (only && !only.has(`${NETWORK}${name}`)) continue;
      await ops.updateNetworkOption(name, value ?? []);
    }
  },
  async fingerprint(ctx: Ctx, _record, dir: string, items?: readonly string[]) {
    const saved = await readSaved(ctx, dir);
    const ops = await wpOps(ctx);
    const out: Record<string, string> = {};
    const names = items ?? [...Object.keys(saved.options), ...Object.keys(saved.network).map((n) => `${NETWORK}${n}`)];
    for (const item of names) {
      const network = item.startsWith(NETWORK);
      const name = network ? item.slice(NETWORK.length) : item;
      const now = network ? await ops.getNetworkOption(name) : await ops.getOption(name);
      const before = network ? saved.network[name] : saved.options[name];
      // Without items: only what the action changed.
      if (items === undefined && valueHash(now) === valueHash(before ?? null)) continue;
      out[item] = valueHash(now);
    }
    return out;
  },
};

/** Items of the network options in fingerprints: `network:active_sitewide_plugins`. */
const NETWORK = 'network:';

async function readSaved(ctx: Ctx, dir: string): Promise<SavedOptions> {
  const text = await ctx.fs.readText(`${dir}/${OPTIONS_FILE}`);
  if (text === null) throw new HealerError('RESTORE_FAILED', `The saved options are missing: ${dir}/${OPTIONS_FILE}.`);
  return JSON.parse(text) as SavedOptions;
}

function valueHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value ?? null)).digest('hex');
}

/**
 * `database`: `mariadb-dump`/`mysqldump` of the site's tables (those with
 * its prefix) in one transaction, the password on the client's stdin;
 * restore loads the dump back (each table dropped and recreated). Tables
 * created after the backup are left alone.
 */
/**
 * Run mysqldump/mariadb-dump with the site's credentials on stdin (an option
 * file, never argv) into `file`, readable by its owner only from the first
 * byte; `args` are the dump's own options, then `--`, the database, tables.
 */
function runDump(ctx: Ctx, dump: string, password: string, args: string[], file: string, timeoutMs: number): Promise<RunResult> {
  const db = wpMeta(ctx.app).db;
  return ctx.exec.run(
    {
      script: 'umask 077; cat | "$@"',
      args: [dump, '--defaults-extra-file=/dev/stdin', '--single-transaction', '--quick', '--no-tablespaces', '--hex-blob', '--default-character-set=utf8mb4', `--result-file=${file}`, ...args],
    },
    { input: clientOptionFile(db, password, { database: false }), timeoutMs, signal: ctx.signal },
  );
}

export const databasePart: BackupPart<WordpressConfig, WpMetadata> = {
  name: 'database',
  async create(ctx: Ctx, dir: string) {
    const meta = wpMeta(ctx.app);
    const password = await readDbPassword(ctx);
    const { dump } = await findClients(ctx);
    if (!dump) throw new HealerError('BACKUP_FAILED', 'Neither mariadb-dump nor mysqldump is installed on the target: the database cannot be saved.');
    const prefix = checkPrefix(meta.tablePrefix);
    const listed = await runSql(ctx, meta.db, password, `SHOW TABLES LIKE '${prefix.replace(/_/g, '\\_')}%'`);
    if (listed.exitCode !== 0) throw new HealerError('BACKUP_FAILED', `Cannot list the site's tables: ${describeFailure(listed.stderr, listed.exitCode)}`);
    const tables = parseRows(listed.stdout).map((r) => r[0] ?? '').filter((t) => t !== '');
    const file = `${dir}/${DUMP_FILE}`;
    if (tables.length === 0) {
      await ctx.fs.writeFile(file, '', { mode: 0o600 });
    } else {
      const r = await runDump(ctx, dump, password, ['--', meta.db.name, ...tables], file, 30 * 60_000);
      if (r.exitCode !== 0) throw new HealerError('BACKUP_FAILED', `${dump} failed: ${describeFailure(r.stderr, r.exitCode)}`);
    }
    return { meta: { database: meta.db.name, prefix, tables, file: DUMP_FILE } };
  },
  async restore(ctx: Ctx, record, dir: string) {
    const meta = wpMeta(ctx.app);
    const file = `${dir}/${DUMP_FILE}`;
    const tables = Array.isArray(record.meta['tables']) ? record.meta['tables'] : [];
    if (tables.length === 0) return;
    const password = await readDbPassword(ctx);
    const { client } = await findClients(ctx);
    if (!client) throw new HealerError('RESTORE_FAILED', 'Neither the mariadb nor the mysql client is installed on the target: the database cannot be restored.');
    // The option file arrives on fd 3 (a pipe, from stdin), the dump on stdin.
    const r = await ctx.exec.run(
      { script: 'f=$1; shift; cat | "$@" 3<&0 <"$f"', args: [file, client, '--defaults-extra-file=/dev/fd/3', '--batch', '--default-character-set=utf8mb4'] },
      { input: clientOptionFile(meta.db, password), timeoutMs: 30 * 60_000, signal: ctx.signal },
    );
    if (r.exitCode !== 0) throw new HealerError('RESTORE_FAILED', `Loading the database dump failed: ${describeFailure(r.stderr, r.exitCode)}`);
  },
  /** `CHECKSUM TABLE` of the dumped tables: a rollback refuses when one changed since the heal. */
  async fingerprint(ctx: Ctx, record, _dir: string, items?: readonly string[]) {
    const dumped = Array.isArray(record.meta['tables']) ? (record.meta['tables'] as unknown[]).filter((t): t is string => typeof t === 'string') : [];
    const tables = items ? items.filter((t) => dumped.includes(t)) : dumped;
    if (tables.length === 0) return {};
    const meta = wpMeta(ctx.app);
    const password = await readDbPassword(ctx);
    const r = await runSql(ctx, meta.db, password, `CHECKSUM TABLE ${tables.map(sqlIdent).join(', ')} EXTENDED`, { timeoutMs: 10 * 60_000 });
    if (r.exitCode !== 0) throw new HealerError('COMMAND_FAILED', `CHECKSUM TABLE failed: ${describeFailure(r.stderr, r.exitCode)}`);
    const out: Record<string, string> = {};
    for (const [name = '', sum = ''] of parseRows(r.stdout)) {
      // `db.table`: the table's name is after the database's (which may hold dots itself).
      const table = tables.find((t) => name === `${meta.db.name}.${t}`);
      if (table) out[table] = sum;
    }
    for (const t of tables) out[t] ??= 'missing';
    return out;
  },
};

/** What the part keeps for each table it saved: where its rows are, and their fingerprint then. */
interface SavedTransients {
  table: string;
  file: string;
  print: string;
}

/** The site's transient tables the record saved (names checked against the site's own, never taken from the record alone). */
function savedTransientTables(ctx: Ctx, record: { meta: Record<string, unknown> }): Array<TransientTable & SavedTransients> {
  const saved = Array.isArray(record.meta['tables']) ? (record.meta['tables'] as SavedTransients[]) : [];
  return transientTables(wpMeta(ctx.app)).flatMap((t) => {
    const s = saved.find((x) => x?.table === t.table);
    return s ? [{ ...t, file: `${t.table}.sql`, print: String(s.print) }] : [];
  });
}

/**
 * A sha256 of a table's transient rows as they are now: each row's name,
 * value and autoload (`site_id` in sitemeta), sorted; row ids left out, so
 * WordPress setting a transient again to the same value is no change.
 */
async function transientsPrint(ctx: Ctx, password: string, t: TransientTable): Promise<string> {
  const meta = wpMeta(ctx.app);
  const extra = t.column === 'option_name' ? 'autoload' : 'site_id';
  const value = t.column === 'option_name' ? 'option_value' : 'meta_value';
  const sql = `SELECT HEX(${t.column}), IFNULL(SHA2(${value}, 256), 'null'), HEX(${extra}) FROM ${sqlIdent(t.table)} WHERE ${transientWhere(t.column)}`;
  const r = await runSql(ctx, meta.db, password, sql, { timeoutMs: 5 * 60_000 });
  if (r.exitCode !== 0) throw new HealerError('COMMAND_FAILED', `Reading the transients of ${t.table} failed: ${describeFailure(r.stderr, r.exitCode)}`);
  const rows = parseRows(r.stdout).map((row) => row.join('\t')).sort();
  return createHash('sha256').update(rows.join('\n')).digest('hex');
}

/**
 * `transients`: the transient rows (`_transient_*`, `_site_transient_*` and
 * their timeouts) of the options table, and of `sitemeta` on multisite,
 * dumped as INSERT statements (ids and bytes as they were). Restore deletes
 * the transient rows there are now and loads the saved ones, in one
 * transaction; its fingerprint is a hash of each table's transient rows, so
 * a rollback refuses when they changed since the heal (WordPress rewrites
 * some on many requests: `--force` then puts the saved ones back anyway).
 */
export const transientsPart: BackupPart<WordpressConfig, WpMetadata> = {
  name: 'transients',
  async create(ctx: Ctx, dir: string) {
    const meta = wpMeta(ctx.app);
    const password = await readDbPassword(ctx);
    const { dump } = await findClients(ctx);
    if (!dump) throw new HealerError('BACKUP_FAILED', 'Neither mariadb-dump nor mysqldump is installed on the target: the transients cannot be saved.');
    const tables: SavedTransients[] = [];
    for (const t of transientTables(meta)) {
      const file = `${t.table}.sql`;
      const r = await runDump(
        ctx,
        dump,
        password,
        ['--no-create-info', '--skip-triggers', '--compact', '--complete-insert', `--where=${transientWhere(t.column)}`, '--', meta.db.name, t.table],
        `${dir}/${file}`,
        10 * 60_000,
      );
      if (r.exitCode !== 0) throw new HealerError('BACKUP_FAILED', `${dump} of the transients in ${t.table} failed: ${describeFailure(r.stderr, r.exitCode)}`);
      tables.push({ table: t.table, file, print: await transientsPrint(ctx, password, t) });
    }
    return { meta: { database: meta.db.name, tables } };
  },
  async restore(ctx: Ctx, record, dir: string) {
    const meta = wpMeta(ctx.app);
    // Once the action was verified, only the tables whose transients it changed go back.
    const tables = savedTransientTables(ctx, record).filter((t) => !record.left || t.table in record.left);
    if (tables.length === 0) return;
    const password = await readDbPassword(ctx);
    const { client } = await findClients(ctx);
    if (!client) throw new HealerError('RESTORE_FAILED', 'Neither the mariadb nor the mysql client is installed on the target: the transients cannot be restored.');
    const before = ['START TRANSACTION;', ...tables.map((t) => `DELETE FROM ${sqlIdent(t.table)} WHERE ${transientWhere(t.column)};`)].join('\n');
    const files = tables.map((t) => `${dir}/${t.file}`);
    // The option file arrives on fd 3 (a pipe, from stdin); the statements, then the saved rows, then COMMIT on stdin.
    // A failing statement stops the client, and the transaction it leaves open is rolled back.
    const r = await ctx.exec.run(
      {
        script: 'pre=$1; a=$2; b=$3; shift 3; cat | { exec 3<&0; { printf \'%s\\n\' "$pre"; cat -- "$a" "$b"; printf \'COMMIT;\\n\'; } | "$@"; }',
        args: [before, files[0]!, files[1] ?? '/dev/null', client, '--defaults-extra-file=/dev/fd/3', '--batch', '--default-character-set=utf8mb4'],
      },
      { input: clientOptionFile(meta.db, password), timeoutMs: 10 * 60_000, signal: ctx.signal },
    );
    if (r.exitCode !== 0) throw new HealerError('RESTORE_FAILED', `Putting the transients back failed: ${describeFailure(r.stderr, r.exitCode)}`);
  },
  async fingerprint(ctx: Ctx, record, _dir: string, items?: readonly string[]) {
    const password = await readDbPassword(ctx);
    const out: Record<string, string> = {};
    for (const t of savedTransientTables(ctx, record)) {
      if (items && !items.includes(t.table)) continue;
      const now = await transientsPrint(ctx, password, t);
      // Without items: only the tables whose transients the action changed.
      if (items === undefined && now === t.print) continue;
      out[t.table] = now;
    }
    return out;
  },
};

export const wordpressBackup: BackupStrategy<WordpressConfig, WpMetadata> = { parts: [optionsPart, databasePart, transientsPart] };

function describeFailure(stderr: string, exitCode: number | null): string {
  const err = clientError(stderr);
  return err ? `error ${err.errno}: ${err.message}` : stderr.trim().slice(0, 1000) || `exit code ${exitCode}`;
}
