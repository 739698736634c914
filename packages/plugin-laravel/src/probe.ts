/**
 * The app's effective configuration and live state, read by booting the
 * app's own console kernel in a short PHP script (given on stdin, so
 * nothing is written on the target): what Laravel itself uses, cached
 * configuration included, rather than a guess from `.env`. The database
 * password it returns is registered as a secret at once.
 */
import { HealerError, type CheckContext } from '@healer/core';
import { READ_ENV } from './artisan.js';
import type { LaravelConfig } from './config.js';
import type { LaravelMeta } from './types.js';

type Ctx = Pick<CheckContext<LaravelConfig, LaravelMeta>, 'exec' | 'app' | 'config' | 'signal' | 'secrets' | 'facts'>;

/** The PHP probe. `$argv[1]`: the app root; `$argv[2]`: what to do. Prints one JSON object. @internal */
export const PROBE_SCRIPT = String.raw`<?php
$root = $argv[1];
$mode = $argv[2];
$out = function ($value, $code = 0) { echo json_encode($value, JSON_UNESCAPED_SLASHES | JSON_PARTIAL_OUTPUT_ON_ERROR); exit($code); };
set_exception_handler(function ($e) use ($out) { $out(['boot' => false, 'error' => get_class($e) . ': ' . $e->getMessage(), 'file' => $e->getFile(), 'line' => $e->getLine()], 3); });
chdir($root);
require $root . '/vendor/autoload.php';
$app = require $root . '/bootstrap/app.php';
$app->make(Illuminate\Contracts\Console\Kernel::class)->bootstrap();
$config = $app['config'];
$errno = function ($e) { return preg_match('/\[(\d{4})\]/', $e->getMessage(), $m) ? (int) $m[1] : (is_numeric($e->getCode()) ? (int) $e->getCode() : null); };
if ($mode === 'config') {
    $default = $config->get('database.default');
    $db = $config->get('database.connections.' . $default) ?: [];
    $queues = [];
    foreach ((array) $config->get('queue.connections') as $name => $c) { $queues[$name] = ['driver' => $c['driver'] ?? null, 'retry_after' => $c['retry_after'] ?? null, 'queue' => $c['queue'] ?? null]; }
    $out([
        'boot' => true,
        'version' => $app->version(),
        'env' => $app->environment(),
        'debug' => (bool) $config->get('app.debug'),
        'url' => $config->get('app.url'),
        'keyLength' => strlen((string) $config->get('app.key')),
        'configCached' => $app->configurationIsCached(),
        'configCachePath' => $app->getCachedConfigPath(),
        'routesCached' => $app->routesAreCached(),
        'routesCachePath' => $app->getCachedRoutesPath(),
        'db' => [
            'connection' => $default,
            'driver' => $db['driver'] ?? null,
            'host' => $db['host'] ?? null,
            'port' => isset($db['port']) ? (int) $db['port'] : null,
            'socket' => $db['unix_socket'] ?? null,
            'database' => $db['database'] ?? null,
            'username' => $db['username'] ?? null,
            'password' => $db['password'] ?? null,
        ],
        'cache' => ['default' => $config->get('cache.default'), 'driver' => $config->get('cache.stores.' . $config->get('cache.default') . '.driver')],
        'queue' => ['default' => $config->get('queue.default'), 'connections' => $queues, 'failedTable' => $config->get('queue.failed.table'), 'failedDriver' => $config->get('queue.failed.driver')],
        'migrationsTable' => $config->get('database.migrations'),
        'storagePath' => $app->storagePath(),
    ]);
}
if ($mode === 'db') {
    try { $app['db']->connection()->getPdo(); $out(['boot' => true, 'ok' => true]); }
    catch (Throwable $e) { $out(['boot' => true, 'ok' => false, 'errno' => $errno($e), 'error' => $e->getMessage()]); }
}
if ($mode === 'cache') {
    $key = 'healer:round-trip:' . bin2hex(random_bytes(8));
    $value = bin2hex(random_bytes(8));
    try {
        $store = $app['cache']->store();
        $put = $store->put($key, $value, 60);
        $got = $store->get($key);
        $store->forget($key);
        $out(['boot' => true, 'ok' => $put !== false && $got === $value, 'stored' => $put !== false, 'readBack' => $got === $value]);
    } catch (Throwable $e) { $out(['boot' => true, 'ok' => false, 'errno' => $errno($e), 'error' => get_class($e) . ': ' . $e->getMessage()]); }
}
if ($mode === 'failed-jobs') {
    try {
        $table = $config->get('queue.failed.table') ?: 'failed_jobs';
        $db = $app['db']->connection($config->get('queue.failed.database'));
        if (! $db->getSchemaBuilder()->hasTable($table)) $out(['boot' => true, 'ok' => true, 'table' => $table, 'exists' => false, 'count' => 0]);
        $out(['boot' => true, 'ok' => true, 'table' => $table, 'exists' => true, 'count' => $db->table($table)->count(), 'latest' => $db->table($table)->max('failed_at')]);
    } catch (Throwable $e) { $out(['boot' => true, 'ok' => false, 'errno' => $errno($e), 'error' => $e->getMessage()]); }
}
$out(['boot' => false, 'error' => 'unknown probe ' . $mode], 2);
`;

export type ProbeMode = 'config' | 'db' | 'cache' | 'failed-jobs';

/** The connection the app uses, as its configuration says. */
export interface ProbeDb {
  connection: string | null;
  driver: string | null;
  host: string | null;
  port: number | null;
  socket: string | null;
  database: string | null;
  username: string | null;
  /** Registered as a secret when read. */
  password: string | null;
}

export interface ProbeConfig {
  boot: true;
  version: string;
  env: string;
  debug: boolean;
  url: string | null;
  keyLength: number;
  configCached: boolean;
  configCachePath: string;
  routesCached: boolean;
  routesCachePath: string;
  db: ProbeDb;
  cache: { default: string | null; driver: string | null };
  queue: {
    default: string | null;
    connections: Record<string, { driver: string | null; retry_after: number | null; queue: string | null }>;
    failedTable: string | null;
    failedDriver: string | null;
  };
  migrationsTable: string | null;
  storagePath: string;
}

/** A probe that could run a query or a cache call. */
export interface ProbeOutcome {
  boot: boolean;
  ok?: boolean;
  errno?: number | null;
  error?: string;
  file?: string;
  line?: number;
  [key: string]: unknown;
}

/**
 * Run the probe in `mode` (after `prefix`: `runuser -u <php user> --` for a
 * probe that writes files, see `asPhpUser`); throws `COMMAND_FAILED` when PHP prints no JSON (the app cannot even load). */
export async function runProbe(ctx: Ctx, mode: ProbeMode, prefix: readonly string[] = []): Promise<ProbeOutcome> {
  const r = await ctx.exec.run([...prefix, ctx.config.phpBinary, '-d', 'display_errors=stderr', '--', ctx.app.root, mode], {
    input: PROBE_SCRIPT,
    cwd: ctx.app.root,
    env: { ...READ_ENV },
    timeoutMs: 60_000,
    signal: ctx.signal,
  });
  const text = r.stdout.trim();
  let parsed: ProbeOutcome | null = null;
  try {
    parsed = text.startsWith('{') ? (JSON.parse(text) as ProbeOutcome) : null;
  } catch {
    parsed = null;
  }
  if (parsed === null) {
    throw new HealerError('COMMAND_FAILED', `The app could not be loaded to read its configuration (exit ${r.exitCode}): ${(r.stderr.trim() || text).slice(0, 500)}`);
  }
  return parsed;
}

/** The app's effective configuration, read once per run (the database password registered as a secret). */
export async function appConfig(ctx: Ctx): Promise<ProbeConfig | ProbeOutcome> {
  return ctx.facts.get(`laravel:config:${ctx.app.root}`, async () => {
    const found = await runProbe(ctx, 'config');
    if (found.boot) {
      const config = found as unknown as ProbeConfig;
      if (config.db.password) ctx.secrets.add(config.db.password);
      return config;
    }
    return found;
  });
}

/** The configuration, or throw with why the app did not load. */
export async function loadedConfig(ctx: Ctx): Promise<ProbeConfig> {
  const found = await appConfig(ctx);
  if (!found.boot) throw new HealerError('COMMAND_FAILED', `The app does not load: ${String((found as ProbeOutcome).error ?? 'unknown error')}`);
  return found as ProbeConfig;
}

/** MySQL / MariaDB client errors and PDO connection errors, in words. */
const ERRNO_WORDS: Record<number, string> = {
  1040: 'the server has too many connections',
  1044: 'the user may not use this database',
  1045: 'the user name or password is wrong',
  1049: 'the database does not exist',
  1130: 'this host may not connect to the server',
  1698: 'the user may not log in this way (auth plugin)',
  2002: 'nothing answers at the socket or host (the server is down or the address is wrong)',
  2003: 'nothing answers at the host and port (the server is down or a firewall blocks it)',
  2005: 'the host name does not resolve',
  2006: 'the server went away',
  2013: 'the connection was lost during the query',
  2054: 'the server asked for an authentication method the client does not know',
};

/** An errno in words, e.g. `1045 (the user name or password is wrong)`. */
export function errnoInWords(errno: number | null | undefined): string {
  if (errno === null || errno === undefined) return 'no error number';
  const words = ERRNO_WORDS[errno];
  return words ? `error ${errno}: ${words}` : `error ${errno}`;
}
