/**
 * `laravel/availability`: the PHP plugin's `php/app-answers` (a GET of the
 * app's address from where Healer runs; the address is the app setting
 * `url`, else what this plugin found: `APP_URL`, a `php -S` serving
 * `public/`, or the virtual host), renamed. A failure also names Laravel's
 * rungs that may bring the app back: leave maintenance mode, make
 * `storage/` writable (each planned only when its precondition holds).
 */
import { appAnswersCheck, checkInNamespace } from '@healer/plugin-php';
import { ACTION, CHECK } from './ids.js';
import type { LaravelCheck } from './shared.js';

const reused: LaravelCheck = checkInNamespace(appAnswersCheck, 'laravel');

export const availabilityCheck: LaravelCheck = {
  ...reused,
  id: CHECK.availability,
  title: 'The app answers at its address',
  async run(ctx) {
    const result = await reused.run(ctx);
    return result.status === 'fail' ? { ...result, fixes: [ACTION.up, ACTION.fixStoragePermissions, ...(result.fixes ?? [])] } : result;
  },
};
