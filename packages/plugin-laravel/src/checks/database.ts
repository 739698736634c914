/**
 * Through the app's own configuration (the probe): `laravel/database`
 * (a connection, its error number in words), `laravel/cache-store` (a
 * put / get / forget round trip), `laravel/pending-migrations`
 * (`migrate:status`), `laravel/failed-jobs`.
 */
import { localServerOf } from '@healer/plugin-mysql';
import { artisanOutput, parseMigrateStatus } from '../artisan.js';
import { asPhpUser } from '../php-access.js';
import { appConfig, errnoInWords, runProbe, type ProbeConfig } from '../probe.js';
import { ACTION, CHECK } from './ids.js';
import { plural, type LaravelCheck, type LaravelCheckContext } from './shared.js';

/** The configuration, or a skip result naming why the app does not load. */
async function configOrSkip(ctx: LaravelCheckContext): Promise<ProbeConfig | { status: 'error'; message: string }> {
  const found = await appConfig(ctx);
  if (!found.boot) return { status: 'error', message: `The app does not load, so its configuration cannot be read: ${String(found.error ?? '')}` };
  return found as ProbeConfig;
}

function where(db: ProbeConfig['db']): string {
  const at = db.socket ? `socket ${db.socket}` : `${db.host ?? 'localhost'}${db.port ? `:${db.port}` : ''}`;
  return `${db.driver ?? 'unknown driver'} database "${db.database ?? ''}" as "${db.username ?? ''}" at ${at}`;
}

export const databaseCheck: LaravelCheck = {
  id: CHECK.database,
  title: 'The database answers',
  category: 'database',
  severity: 'critical',
  description: "Connects with the app's own configuration (the default connection) and names the error number in words.",
  timeoutMs: 60_000,
  async run(ctx) {
    const config = await configOrSkip(ctx);
    if (!('boot' in config)) return config;
    const r = await runProbe(ctx, 'db');
    const details = { connection: config.db.connection, driver: config.db.driver, host: config.db.host, port: config.db.port, socket: config.db.socket, database: config.db.database, username: config.db.username };
    if (r.ok) return { status: 'pass', message: `The app connects to the ${where(config.db)}.`, details };
    // The local MySQL/MariaDB server it points at, when the server's option files say which: the MySQL plugin diagnoses it.
    const server =
      config.db.driver === 'mysql' || config.db.driver === 'mariadb'
        ? await localServerOf(ctx.fs, { host: config.db.host ?? 'localhost', port: config.db.port, socket: config.db.socket || null }).catch(() => null)
        : null;
    const pointer = server ? ` Its server is the local MySQL server of ${server.dataDir}: \`healer diagnose ${server.dataDir}\` looks at it.` : '';
    return {
      status: 'fail',
      message: `The app cannot connect to the ${where(config.db)}: ${errnoInWords(r.errno)}.${pointer}`,
      details: { ...details, errno: r.errno ?? null, error: r.error ?? null, databaseServer: server?.dataDir ?? null },
      evidence: r.error ? [r.error] : [],
    };
  },
};

export const cacheStoreCheck: LaravelCheck = {
  id: CHECK.cacheStore,
  title: 'The cache store keeps a value',
  category: 'availability',
  severity: 'high',
  description: 'Puts a random value in the default cache store, reads it back and removes it, as the user PHP runs as.',
  timeoutMs: 60_000,
  async run(ctx) {
    const config = await configOrSkip(ctx);
    if (!('boot' in config)) return config;
    // As PHP's user: a file store's new folders must stay writable by the app.
    const r = await runProbe(ctx, 'cache', await asPhpUser(ctx));
    const details = { store: config.cache.default, driver: config.cache.driver };
    if (r.ok) return { status: 'pass', message: `The ${config.cache.default} cache store (${config.cache.driver}) kept a value and gave it back.`, details };
    const why = r.error ? `${r.error}${r.errno ? ` (${errnoInWords(r.errno)})` : ''}` : r.stored ? 'the value stored could not be read back' : 'the value could not be stored';
    return {
      status: 'fail',
      message: `The ${config.cache.default} cache store (${config.cache.driver}) failed a round trip: ${why}.`,
      details: { ...details, error: r.error ?? null },
      ...(config.cache.driver === 'file' ? { fixes: [ACTION.fixStoragePermissions] } : {}),
    };
  },
};

export const pendingMigrationsCheck: LaravelCheck = {
  id: CHECK.migrations,
  title: 'No migration is pending',
  category: 'database',
  severity: 'high',
  description: 'php artisan migrate:status: code that expects a newer schema fails on the old one.',
  timeoutMs: 120_000,
  async run(ctx) {
    const config = await configOrSkip(ctx);
    if (!('boot' in config)) return config;
    const db = await runProbe(ctx, 'db');
    if (!db.ok) return { status: 'skip', message: `The database does not answer (see ${CHECK.database}).` };
    const list = parseMigrateStatus(await artisanOutput(ctx, ['migrate:status']));
    const pending = list.filter((m) => !m.ran).map((m) => m.name);
    const details = { total: list.length, ran: list.length - pending.length, pending };
    if (pending.length === 0) return { status: 'pass', message: `All ${plural(list.length, 'migration')} ran.`, details };
    return {
      status: 'fail',
      message: `${plural(pending.length, 'migration')} not run: ${pending.slice(0, 5).join(', ')}${pending.length > 5 ? ', ...' : ''}.`,
      details,
      evidence: pending.slice(0, 10),
      fixes: [ACTION.migrate],
    };
  },
};

export const failedJobsCheck: LaravelCheck = {
  id: CHECK.failedJobs,
  title: 'No queued job failed',
  category: 'availability',
  severity: 'medium',
  description: 'Rows in the failed jobs table: work the app promised and did not do.',
  timeoutMs: 60_000,
  async run(ctx) {
    const config = await configOrSkip(ctx);
    if (!('boot' in config)) return config;
    if (config.queue.failedDriver === 'null') return { status: 'skip', message: 'Failed jobs are not recorded (queue.failed.driver is null).' };
    const r = await runProbe(ctx, 'failed-jobs');
    if (!r.ok) return { status: 'skip', message: `The failed jobs table could not be read: ${errnoInWords(r.errno)}.` };
    if (r.exists === false) return { status: 'pass', message: `There is no ${String(r.table)} table: no failed job recorded.`, details: { table: r.table, count: 0 } };
    const count = Number(r.count ?? 0);
    const details = { table: r.table, count, latest: r.latest ?? null };
    if (count === 0) return { status: 'pass', message: `No failed job in ${String(r.table)}.`, details };
    return {
      status: count >= ctx.config.failedJobsFailAt ? 'fail' : 'warn',
      message: `${plural(count, 'job')} failed (${String(r.table)}, the latest at ${String(r.latest ?? 'an unknown time')}): see php artisan queue:failed, then retry or forget them.`,
      details,
    };
  },
};
