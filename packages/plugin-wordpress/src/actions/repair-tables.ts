/**
 * Repair tables (medium): one `wordpress/repair-table` operation per table
 * the failing `CHECK TABLE` named, after a dump of the database (the
 * `database` backup part), which the rollback loads back.
 */
import { opStep, restoreBackup, type Step } from '@healer/core';
import { assertSiteTable, repairTableOp } from './ops-db.js';
import { databaseDown, metaOf, notApplicable, opsOf, type WpAction, type WpPlanContext } from './shared.js';
import { tablesNeedRepairCheck } from '../checks/database.js';
import { ACTION } from '../checks/shared.js';

const ID = ACTION.repairTables;

/**
 * The tables the failing check named that CHECK TABLE, run again now, still
 * reports as damaged: a table repaired since (by a person, or by MariaDB's
 * myisam-recover when something opened it) is not planned, and a plan made
 * again before the apply refuses when that changed. Only the named tables are
 * checked: CHECK TABLE on every table of a large site is slow.
 */
async function tablesToRepair(ctx: WpPlanContext): Promise<string[] | string> {
  const ops = await opsOf(ctx);
  const down = await databaseDown(ctx, ops);
  if (down) return down;
  const named = ctx.results.find((r) => r.id === tablesNeedRepairCheck.id)?.details?.['tables'];
  const tables = Array.isArray(named) ? [...new Set(named.filter((t): t is string => typeof t === 'string' && t.length > 0))].sort() : [];
  if (tables.length === 0) return 'the database check named no table to repair';
  try {
    for (const table of tables) assertSiteTable(metaOf(ctx), table);
  } catch (e) {
    return e instanceof Error ? e.message.replace(/\.$/, '') : String(e);
  }
  const damaged = new Set((await ops.tablesNeedingRepair(tables)).map((t) => t.table));
  const still = tables.filter((t) => damaged.has(t));
  if (still.length === 0) return `CHECK TABLE now reports ${tables.join(', ')} as OK`;
  return still;
}

export const repairTables: WpAction = {
  id: ID,
  title: 'Repair damaged database tables',
  description: 'Run REPAIR TABLE on the tables CHECK TABLE reports as damaged, after a full dump of the database.',
  risk: 'medium',
  fixes: [tablesNeedRepairCheck.id],
  backup: { paths: [], parts: ['database'] },
  async preconditions(ctx) {
    const t = await tablesToRepair(ctx);
    return typeof t === 'string' ? t : true;
  },
  async plan(ctx): Promise<Step[]> {
    const t = await tablesToRepair(ctx);
    if (typeof t === 'string') throw notApplicable(ID, t);
    return t.map((table) => opStep(repairTableOp, { table }));
  },
  rollback: restoreBackup,
};
