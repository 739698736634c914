import { describe, expect, it } from 'vitest';
import { parseMigrateStatus } from './artisan.js';
import { parseWorkerCommand } from './checks/queue.js';
import { envBool, parseDotenv } from './dotenv.js';

describe('parseMigrateStatus', () => {
  it('reads the table Laravel 8 prints', () => {
    const text = [
      '+------+------------------------------------------------+-------+',
      '| Ran? | Migration                                      | Batch |',
      '+------+------------------------------------------------+-------+',
      '| Yes  | 2019_08_19_000000_create_failed_jobs_table     | 1     |',
      '| No   | 2021_01_01_000000_add_orders                   |       |',
      '+------+------------------------------------------------+-------+',
    ].join('\n');
    expect(parseMigrateStatus(text)).toEqual([
      { name: '2019_08_19_000000_create_failed_jobs_table', ran: true, batch: 1 },
      { name: '2021_01_01_000000_add_orders', ran: false, batch: null },
    ]);
  });

  it('reads the lines Laravel 9 and later print', () => {
    const text = '  Migration name .... Batch / Status\n  2019_08_19_000000_create_failed_jobs_table ........ [1] Ran\n  2021_01_01_000000_add_orders ..... Pending\n';
    expect(parseMigrateStatus(text)).toEqual([
      { name: '2019_08_19_000000_create_failed_jobs_table', ran: true, batch: 1 },
      { name: '2021_01_01_000000_add_orders', ran: false, batch: null },
    ]);
  });
});

describe('parseDotenv', () => {
  it('reads quotes, export, comments and references', () => {
    const env = parseDotenv('export APP_NAME="My App"\nAPP_KEY=base64:abc # the key\nDB_PASSWORD=\'p#ss\'\nURL=http://${HOST}\nHOST=x\nMAIL=${APP_NAME}\n# COMMENTED=1\n');
    expect(Object.fromEntries(env)).toEqual({ APP_NAME: 'My App', APP_KEY: 'base64:abc', DB_PASSWORD: 'p#ss', URL: 'http://', HOST: 'x', MAIL: 'My App' });
  });

  it('reads booleans as (bool) env() does', () => {
    expect(['true', '1', '(true)', 'yes'].map(envBool)).toEqual([true, true, true, true]);
    expect(['false', '0', '', '(false)', 'null'].map(envBool)).toEqual([false, false, false, false, false]);
    expect(envBool(undefined)).toBeNull();
  });
});

describe('parseWorkerCommand', () => {
  it('reads PHP running artisan queue:work, not a shell loop around it', () => {
    expect(parseWorkerCommand('php artisan queue:work redis --sleep=3 --timeout=90')).toEqual({ command: 'php artisan queue:work redis --sleep=3 --timeout=90', kind: 'work', connection: 'redis', timeout: 90 });
    expect(parseWorkerCommand('/usr/bin/php8.2 /var/www/app/artisan horizon')).toMatchObject({ kind: 'horizon', connection: null, timeout: 60 });
    expect(parseWorkerCommand('sh -c while true; do php artisan queue:work; done')).toBeNull();
    expect(parseWorkerCommand('php artisan queue:failed')).toBeNull();
  });
});
