/** `laravel/maintenance-mode`: `storage/framework/down` left in place, with its age. */
import { posix } from 'node:path';
import { ACTION, CHECK } from './ids.js';
import { age, type LaravelCheck } from './shared.js';

export const maintenanceCheck: LaravelCheck = {
  id: CHECK.maintenance,
  title: 'Maintenance mode is off',
  category: 'availability',
  severity: 'high',
  description: 'php artisan down writes storage/framework/down; a deploy that fails before `up` leaves the site answering 503.',
  async run(ctx) {
    const file = posix.join(ctx.app.root, 'storage/framework/down');
    const st = await ctx.fs.stat(file);
    if (st === null) return { status: 'pass', message: 'The app is not in maintenance mode.' };
    const ms = Date.now() - st.mtimeMs;
    let payload: { retry?: unknown; secret?: unknown; status?: unknown } = {};
    try {
      payload = JSON.parse((await ctx.fs.readText(file, { maxBytes: 64 * 1024 })) ?? '{}') as typeof payload;
    } catch {
      payload = {};
    }
    if (typeof payload.secret === 'string') ctx.secrets.add(payload.secret);
    const details = { file, since: new Date(st.mtimeMs).toISOString(), ageMinutes: Math.round(ms / 60_000), status: typeof payload.status === 'number' ? payload.status : 503, bypassSecret: typeof payload.secret === 'string' };
    const stale = ms > ctx.config.maintenanceMaxMinutes * 60_000;
    return {
      status: stale ? 'fail' : 'warn',
      message: stale
        ? `The app has been in maintenance mode for ${age(ms)} (since ${details.since}): visitors get ${details.status}. It looks left on by a deploy that did not finish; php artisan up brings it back.`
        : `The app went into maintenance mode ${age(ms)} ago (a deploy may be running).`,
      details,
      evidence: [`${file} (${age(ms)} old)`],
      ...(stale ? { fixes: [ACTION.up] } : {}),
    };
  },
};
