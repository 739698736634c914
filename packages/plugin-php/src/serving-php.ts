/**
 * The PHP that serves the app, as that PHP sees itself: a `php -S` server
 * (its own `-c`/`-d`/`-n`), the PHP-FPM pool the web server passes PHP to
 * (FPM's php.ini and conf.d, then the pool's `php_value`/`php_admin_value`),
 * Apache's mod_php (Apache's php.ini and conf.d, then the virtual host's
 * settings), else the PHP CLI. The CLI's php.ini often differs from the
 * served one (display_errors on for the CLI, opcache off...): judging the
 * CLI would judge the wrong PHP.
 */
import { posix } from 'node:path';
import { errorMessage, type Executor, type FpmConfig, type FpmPool } from '@healer/core';
import { fpmMaster, type FpmMaster } from './fpm.js';
import type { PhpCheckContext } from './shared.js';
import { builtinServerOf, webServerOf, type BuiltinServer } from './web-server.js';

/** The ini settings read from the serving PHP. */
export const INI_KEYS: readonly string[] = [
  'display_errors',
  'display_startup_errors',
  'expose_php',
  'log_errors',
  'error_log',
  'error_reporting',
  'opcache.enable',
  'opcache.enable_cli',
  'opcache.validate_timestamps',
  'memory_limit',
  'allow_url_include',
];

/** How the app's PHP runs. */
export type ServingKind = 'php-fpm' | 'apache' | 'builtin' | 'cli';

export interface ServingPhp {
  kind: ServingKind;
  /** `PHP-FPM pool www (…/pool.d/www.conf)`, `Apache mod_php (…)`, `php -S 127.0.0.1:8080 (pid 42)`, `PHP CLI (php)`. */
  description: string;
  /** PHP_VERSION, null when the probe could not run. */
  version: string | null;
  /** Loaded extensions, lowercase, Zend ones included (`zend opcache`). */
  extensions: string[];
  /** The effective settings: the SAPI's php.ini, then the pool's, virtual host's or command line's own. */
  ini: Record<string, string | null>;
  /** What the pool, virtual host or command line sets over php.ini. */
  overrides: Record<string, string>;
  /** The php.ini loaded, null when none. */
  iniFile: string | null;
  /** The additional .ini files read (conf.d). */
  scanned: string[];
  fpm?: { pool: FpmPool; fpm: FpmConfig; master: FpmMaster | null };
  builtin?: BuiltinServer;
  /** Why the view may be approximate (the SAPI's ini folder not found...). */
  notes: string[];
}

const PROBE = `echo json_encode(['version' => PHP_VERSION, 'extensions' => array_map('strtolower', array_merge(get_loaded_extensions(), get_loaded_extensions(true))), 'ini' => array_combine($k = json_decode($argv[1], true), array_map(function ($x) { $v = ini_get($x); return $v === false ? null : $v; }, $k)), 'iniFile' => php_ini_loaded_file(), 'scanned' => php_ini_scanned_files()]);`;

interface ProbeOut {
  version: string;
  extensions: string[];
  ini: Record<string, string | null>;
  iniFile: string | false;
  scanned: string | false;
}

async function probe(exec: Executor, argv: string[], env: Record<string, string> | undefined, signal: AbortSignal): Promise<ProbeOut> {
  const r = await exec.run([...argv, '-r', PROBE, '--', JSON.stringify(INI_KEYS)], { timeoutMs: 10_000, signal, ...(env ? { env } : {}) });
  if (r.exitCode !== 0) throw new Error(`${argv[0]} exited ${r.exitCode}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  // Startup warnings may precede the JSON on stdout.
  const start = r.stdout.indexOf('{"version"');
  return JSON.parse(start >= 0 ? r.stdout.slice(start) : r.stdout) as ProbeOut;
}

/** `-d KEY=VALUE` options as settings. */
function dOptions(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-d') {
      const [k, ...v] = (args[i + 1] ?? '').split('=');
      if (k) out[k] = v.join('=');
      i++;
    }
  }
  return out;
}

/** Debian's per-SAPI ini folder (`/etc/php/8.2/fpm`) when it holds a php.ini; null otherwise (one php.ini for every SAPI, as on RHEL). */
async function sapiIniDir(exec: Executor, version: string, sapi: 'fpm' | 'apache2', hint: string | null): Promise<string | null> {
  const [major, minor] = version.split('.');
  const candidates = [...(hint ? [hint] : []), `/etc/php/${major}.${minor}/${sapi}`];
  for (const dir of candidates) {
    const st = await exec.stat(posix.join(dir, 'php.ini')).catch(() => null);
    if (st?.type === 'file') return dir;
  }
  return null;
}

/** `8.2` of `8.2.36`. */
const minor = (v: string): string => v.split('.').slice(0, 2).join('.');

/** The exact version a PHP binary reports (`PHP 8.2.36 (fpm-fcgi)` -> `8.2.36`), or null. */
async function binaryVersion(exec: Executor, binary: string): Promise<string | null> {
  const r = await exec.run([binary, '-v'], { timeoutMs: 5_000 }).catch(() => null);
  return r?.exitCode === 0 ? (/^PHP (\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] ?? null) : null;
}

/** The version a php-fpm binary's name tells (`php-fpm8.2` -> `8.2`). */
function versionOfBinary(binary: string | null): string | null {
  return /php-fpm(\d+\.\d+)/.exec(binary ?? '')?.[1] ?? null;
}

/** The serving PHP, found and probed once per run. Throws only when no PHP at all can be run. */
export function servingPhp(ctx: PhpCheckContext): Promise<ServingPhp> {
  return ctx.facts.get(`php:serving:${ctx.app.root}`, async () => {
    const php = ctx.config.phpBinary;
    const notes: string[] = [];
    const builtin = await builtinServerOf(ctx);
    if (builtin) {
      const binary = builtin.binary.startsWith('/') ? builtin.binary : php;
      const out = await probe(ctx.exec, [binary, ...builtin.iniArgs], undefined, ctx.signal);
      return made('builtin', `php -S ${builtin.listen} (pid ${builtin.pid})`, out, dOptions(builtin.iniArgs), notes, { builtin });
    }
    const found = await webServerOf(ctx);
    const cli = await probe(ctx.exec, [php], undefined, ctx.signal);
    const runtime = found.servedBy.length > 0 ? found.php : null;
    if (runtime?.sapi === 'fpm-fcgi') {
      const master = await fpmMaster(ctx.exec, runtime.fpm).catch(() => null);
      // The FPM binary's own version (`php-fpm8.2 -v`), else its name's or Debian's folder's (`/etc/php/8.2/fpm`), else the CLI's.
      const exact = master?.binary ? await binaryVersion(ctx.exec, master.binary) : null;
      const version = exact ?? versionOfBinary(master?.binary ?? null) ?? /^\/etc\/php\/(\d+\.\d+)\//.exec(runtime.fpm.file)?.[1] ?? cli.version;
      // A CLI of FPM's own version reads FPM's ini folder with the same extensions (Debian: php8.1 beside php-fpm8.1).
      let runner = php;
      if (minor(version) !== minor(cli.version)) {
        const same = `php${minor(version)}`;
        if ((await ctx.facts.commandVersion(same, ['-v'])) !== null) runner = same;
        else notes.push(`PHP-FPM is PHP ${version}, the CLI ${cli.version} and no ${same} CLI is installed: its settings and extensions are read with the CLI`);
      }
      const dir = await sapiIniDir(ctx.exec, version, 'fpm', posix.dirname(runtime.fpm.file));
      const out = dir ? await probe(ctx.exec, [runner, '-c', posix.join(dir, 'php.ini')], { PHP_INI_SCAN_DIR: posix.join(dir, 'conf.d') }, ctx.signal) : cli;
      if (!dir) notes.push("PHP-FPM's own php.ini was not found: the CLI's settings stand for it");
      const seen = made('php-fpm', `PHP-FPM pool ${runtime.pool.name} (${runtime.pool.file})`, out, runtime.pool.phpValues, notes, { fpm: { pool: runtime.pool, fpm: runtime.fpm, master } });
      return exact ? { ...seen, version: exact } : seen;
    }
    if (runtime?.sapi === 'apache2handler') {
      const dir = await sapiIniDir(ctx.exec, cli.version, 'apache2', null);
      const out = dir ? await probe(ctx.exec, [php, '-c', posix.join(dir, 'php.ini')], { PHP_INI_SCAN_DIR: posix.join(dir, 'conf.d') }, ctx.signal) : cli;
      if (!dir) notes.push("Apache's own php.ini was not found: the CLI's settings stand for it");
      return made('apache', `Apache mod_php (${found.servedBy[0]!.file})`, out, runtime.phpValues, notes, {});
    }
    notes.push('no web server or php -S server was found serving the app: the PHP CLI is judged');
    return made('cli', `PHP CLI (${php})`, cli, {}, notes, {});
  });
}

function made(kind: ServingKind, description: string, out: ProbeOut, overrides: Record<string, string>, notes: string[], extra: Pick<ServingPhp, 'fpm' | 'builtin'>): ServingPhp {
  const ini = { ...out.ini };
  for (const [k, v] of Object.entries(overrides)) if (INI_KEYS.includes(k)) ini[k] = v;
  return {
    kind,
    description,
    version: out.version,
    extensions: out.extensions,
    ini,
    overrides,
    iniFile: out.iniFile || null,
    scanned: out.scanned ? out.scanned.split(',').map((s) => s.trim()).filter(Boolean) : [],
    notes,
    ...extra,
  };
}

/** The serving PHP, or the reason it could not be probed. */
export async function servingPhpOrError(ctx: PhpCheckContext): Promise<ServingPhp | { error: string }> {
  try {
    return await servingPhp(ctx);
  } catch (e) {
    return { error: errorMessage(e) };
  }
}
