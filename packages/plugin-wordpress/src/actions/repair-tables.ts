/**
 * Repair tables (medium): `REPAIR TABLE` on the tables `CHECK TABLE` reports,
 * after a dump of the database (the `database` backup part), which the
 * rollback loads back.
 */
import { HealerError, restoreBackup, type Step } from '@healer/core';
import { sqlIdent } from '../ops/mysql-client.js';
import { databaseDown, notApplicable, opsOf, type WpAction, type WpPlanContext } from './shared.js';
import { tablesNeedRepairCheck } from '../checks/database.js';
import { ACTION } from '../checks/shared.js';

const ID = ACTION.repairTables;

async function tablesToRepair(ctx: WpPlanContext): Promise<string[] | string> {
  const ops = await opsOf(ctx);
  const down = await databaseDown(ctx, ops);
  if (down) return down;
  const tables = (await ops.tablesNeedingRepair()).map((t) => t.table).sort();
  return tables.length > 0 ? tables : 'CHECK TABLE reports every table as OK';
}

const STEP = /^REPAIR TABLE `((?:[^`]|``)+)` through the [a-z-]+ operations$/;

function describeRepair(tables: string[], kind: string): Step[] {
  return tables.map((t) => ({ kind: 'note', write: true, description: `REPAIR TABLE ${sqlIdent(t)} through the ${kind} operations` }));
}

/** The tables the planned steps name. */
function plannedTables(steps: readonly Step[]): string[] {
  return steps.flatMap((s) => {
    const m = s.kind === 'note' ? STEP.exec(s.description) : null;
    return m ? [m[1]!.replace(/``/g, '`')] : [];
  });
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
  async plan(ctx) {
    const t = await tablesToRepair(ctx);
    if (typeof t === 'string') throw notApplicable(ID, t);
    return describeRepair(t, (await opsOf(ctx)).kind);
  },
  async apply(ctx, steps) {
    // The planned tables, not those CHECK TABLE names now: opening a crashed MyISAM table (the dump
    // before this does) may already have repaired it through MariaDB's myisam-recover, and REPAIR
    // of a sound table only says so.
    const tables = plannedTables(steps);
    if (tables.length === 0) throw notApplicable(ID, 'the plan names no table');
    const results = await (await opsOf(ctx)).repairTables(tables);
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) {
      throw new HealerError('COMMAND_FAILED', `REPAIR TABLE failed for ${failed.map((f) => `${f.table} (${f.message})`).join(', ')}.`);
    }
  },
  rollback: restoreBackup,
};
