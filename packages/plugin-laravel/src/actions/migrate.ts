/**
 * `laravel/migrate` (high: always a person's approval): `php artisan
 * migrate --force`, after a dump of the app's database (the `database`
 * backup part). Rollback loads the dump back and drops the tables the
 * migrations created.
 */
import { restoreBackup } from '@healer/core';
import { artisanOutput, artisanStep, parseMigrateStatus } from '../artisan.js';
import { dumpableDb } from '../backup.js';
import { ACTION, CHECK } from '../checks/ids.js';
import { notApplicable, type LaravelAction, type LaravelPlanContext } from './shared.js';

/** The migrations not run yet, read now (`migrate:status`). */
async function pendingNow(ctx: LaravelPlanContext): Promise<string[]> {
  return parseMigrateStatus(await artisanOutput(ctx, ['migrate:status'])).filter((m) => !m.ran).map((m) => m.name);
}

export const migrateAction: LaravelAction = {
  id: ACTION.migrate,
  title: 'Run the pending migrations',
  description: 'php artisan migrate --force, after a dump of the database; the rollback restores the dump.',
  risk: 'high',
  fixes: [CHECK.migrations],
  backup: { paths: [], parts: ['database'] },
  async preconditions(ctx) {
    const db = await dumpableDb(ctx);
    if (typeof db === 'string') return db;
    return (await pendingNow(ctx)).length > 0 ? true : 'no migration is pending';
  },
  async plan(ctx) {
    // The migrations as they are now: one added since the plan was approved makes another plan.
    const names = await pendingNow(ctx);
    if (names.length === 0) throw notApplicable(ACTION.migrate, 'no migration is pending');
    return [artisanStep(ctx, ['migrate', '--force'], `php artisan migrate --force: ${names.join(', ')}`, ctx.config.migrateTimeoutMs)];
  },
  rollback: restoreBackup,
};
