/**
 * The serving PHP against what the app asks: `php/php-version` (composer's
 * `require.php`), `php/extensions` (`ext-*`), `php/ini-production`
 * (`display_errors`, `expose_php`) and `php/opcache`.
 */
import type { CheckResult } from '@healer/core';
import { requiredExtensions } from '../composer.js';
import { satisfiesComposer } from '../constraint.js';
import { phpMeta } from '../detect.js';
import { composerFiles } from './composer.js';
import { servingPhpOrError, type ServingPhp } from '../serving-php.js';
import { CHECK, iniOn, type PhpCheck, type PhpCheckContext } from '../shared.js';

/** The serving PHP, or an `error` result saying why it could not be read. */
async function serving(ctx: PhpCheckContext): Promise<ServingPhp | CheckResult> {
  const s = await servingPhpOrError(ctx);
  if ('error' in s) return { status: 'error', message: `The PHP serving the app could not be run: ${s.error}` };
  return s;
}

const isResult = (x: ServingPhp | CheckResult): x is CheckResult => 'status' in x;

/** Settings of the PHP CLI say nothing of the PHP that serves the app: a skip that says how to tell Healer. */
function unknownServer(s: ServingPhp): CheckResult {
  return {
    status: 'skip',
    message: `No web server, PHP-FPM pool or php -S server was found serving the app, so the PHP that serves it cannot be judged (the CLI's settings often differ). Set the app setting webServerRoots when the server's configuration is not under /etc.`,
    details: { servedBy: s.description, notes: s.notes },
  };
}

export const phpVersionCheck: PhpCheck = {
  id: CHECK.phpVersion,
  title: "PHP version meets composer.json's require.php",
  category: 'dependencies',
  severity: 'critical',
  description: "The version of the PHP that serves the app (PHP-FPM, mod_php, php -S) against composer.json's `require.php`, read with Composer's constraint rules.",
  timeoutMs: 20_000,
  async run(ctx) {
    const meta = phpMeta(ctx.app);
    if (!meta.requirePhp) return { status: 'skip', message: 'composer.json does not require a PHP version.' };
    const s = await serving(ctx);
    if (isResult(s)) return s;
    const ok = satisfiesComposer(s.version ?? '', meta.requirePhp);
    const details = { version: s.version, required: meta.requirePhp, servedBy: s.description };
    if (ok === null) return { status: 'warn', message: `composer.json requires PHP "${meta.requirePhp}", which Healer cannot read; the serving PHP is ${s.version} (${s.description}).`, details };
    if (ok) return { status: 'pass', message: `PHP ${s.version} (${s.description}) meets "${meta.requirePhp}".`, details };
    return {
      status: 'fail',
      message: `PHP ${s.version} (${s.description}) does not meet composer.json's require.php "${meta.requirePhp}": install a PHP that does and point the web server at it, or deploy a release of the app made for PHP ${s.version}.`,
      details,
    };
  },
};

/** Composer's name of a loaded extension (`Zend OPcache` -> `zend-opcache`). */
const composerName = (ext: string): string => ext.toLowerCase().replace(/\s+/g, '-');

export const extensionsCheck: PhpCheck = {
  id: CHECK.extensions,
  title: 'Required PHP extensions are loaded',
  category: 'dependencies',
  severity: 'critical',
  description: "Every `ext-*` that composer.json or a locked package requires is loaded in the PHP that serves the app (its own conf.d, not the CLI's).",
  timeoutMs: 20_000,
  async run(ctx) {
    const { json, lock } = await composerFiles(ctx);
    const required = requiredExtensions(json, lock);
    if (required.length === 0) return { status: 'skip', message: 'Neither composer.json nor a locked package requires a PHP extension.' };
    const s = await serving(ctx);
    if (isResult(s)) return s;
    const loaded = new Set(s.extensions.map(composerName));
    // Composer knows opcache as zend-opcache; some write ext-opcache.
    if (loaded.has('zend-opcache')) loaded.add('opcache');
    const missing = required.filter((r) => !loaded.has(r.name) && !loaded.has(r.name.replace(/-/g, '_')));
    const details = { required: required.map((r) => r.name), missing: missing.map((r) => ({ extension: r.name, requiredBy: r.from })), servedBy: s.description };
    if (missing.length === 0) return { status: 'pass', message: `All ${required.length} required extensions are loaded in ${s.description}.`, details };
    return {
      status: 'fail',
      message: `${missing.map((m) => `ext-${m.name} (required by ${m.from})`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not loaded in ${s.description}: install the extension for that PHP (Debian: php${(s.version ?? '').split('.').slice(0, 2).join('.')}-<name>) and restart it.`,
      details,
      evidence: missing.map((m) => `ext-${m.name}: required by ${m.from}, not in the loaded extensions`),
    };
  },
};

export const iniProductionCheck: PhpCheck = {
  id: CHECK.iniProduction,
  title: 'php.ini is safe for production',
  category: 'security',
  severity: 'high',
  description: "In production, the serving PHP must not show errors to visitors (`display_errors` on leaks paths, queries and secrets) and should not announce itself (`expose_php` adds an X-Powered-By header). Read as that PHP sees it: its php.ini, then the pool's, virtual host's or command line's own settings.",
  timeoutMs: 20_000,
  async run(ctx) {
    if (!ctx.config.production) return { status: 'skip', message: 'The app is not configured as production (production: false).' };
    const s = await serving(ctx);
    if (isResult(s)) return s;
    if (s.kind === 'cli') return unknownServer(s);
    const display = s.ini['display_errors'] ?? null;
    const expose = s.ini['expose_php'] ?? null;
    // display_errors=stderr sends errors to the server's log or terminal, not to the page.
    const displayOn = iniOn(display);
    const where = (key: string): string => (key in s.overrides ? `set by ${s.kind === 'php-fpm' ? 'the pool' : s.kind === 'apache' ? 'the virtual host' : 'the command line'}` : `from ${s.iniFile ?? 'PHP defaults'}`);
    const details = { display_errors: display, expose_php: expose, servedBy: s.description, iniFile: s.iniFile, overrides: s.overrides, notes: s.notes };
    const problems: string[] = [];
    if (displayOn) problems.push(`display_errors is "${display}" (${where('display_errors')}): visitors see PHP's errors, with paths and sometimes secrets`);
    if (iniOn(expose)) problems.push(`expose_php is on (${where('expose_php')}): every answer says which PHP runs`);
    if (problems.length === 0) return { status: 'pass', message: `${s.description}: display_errors off, expose_php off.`, details };
    return {
      status: displayOn ? 'fail' : 'warn',
      message: `${s.description}: ${problems.join('; ')}. Set them Off where they are set, then restart PHP.`,
      details,
    };
  },
};

export const opcacheCheck: PhpCheck = {
  id: CHECK.opcache,
  title: 'OPcache is enabled',
  category: 'performance',
  severity: 'medium',
  description: 'OPcache is loaded and enabled in the serving PHP (for php -S, `opcache.enable_cli` too): without it every request compiles every file again. Skipped when nothing serving the app was found.',
  timeoutMs: 20_000,
  async run(ctx) {
    const s = await serving(ctx);
    if (isResult(s)) return s;
    if (s.kind === 'cli') return unknownServer(s);
    const loaded = s.extensions.includes('zend opcache');
    const enabled = iniOn(s.ini['opcache.enable']) && (s.kind === 'builtin' ? iniOn(s.ini['opcache.enable_cli']) : true);
    const details = { loaded, enable: s.ini['opcache.enable'], enableCli: s.ini['opcache.enable_cli'], servedBy: s.description };
    if (loaded && enabled) return { status: 'pass', message: `OPcache is enabled in ${s.description}.`, details };
    const why = !loaded ? 'the OPcache extension is not loaded' : s.kind === 'builtin' ? 'opcache.enable or opcache.enable_cli is off' : 'opcache.enable is off';
    return { status: 'warn', message: `${s.description}: ${why}; every request compiles the app's PHP again. Enable OPcache in that PHP's ini and restart it.`, details };
  },
};
