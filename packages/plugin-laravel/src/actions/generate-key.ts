/**
 * `laravel/generate-key` (critical: never automatic, a person approves this
 * very action): `php artisan key:generate --force`, `.env` saved first.
 * A new key makes everything encrypted with the old one unreadable
 * (sessions, cookies, `encrypt()`ed columns, signed URLs): the plan says
 * so, and a person decides whether the old key can be found instead.
 */
import { restoreBackup } from '@healer/core';
import { artisanStep } from '../artisan.js';
import { appKeyProblem } from '../checks/env.js';
import { ACTION, CHECK } from '../checks/ids.js';
import { readDotenv } from '../dotenv.js';
import type { LaravelAction } from './shared.js';

export const generateKeyAction: LaravelAction = {
  id: ACTION.generateKey,
  title: 'Generate a new APP_KEY',
  description: 'php artisan key:generate --force. Everything encrypted with an earlier key becomes unreadable.',
  risk: 'critical',
  fixes: [CHECK.appKey],
  backup: { paths: ['.env'] },
  async preconditions(ctx) {
    const env = await readDotenv(ctx);
    if (env === null) return 'there is no .env to write the key into';
    return appKeyProblem(env.get('APP_KEY')) === null ? 'APP_KEY is set and well formed now' : true;
  },
  plan: (ctx) => {
    const problem = ctx.results.find((r) => r.id === CHECK.appKey)?.details?.['problem'];
    return [
      {
        kind: 'note',
        write: false,
        description: `${typeof problem === 'string' ? problem : 'APP_KEY is missing or malformed'}: a new key cannot decrypt sessions, cookies or encrypted columns written with an earlier key. If the app ever had a key, restore that one instead.`,
      },
      artisanStep(ctx, ['key:generate', '--force'], 'php artisan key:generate --force: write a new APP_KEY into .env'),
    ];
  },
  rollback: restoreBackup,
};
