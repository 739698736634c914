/**
 * `mysql/repair-table` (medium): REPAIR TABLE of the tables CHECK TABLE
 * still reports as damaged, after a copy of their files (a crashed table
 * cannot be dumped: the server refuses to open it), which the rollback
 * puts back. `mysql/optimize-table`
 * (medium) and `mysql/optimize-large-table` (high, so always approved):
 * OPTIMIZE TABLE of the fragmented tables up to, and above,
 * `optimizeMaxBytes`, after a dump of them.
 */
import { opStep, restoreBackup, sqlBytes, type Step } from '@healer/core';
import { queryRows } from '../connection.js';
import { ACTION } from '../checks/shared.js';
import { crashedTablesCheck, damagedTables, fragmentationCheck, isFragmented, qualified } from '../checks/tables.js';
import { optimizeTableOp, repairTableOp } from '../operations.js';
import { tablesFromResults } from '../table-names.js';
import { notApplicable, type MysqlAction, type MysqlActionContext, type MysqlPlanContext } from './shared.js';

/** The named tables CHECK TABLE, run again now, still reports as damaged (a table repaired since is not planned). */
async function tablesToRepair(ctx: MysqlPlanContext): Promise<string[] | string> {
  const named = tablesFromResults(ctx.results, crashedTablesCheck.id);
  if (named.length === 0) return 'the check named no damaged table';
  const damaged = new Set((await damagedTables(ctx, named)).map((d) => d.table));
  const still = named.filter((t) => damaged.has(t));
  return still.length > 0 ? still : `CHECK TABLE now reports ${named.join(', ')} as sound`;
}

/** The files of a MyISAM/Aria table in the data directory, relative to it. */
const TABLE_FILES = ['frm', 'MYD', 'MYI', 'MAD', 'MAI'];

/** A `db.table` whose file names are its own (MariaDB encodes other characters in file names). */
const PLAIN = /^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/;

/**
 * The table's files, flushed first so they hold everything: a crashed
 * table cannot be dumped (the server refuses to open it), so the copy of
 * its files is its dump.
 */
async function tableFiles(ctx: MysqlActionContext, tables: readonly string[]): Promise<string[]> {
  await queryRows(ctx, `FLUSH TABLES ${tables.map(qualified).join(', ')}`);
  const out: string[] = [];
  for (const t of tables) {
    const base = t.replace('.', '/');
    for (const ext of TABLE_FILES) if (await ctx.fs.exists(`${ctx.app.root}/${base}.${ext}`)) out.push(`${base}.${ext}`);
  }
  return out;
}

export const repairTableAction: MysqlAction = {
  id: ACTION.repairTable,
  title: 'Repair crashed tables',
  description: 'REPAIR TABLE on each MyISAM/Aria table CHECK TABLE reports as damaged, after a copy of those tables (their files: a crashed table cannot be dumped).',
  risk: 'medium',
  fixes: [crashedTablesCheck.id],
  backup: async (ctx) => ({ paths: await tableFiles(ctx, tablesFromResults(ctx.results, crashedTablesCheck.id)) }),
  async preconditions(ctx) {
    const t = await tablesToRepair(ctx);
    if (typeof t === 'string') return t;
    const odd = t.filter((x) => !PLAIN.test(x));
    return odd.length === 0 ? true : `${odd.join(', ')}: names with characters other than letters, digits and _ are not supported yet (their file names are encoded)`;
  },
  async plan(ctx): Promise<Step[]> {
    const t = await tablesToRepair(ctx);
    if (typeof t === 'string') throw notApplicable(ACTION.repairTable, t);
    return t.map((table) => opStep(repairTableOp, { table }));
  },
  /** The table closed, its files put back, closed again so the server reads them anew. */
  async rollback(ctx) {
    const tables = [...new Set((ctx.backup?.manifest.files ?? []).map((f) => f.path.slice(ctx.app.root.length + 1).replace(/\.[A-Za-z]+$/, '').replace('/', '.')))].filter((t) => PLAIN.test(t));
    if (tables.length > 0) await queryRows(ctx, `FLUSH TABLES ${tables.map(qualified).join(', ')}`);
    await restoreBackup(ctx);
    if (tables.length > 0) await queryRows(ctx, `FLUSH TABLES ${tables.map(qualified).join(', ')}`);
  },
};

/** `('db', 'table')` as hex literals, for a row comparison. */
const tablePair = (t: string): string => `(${sqlBytes(t.slice(0, t.indexOf('.')))}, ${sqlBytes(t.slice(t.indexOf('.') + 1))})`;

/** The named tables still fragmented now (sizes read again), split by `optimizeMaxBytes`. */
async function tablesToOptimize(ctx: MysqlPlanContext, large: boolean): Promise<string[] | string> {
  const named = tablesFromResults(ctx.results, fragmentationCheck.id);
  if (named.length === 0) return 'the check named no fragmented table';
  const rows = await queryRows(
    ctx,
    `SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME), IFNULL(DATA_LENGTH, 0) + IFNULL(INDEX_LENGTH, 0) + IFNULL(DATA_FREE, 0), IFNULL(DATA_FREE, 0) FROM information_schema.TABLES WHERE (TABLE_SCHEMA, TABLE_NAME) IN (${named.map(tablePair).join(', ')})`,
  );
  const keep = rows
    .filter(([, total = '0', free = '0']) => isFragmented(Number(total), Number(free), ctx.config.fragmentationMinTableBytes))
    .filter(([, total = '0']) => (Number(total) > ctx.config.optimizeMaxBytes) === large)
    .map(([name = '']) => name)
    .filter((t) => named.includes(t))
    .sort();
  if (keep.length > 0) return keep;
  return large ? `no table of ${named.join(', ')} is both fragmented and larger than ${ctx.config.optimizeMaxBytes} bytes now` : `no table of ${named.join(', ')} is both fragmented and at most ${ctx.config.optimizeMaxBytes} bytes now`;
}

function optimizeAction(large: boolean): MysqlAction {
  const id = large ? ACTION.optimizeLargeTable : ACTION.optimizeTable;
  return {
    id,
    title: large ? 'Optimize large fragmented tables (approved)' : 'Optimize fragmented tables',
    description: large
      ? 'OPTIMIZE TABLE on fragmented tables above optimizeMaxBytes, after a dump of them: long, locks or rebuilds the table, so it always needs approval.'
      : 'OPTIMIZE TABLE on fragmented tables up to optimizeMaxBytes, after a dump of them.',
    risk: large ? 'high' : 'medium',
    fixes: [fragmentationCheck.id],
    backup: { paths: [], parts: ['tables'] },
    async preconditions(ctx) {
      const t = await tablesToOptimize(ctx, large);
      return typeof t === 'string' ? t : true;
    },
    async plan(ctx): Promise<Step[]> {
      const t = await tablesToOptimize(ctx, large);
      if (typeof t === 'string') throw notApplicable(id, t);
      return t.map((table) => opStep(optimizeTableOp, { table }));
    },
    rollback: restoreBackup,
  };
}

export const optimizeTableAction: MysqlAction = optimizeAction(false);
export const optimizeLargeTableAction: MysqlAction = optimizeAction(true);
