/**
 * What the three operations implementations share: database error
 * sentences, the reading of CHECK/REPAIR TABLE rows, the flattening of the
 * `cron` option, and input validation.
 */
import type { WpOps } from '../types.js';
import { HealerError } from '@healer/core';

/** A sentence a person can act on for a MySQL/MariaDB client error number. */
export function explainDbError(errno: number): string {
  switch (errno) {
    case 1045:
      return 'The database refused the user name or password in wp-config.php (DB_USER / DB_PASSWORD): they do not match an account on the database server.';
    case 1044:
      return 'The database user in wp-config.php (DB_USER) has no access to the database named in DB_NAME: grant it access, or fix DB_NAME.';
    case 1049:
      return 'The database named in wp-config.php (DB_NAME) does not exist on the database server: it was dropped or renamed, or DB_NAME is wrong.';
    case 2002:
      return 'Cannot reach the database server through its local socket: the MySQL/MariaDB server is not running on this machine, or DB_HOST points at the wrong socket.';
    case 2003:
      return 'Cannot connect to the database server at the host and port in wp-config.php (DB_HOST): the server is down, a firewall blocks it, or the port is wrong.';
    case 2005:
      return 'The database host name in wp-config.php (DB_HOST) does not resolve: it is misspelled or DNS is failing.';
    case 2006:
    case 2013:
      return 'The database server dropped the connection: it may have crashed, restarted, or hit a timeout or packet-size limit.';
    case 1040:
      return 'The database server has too many connections open and refused a new one.';
    case 1698:
      return 'The database refused the user in wp-config.php: that account only allows socket (unix_socket) authentication, not a password.';
    default:
      return `The database connection failed with error ${errno}.`;
  }
}

export interface TableRow {
  table: string;
  /** `status`, `error`, `warning`, `note` (lower case). */
  type: string;
  text: string;
}

/** A table passed CHECK or REPAIR: a `status` row saying OK and no `error` row. */
export function rowsOk(rows: readonly TableRow[]): boolean {
  if (rows.some((r) => r.type === 'error')) return false;
  return rows.some((r) => r.type === 'status' && (r.text === 'OK' || r.text === 'Table is already up to date'));
}

/** The texts of the rows (the problems only, when asked and there are some), joined. */
export function rowsMessage(rows: readonly TableRow[], problemsOnly: boolean): string {
  const picked = problemsOnly ? rows.filter((r) => r.type !== 'status') : rows;
  return (picked.length > 0 ? picked : rows).map((r) => r.text).join('; ');
}

/** Group `Table, Op, Msg_type, Msg_text` rows by table, without the `db.` in front. */
export function groupTableRows(rows: readonly string[][], database: string): Map<string, TableRow[]> {
  const by = new Map<string, TableRow[]>();
  for (const [full = '', , type = '', text = ''] of rows) {
    const table = full.startsWith(`${database}.`) ? full.slice(database.length + 1) : full;
    const list = by.get(table) ?? [];
    list.push({ table, type: type.toLowerCase(), text });
    by.set(table, list);
  }
  return by;
}

/** One scheduled event. */
export interface CronEvent {
  hook: string;
  timestamp: number;
  /** The event's arguments as JSON. */
  args: string;
}

/**
 * The `cron` option (`{ <timestamp>: { <hook>: { <md5 of args>: { schedule, args, interval } } }, version: 2 }`),
 * flattened and sorted by time, hook, then arguments.
 */
export function flattenCron(cron: unknown): CronEvent[] {
  const out: CronEvent[] = [];
  if (cron === null || typeof cron !== 'object') return out;
  for (const [ts, hooks] of Object.entries(cron as Record<string, unknown>)) {
    if (!/^-?\d+$/.test(ts) || hooks === null || typeof hooks !== 'object') continue;
    for (const [hook, events] of Object.entries(hooks as Record<string, unknown>)) {
      if (events === null || typeof events !== 'object') continue;
      for (const event of Object.values(events as Record<string, unknown>)) {
        const args = event !== null && typeof event === 'object' && 'args' in event ? (event as { args: unknown }).args : [];
        out.push({ hook, timestamp: Number(ts), args: JSON.stringify(args ?? null) });
      }
    }
  }
  return out.sort((a, b) => a.timestamp - b.timestamp || compareBytes(a.hook, b.hook) || compareBytes(a.args, b.args));
}

/** strcmp(): byte order of the UTF-8 text. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** A theme folder name, refused when it could point anywhere else. */
export function checkSlug(value: string, what: string): string {
  if (typeof value !== 'string' || value === '' || value === '.' || value === '..' || /[/\\\0]/.test(value)) {
    throw new HealerError('INVALID_ARGUMENT', `Not a ${what} folder name: ${JSON.stringify(value)}.`);
  }
  return value;
}

/** WordPress refuses table prefixes with anything but letters, digits and `_` (wp_set_wpdb_vars). */
export function checkPrefix(prefix: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(prefix)) throw new HealerError('CONFIG_INVALID', `The table prefix ${JSON.stringify(prefix)} is not valid: WordPress allows letters, digits and _ only.`);
  return prefix;
}

/** `get_file_data()` for one header: the first 8 KB, a `Name: value` line in any comment style. */
export function fileHeader(text: string, header: string): string {
  const head = text.slice(0, 8192).replace(/\r/g, '\n');
  const escaped = header.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const m = new RegExp(`^(?:[ \\t]*<\\?php)?[ \\t/*#@]*${escaped}:(.*)$`, 'mi').exec(head);
  if (!m || !m[1]) return '';
  // _cleanup_header_comment(): trim, and drop a trailing `*/` or `?>`.
  return m[1].replace(/\s*(?:\*\/|\?>).*/, '').trim();
}

/** Autoloaded options: every spelling WordPress has used for "load on every request". */
const AUTOLOAD = "autoload IN ('yes', 'on', 'auto-on', 'auto')";

/**
 * The operations that are plain SQL in every implementation that can run SQL
 * (the database client and `wp db query`).
 */
export function sqlTableOps(deps: {
  sql(statement: string): Promise<string[][]>;
  prefixTables(): Promise<string[]>;
  tableRows(statement: string, tables: string[]): Promise<Map<string, TableRow[]>>;
  optionsTable(): string;
}): Pick<WpOps, 'tablesNeedingRepair' | 'repairTables' | 'autoloadSize'> {
  return {
    async tablesNeedingRepair(only) {
      const out: Array<{ table: string; message: string }> = [];
      const tables = (await deps.prefixTables()).filter((t) => !only || only.includes(t));
      for (const [table, rows] of await deps.tableRows('CHECK TABLE', tables)) {
        if (!rowsOk(rows)) out.push({ table, message: rowsMessage(rows, true) });
      }
      return out;
    },
    async repairTables(tables) {
      const known = await deps.prefixTables();
      const rows = await deps.tableRows('REPAIR TABLE', known.filter((t) => tables.includes(t)));
      return tables.map((table) => {
        if (!known.includes(table)) return { table, ok: false, message: 'Not a table of this site.' };
        const r = rows.get(table) ?? [];
        return { table, ok: rowsOk(r), message: rowsMessage(r, false) };
      });
    },
    async autoloadSize() {
      const options = deps.optionsTable();
      const [total] = await deps.sql(`SELECT COALESCE(SUM(LENGTH(option_value)), 0) FROM ${options} WHERE ${AUTOLOAD}`);
      const largest = await deps.sql(`SELECT HEX(option_name), LENGTH(option_value) AS bytes FROM ${options} WHERE ${AUTOLOAD} ORDER BY bytes DESC, option_name ASC LIMIT 10`);
      return {
        bytes: Number(total?.[0] ?? 0),
        largest: largest.map(([name = '', bytes = '0']) => ({ name: Buffer.from(name, 'hex').toString('utf8'), bytes: Number(bytes) })),
      };
    },
  };
}

/** The active theme from the `template` and `stylesheet` options ('' when unset). */
export async function themeFromOptions(getOption: (name: string) => Promise<unknown>): Promise<{ template: string; stylesheet: string }> {
  const template = await getOption('template');
  const stylesheet = await getOption('stylesheet');
  return { template: typeof template === 'string' ? template : '', stylesheet: typeof stylesheet === 'string' ? stylesheet : '' };
}
