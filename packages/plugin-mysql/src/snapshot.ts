/**
 * Everything the checks read from the server, fetched in ONE client run
 * (one round trip): global status, global variables, running queries,
 * replication, accounts and table sizes. Each result set is preceded by a
 * marker row, so a statement the login may not run (`--force` goes on)
 * leaves only its own section empty.
 */
import { HealerError, mysqlClientError } from '@healer/core';
import { mysqlMeta } from './detect.js';
import { requireLogin, serverSql, type MysqlContext } from './connection.js';
import type { ServerFlavor } from './types.js';

/** A result set: its column names and rows (NULL as null). */
export interface ResultSet {
  columns: string[];
  rows: Array<Array<string | null>>;
}

/** What the checks read. A section the server refused is null. */
export interface ServerSnapshot {
  /** `SHOW GLOBAL STATUS`, by variable name as the server spells it. */
  status: Record<string, string>;
  /** `SHOW GLOBAL VARIABLES`. */
  variables: Record<string, string>;
  /** Other connections' threads: id, user, host, db, command, time (s), state, info. */
  processes: Array<{ id: number; user: string; host: string; db: string | null; command: string; time: number; state: string | null; info: string | null }> | null;
  /** One row per replication source (none on a server that is no replica). */
  replication: Array<Record<string, string | null>> | null;
  /** Accounts: user, host, authentication plugin, whether a password is set, locked. */
  accounts: Array<{ user: string; host: string; plugin: string; hasPassword: boolean; locked: boolean }> | null;
  /** Base tables outside the system schemas, with sizes in bytes. */
  tables: Array<{ schema: string; name: string; engine: string | null; dataBytes: number; indexBytes: number; freeBytes: number }> | null;
  /** The errors of refused sections (`error 1142: SELECT command denied ...`). */
  errors: string[];
}

const MARK = 'healer_section_7f3a';

/** The statements, section by section. Accounts and replication differ between MariaDB and MySQL. */
export function snapshotSql(flavor: ServerFlavor | null): string {
  return snapshotSections(flavor)
    .map(([name, sql]) => `SELECT '${name}' AS ${MARK}; ${sql};`)
    .join('\n');
}

/** The sections in order: section i is on line i + 1 of the batch, which the client's errors name. */
export function snapshotSections(flavor: ServerFlavor | null): Array<[string, string]> {
  const accounts =
    flavor === 'mariadb'
      ? "SELECT User, Host, JSON_VALUE(Priv, '$.plugin') AS plugin, JSON_VALUE(Priv, '$.authentication_string') <> '' AS has_password, IFNULL(JSON_VALUE(Priv, '$.account_locked'), '0') IN ('1', 'true') AS locked FROM mysql.global_priv WHERE IFNULL(JSON_VALUE(Priv, '$.is_role'), '0') NOT IN ('1', 'true')"
      : "SELECT User, Host, plugin, authentication_string <> '' AS has_password, account_locked = 'Y' AS locked FROM mysql.user";
  return [
    ['status', 'SHOW GLOBAL STATUS'],
    ['variables', 'SHOW GLOBAL VARIABLES'],
    ['processes', 'SELECT ID, USER, HOST, DB, COMMAND, TIME, STATE, LEFT(INFO, 500) AS INFO FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() ORDER BY ID'],
    ['replication', flavor === 'mariadb' ? 'SHOW ALL SLAVES STATUS' : 'SHOW SLAVE STATUS'],
    ['accounts', accounts],
    [
      'tables',
      "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE, IFNULL(DATA_LENGTH, 0), IFNULL(INDEX_LENGTH, 0), IFNULL(DATA_FREE, 0) FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN ('information_schema', 'performance_schema', 'sys') ORDER BY TABLE_SCHEMA, TABLE_NAME",
    ],
  ];
}

/** A `--batch` field (without `--raw`): `\t`, `\n`, `\\` and `\0` read back; `NULL` is null. */
export function unescapeField(field: string): string | null {
  if (field === 'NULL') return null;
  return field.replace(/\\(.)/g, (_m, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === '0' ? '\0' : c));
}

/** Split `--batch` output with column names into the marked result sets. */
export function parseSections(stdout: string): Map<string, ResultSet> {
  const out = new Map<string, ResultSet>();
  const lines = stdout.split('\n');
  let current: ResultSet | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === MARK && i + 1 < lines.length) {
      current = { columns: [], rows: [] };
      out.set(lines[++i]!, current);
      continue;
    }
    if (!current || line === '') continue;
    const fields = line.split('\t');
    if (current.columns.length === 0) current.columns = fields;
    else current.rows.push(fields.map(unescapeField));
  }
  return out;
}

/** Rows of a result set as records by column name. */
function records(set: ResultSet): Array<Record<string, string | null>> {
  return set.rows.map((row) => Object.fromEntries(set.columns.map((c, i) => [c, row[i] ?? null])));
}

/** Name/value rows as a record. */
function pairs(set: ResultSet | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of set?.rows ?? []) if (name) out[name] = value ?? '';
  return out;
}

const num = (v: string | null | undefined): number => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};
const truthy = (v: string | null | undefined): boolean => v === '1' || v?.toLowerCase() === 'true';

/** Turn the client's output (and its errors) into the snapshot. */
export function buildSnapshot(stdout: string, stderr: string, order: readonly string[]): ServerSnapshot {
  const sections = parseSections(stdout);
  const failed = new Set<string>();
  const errors: string[] = [];
  for (const line of stderr.split('\n')) {
    const e = mysqlClientError(line);
    if (!e) continue;
    const at = /at line (\d+)/.exec(line);
    const section = at ? order[Number(at[1]) - 1] : undefined;
    if (section) failed.add(section);
    errors.push(`${section ? `${section}: ` : ''}error ${e.errno}: ${e.message}`);
  }
  // The client prints nothing, not even column names, for an empty result: empty unless the statement failed.
  const got = (name: string): ResultSet | null => (failed.has(name) ? null : (sections.get(name) ?? { columns: [], rows: [] }));
  const proc = got('processes');
  const repl = got('replication');
  const acc = got('accounts');
  const tab = got('tables');
  return {
    status: pairs(got('status') ?? undefined),
    variables: pairs(got('variables') ?? undefined),
    processes: proc
      ? proc.rows.map(([id, user, host, db, command, time, state, info]) => ({
          id: num(id),
          user: user ?? '',
          host: host ?? '',
          db: db ?? null,
          command: command ?? '',
          time: num(time),
          state: state ?? null,
          info: info ?? null,
        }))
      : null,
    replication: repl ? records(repl) : null,
    accounts: acc ? acc.rows.map(([user, host, plugin, hasPassword, locked]) => ({ user: user ?? '', host: host ?? '', plugin: plugin ?? '', hasPassword: truthy(hasPassword), locked: truthy(locked) })) : null,
    tables: tab
      ? tab.rows.map(([schema, name, engine, data, index, free]) => ({ schema: schema ?? '', name: name ?? '', engine: engine ?? null, dataBytes: num(data), indexBytes: num(index), freeBytes: num(free) }))
      : null,
    errors,
  };
}

/** The server's snapshot, fetched once per run and shared by every check. */
export function serverSnapshot(ctx: MysqlContext): Promise<ServerSnapshot> {
  const meta = mysqlMeta(ctx.app);
  return ctx.facts.get(`mysql:snapshot:${meta.dataDir}`, async () => {
    await requireLogin(ctx);
    const r = await serverSql(ctx, snapshotSql(meta.flavor), { args: ['--batch', '--force', '--default-character-set=utf8mb4'], timeoutMs: 60_000 });
    const snap = buildSnapshot(r.stdout, r.stderr, snapshotSections(meta.flavor).map(([name]) => name));
    if (Object.keys(snap.status).length === 0 || Object.keys(snap.variables).length === 0) {
      throw new HealerError('COMMAND_FAILED', `The server did not give its status and variables: ${snap.errors.join('; ') || r.stderr.trim().slice(0, 300) || `exit code ${r.exitCode}`}`);
    }
    return snap;
  });
}
