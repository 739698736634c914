/** Detection: wp-config.php (in the folder or one above) and wp-includes/version.php. */
import { posix } from 'node:path';
import { HealerError, type AppInfo, type CheckContext, type DetectContext, type Detection } from '@healer/core';
import type { WordpressConfig } from './config.js';
import type { WpMetadata } from './types.js';
import { parseWpConfig, type WpConfig, type WpConfigValue } from './wp-config.js';

/** Files detection reads besides the signatures (batched by discovery). Nothing else: the folder above is read only when needed. */
export const DETECT_FILES: string[] = [];

/** Constants never copied into metadata: the database password and the keys and salts. */
export const SECRET_CONSTANTS: readonly string[] = [
  'DB_PASSWORD',
  'AUTH_KEY',
  'SECURE_AUTH_KEY',
  'LOGGED_IN_KEY',
  'NONCE_KEY',
  'AUTH_SALT',
  'SECURE_AUTH_SALT',
  'LOGGED_IN_SALT',
  'NONCE_SALT',
];

/** `wp-config.php` is at most this big in practice; a bigger one is read up to here. */
const MAX_CONFIG_BYTES = 512 * 1024;

/** Confidence when both wp-config.php and wp-includes/version.php are found. */
const BOTH = 0.95;
/** Core files without a configuration (not installed yet, or the config lives elsewhere). */
const CORE_ONLY = 0.6;
/** A wp-config.php without WordPress core beside it (e.g. the folder above a site). */
const CONFIG_ONLY = 0.5;

/**
 * Recognize a WordPress site in `ctx.path`: `wp-includes/version.php` gives
 * the version, `wp-config.php` (here, or one folder up when that one is not
 * part of another install, as WordPress allows) gives the database, the
 * table prefix and the paths. The configuration is parsed, never executed.
 */
export async function detectWordpress(ctx: DetectContext<WordpressConfig>): Promise<Detection<WpMetadata> | null> {
  const root = ctx.path;
  const versionText = await ctx.fs.readText(childOf(root, 'wp-includes/version.php'), { maxBytes: 64 * 1024 });
  const found = await findConfig(ctx, root, versionText !== null);
  if (versionText === null && found === null) return null;

  const evidence: string[] = [];
  const version = versionText !== null ? phpStringVar(versionText, 'wp_version') : null;
  if (versionText !== null) evidence.push(`wp-includes/version.php found${version ? `: WordPress ${version}` : ''}`);

  const config = found ? parseWpConfig(found.text, { dir: posix.dirname(found.path), predefined: { ABSPATH: `${root === '/' ? '' : root}/` } }) : null;
  if (found) {
    evidence.push(found.above ? `wp-config.php found one folder above the site (${found.path}), as WordPress allows` : 'wp-config.php found');
    registerSecrets(ctx, config!);
  } else {
    evidence.push('no wp-config.php here or in the folder above: WordPress is not configured');
  }

  const metadata = buildMetadata(root, found?.path ?? childOf(root, 'wp-config.php'), config, versionText);
  metadata.wpCli = await hasWpCli(ctx);
  if (config) {
    evidence.push(`table prefix ${metadata.tablePrefix}${config.tablePrefix === null ? ' (assumed: $table_prefix is not a plain string)' : ''}`);
    if (metadata.multisite) evidence.push('multisite (MULTISITE is on)');
  }
  if (metadata.wpCli) evidence.push('WP-CLI (wp) is on the PATH');

  let confidence = versionText !== null && found ? BOTH : versionText !== null ? CORE_ONLY : CONFIG_ONLY;
  // A wp-config.php alone that does not even look like WordPress's.
  if (versionText === null && config && !('DB_NAME' in config.constants) && config.tablePrefix === null) confidence = 0.3;

  return { stack: 'wordpress', version, confidence, evidence, metadata: { ...metadata }, root };
}

/** The WordPress metadata detection stored in `app.metadata`, typed. */
export function wpMeta(app: Pick<AppInfo<WpMetadata>, 'metadata'>): WpMetadata {
  return app.metadata;
}

/**
 * Read `DB_PASSWORD` from wp-config.php again (it is never kept in metadata),
 * register it as a secret and return it. Throws `FILE_NOT_FOUND` when the
 * file is gone and `CONFIG_INVALID` when the password is not a plain literal
 * (e.g. `getenv()`), which only running PHP could tell.
 */
export async function readDbPassword(ctx: Pick<CheckContext<unknown, WpMetadata>, 'app' | 'fs' | 'secrets'>): Promise<string> {
  const meta = wpMeta(ctx.app);
  const text = await ctx.fs.readText(meta.configPath, { maxBytes: MAX_CONFIG_BYTES });
  if (text === null) throw new HealerError('FILE_NOT_FOUND', `Cannot read the database password: ${meta.configPath} does not exist.`);
  const config = parseWpConfig(text, { dir: posix.dirname(meta.configPath), predefined: { ABSPATH: `${ctx.app.root}/` } });
  registerSecrets(ctx, config);
  const password = config.constants['DB_PASSWORD'];
  if (typeof password === 'string') return password;
  if (typeof password === 'number') return String(password);
  throw new HealerError(
    'CONFIG_INVALID',
    !('DB_PASSWORD' in config.constants)
      ? `${meta.configPath} does not define DB_PASSWORD.`
      : `DB_PASSWORD in ${meta.configPath} is not a plain value (an expression, an environment variable...): only PHP can compute it.`,
  );
}

/**
 * The metadata for a site at `root` whose configuration (parsed, or null when
 * there is none) is at `configPath`. `wpCli` is false here: detection asks the target.
 * @internal
 */
export function buildMetadata(root: string, configPath: string, config: WpConfig | null, versionText: string | null): WpMetadata {
  const c = config?.constants ?? {};
  const abs = (value: WpConfigValue | undefined, fallback: string): string =>
    typeof value === 'string' && value !== '' ? normalizeDir(value.startsWith('/') ? value : posix.join(root, value)) : fallback;
  const contentDir = abs(c['WP_CONTENT_DIR'], childOf(root, 'wp-content'));
  const uploads = c['UPLOADS'];
  const constants: WpMetadata['constants'] = {};
  for (const [name, value] of Object.entries(c)) if (!SECRET_CONSTANTS.includes(name)) constants[name] = value;
  const meta: WpMetadata = {
    configPath,
    tablePrefix: config?.tablePrefix ?? 'wp_',
    multisite: isMultisite(c),
    db: {
      name: text(c['DB_NAME']),
      user: text(c['DB_USER']),
      host: 'DB_HOST' in c ? text(c['DB_HOST']) : 'localhost',
      charset: text(c['DB_CHARSET']),
    },
    contentDir,
    pluginsDir: abs(c['WP_PLUGIN_DIR'], `${contentDir}/plugins`),
    muPluginsDir: abs(c['WPMU_PLUGIN_DIR'], `${contentDir}/mu-plugins`),
    themesDir: `${contentDir}/themes`,
    // UPLOADS is relative to ABSPATH, as wp_upload_dir() reads it.
    uploadsDir: typeof uploads === 'string' && uploads !== '' ? normalizeDir(posix.join(root, uploads)) : `${contentDir}/uploads`,
    debugLog: debugLogPath(c, contentDir, root),
    constants,
    wpCli: false,
  };
  if (versionText !== null) {
    meta.requiredPhpVersion = phpStringVar(versionText, 'required_php_version');
    meta.requiredMysqlVersion = phpStringVar(versionText, 'required_mysql_version');
  }
  return meta;
}

interface FoundConfig {
  path: string;
  text: string;
  above: boolean;
}

async function findConfig(ctx: DetectContext<WordpressConfig>, root: string, hasCore: boolean): Promise<FoundConfig | null> {
  const here = childOf(root, 'wp-config.php');
  const text = await ctx.fs.readText(here, { maxBytes: MAX_CONFIG_BYTES });
  if (text !== null) return { path: here, text, above: false };
  // The folder above counts only for a core folder, and only when it is not itself an install (wp-load.php's rule).
  if (!hasCore || root === '/') return null;
  const parent = posix.dirname(root);
  const above = childOf(parent, 'wp-config.php');
  const aboveText = await ctx.fs.readText(above, { maxBytes: MAX_CONFIG_BYTES });
  if (aboveText === null || (await ctx.fs.exists(childOf(parent, 'wp-settings.php')))) return null;
  return { path: above, text: aboveText, above: true };
}

/** `command -v wp`, once per host and run (discovery of many sites asks once). */
async function hasWpCli(ctx: DetectContext<WordpressConfig>): Promise<boolean> {
  if (ctx.config?.wpCli === 'never') return false;
  return ctx.facts.get('wordpress:wp-cli', async () => {
    const r = await ctx.exec.run({ script: 'command -v wp' }, { timeoutMs: 5_000, signal: ctx.signal });
    return r.exitCode === 0 && r.stdout.trim() !== '';
  });
}

function registerSecrets(ctx: Pick<CheckContext, 'secrets'>, config: WpConfig): void {
  for (const name of SECRET_CONSTANTS) {
    const value = config.constants[name];
    if (typeof value === 'string' || typeof value === 'number') ctx.secrets.add(String(value));
  }
}

/** `$name = '...';` in version.php (read by pattern, never run). */
function phpStringVar(text: string, name: string): string | null {
  return new RegExp(`^\\s*\\$${name}\\s*=\\s*(['"])([^'"\\\\]*)\\1\\s*;`, 'm').exec(text)?.[2] ?? null;
}

/** is_multisite(): MULTISITE when defined, else any of SUBDOMAIN_INSTALL, VHOST, SUNRISE defined. */
function isMultisite(c: Record<string, WpConfigValue>): boolean {
  if ('MULTISITE' in c) return phpTruthy(c['MULTISITE']);
  return 'SUBDOMAIN_INSTALL' in c || 'VHOST' in c || 'SUNRISE' in c;
}

/**
 * wp_debug_mode(): only with WP_DEBUG on (or not knowable), WP_DEBUG_LOG true,
 * `'true'` or 1 -> `<content>/debug.log`; another non-empty string -> that path.
 */
function debugLogPath(c: Record<string, WpConfigValue>, contentDir: string, root: string): string | null {
  const debug = c['WP_DEBUG'];
  if (!('WP_DEBUG' in c) || (debug !== null && !phpTruthy(debug))) return null;
  const log = c['WP_DEBUG_LOG'];
  if (log === true || log === 1 || (typeof log === 'string' && ['true', '1'].includes(log.toLowerCase()))) return `${contentDir}/debug.log`;
  if (typeof log === 'string' && log !== '') return normalizeDir(log.startsWith('/') ? log : posix.join(root, log));
  return null;
}

function phpTruthy(value: WpConfigValue | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value !== '' && value !== '0';
  return Boolean(value);
}

function text(value: WpConfigValue | undefined): string {
  return value === undefined || value === null || typeof value === 'boolean' ? '' : String(value);
}

function normalizeDir(path: string): string {
  const n = posix.normalize(path);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

function childOf(dir: string, rel: string): string {
  return dir === '/' ? `/${rel}` : `${dir}/${rel}`;
}
