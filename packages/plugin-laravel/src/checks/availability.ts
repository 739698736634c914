/**
 * `laravel/availability`: the app answers at its address (core's HTTP probe,
 * from where Healer runs; the address is the app setting `url`, else what
 * the plugin found: `APP_URL`, or the `php -S` serving it). A failure names
 * the rungs that may bring it back: leave maintenance mode, make storage
 * writable.
 */
import { httpHealthCheck } from '@healer/core';
import { ACTION, CHECK } from './ids.js';
import type { LaravelCheck } from './shared.js';

export const availabilityCheck: LaravelCheck = {
  id: CHECK.availability,
  title: 'The app answers at its address',
  category: 'availability',
  severity: 'critical',
  description: 'GET the app address: a 2xx or 3xx answer within the timeout.',
  timeoutMs: 30_000,
  async run(ctx) {
    const result = await httpHealthCheck.run(ctx);
    const withSource = { ...result, details: { ...result.details, urlSource: ctx.settings.urlSource ?? null } };
    return result.status === 'fail' ? { ...withSource, fixes: [ACTION.up, ACTION.fixStoragePermissions] } : withSource;
  },
};
