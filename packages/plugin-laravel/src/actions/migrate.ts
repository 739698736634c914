/**
 * `laravel/migrate` (high: always a person's approval): `php artisan
 * migrate --force`, after a dump of the app's database (the `database`
 * backup part). Rollback loads the dump back and drops the tables the
 * migrations created.
 */
import { restoreBackup } from '@healer/core';
import { artisanStep } from '../artisan.js';
import { dumpableDb } from '../backup.js';
import { ACTION, CHECK } from '../checks/ids.js';
import type { LaravelAction } from './shared.js';

export const migrateAction: LaravelAction = {
  id: ACTION.migrate,
  title: 'Run the pending migrations',
  description: 'php artisan migrate --force, after a dump of the database; the rollback restores the dump.',
  risk: 'high',
  fixes: [CHECK.migrations],
  backup: { paths: [], parts: ['database'] },
  async preconditions(ctx) {
    const db = await dumpableDb(ctx);
    return typeof db === 'string' ? db : true;
  },
  plan: (ctx) => {
    const pending = ctx.results.find((r) => r.id === CHECK.migrations)?.details?.['pending'];
    const names = Array.isArray(pending) ? pending.filter((p): p is string => typeof p === 'string') : [];
    return [
      artisanStep(ctx, ['migrate', '--force'], `php artisan migrate --force${names.length > 0 ? `: ${names.join(', ')}` : ''}`, ctx.config.migrateTimeoutMs),
    ];
  },
  rollback: restoreBackup,
};
