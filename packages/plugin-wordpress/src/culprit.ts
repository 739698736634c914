/**
 * Which extension a PHP error comes from, by WordPress's own rule
 * (`WP_Recovery_Mode::get_extension_for_error()`): a file under the plugins
 * folder belongs to the plugin named by the first path segment, a file under
 * the themes folder to that theme; we add must-use plugins, drop-ins and core.
 */
import { posix } from 'node:path';
import type { PhpLogEntry } from '@healer/core';
import type { Culprit, WpMetadata } from './types.js';

/** Drop-ins: files WordPress loads straight from the content folder (`_get_dropins()`). */
export const DROP_INS: readonly string[] = [
  'advanced-cache.php',
  'db.php',
  'db-error.php',
  'install.php',
  'maintenance.php',
  'object-cache.php',
  'php-error.php',
  'fatal-error-handler.php',
  'sunrise.php',
  'blog-deleted.php',
  'blog-inactive.php',
  'blog-suspended.php',
];

type DirsOf = Pick<WpMetadata, 'contentDir' | 'pluginsDir' | 'muPluginsDir' | 'themesDir'>;

/**
 * Attribute one file to a plugin, must-use plugin, theme, drop-in or core.
 * Plugin and theme slugs are the folder name (or, for a single-file plugin,
 * the file name without `.php`). Paths that do not fall under the site's
 * folders are also recognized by their `wp-content/plugins/<slug>/` shape, so
 * a site reached through a symlinked root is still attributed.
 *
 * @example
 * attributeCulprit('/var/www/wp-content/plugins/shop/shop.php', meta) // { kind: 'plugin', slug: 'shop', file: ... }
 */
export function attributeCulprit(file: string | null, meta: DirsOf): Culprit {
  if (!file) return { kind: 'unknown', file: null };
  const path = normalize(file);
  // Most specific first: mu-plugins usually sits beside plugins, but may be configured inside it.
  const mu = relativeTo(meta.muPluginsDir, path);
  if (mu !== null) return { kind: 'mu-plugin', file };
  const plugin = relativeTo(meta.pluginsDir, path);
  if (plugin !== null) return { kind: 'plugin', slug: slugOf(plugin), file };
  const theme = relativeTo(meta.themesDir, path);
  if (theme !== null) return { kind: 'theme', slug: slugOf(theme), file };
  const content = relativeTo(meta.contentDir, path);
  if (content !== null) return DROP_INS.includes(content) ? { kind: 'drop-in', file } : { kind: 'unknown', file };

  const root = posix.dirname(meta.contentDir);
  const inRoot = relativeTo(root, path);
  if (inRoot !== null) return isCore(inRoot) ? { kind: 'core', file } : { kind: 'unknown', file };
  return byShape(path, file);
}

/**
 * The culprit of a PHP log: among fatal (and parse) errors, newest first, the
 * first that names a plugin, must-use plugin, theme or drop-in; an error
 * raised inside core (a core function called with bad input, an uncaught
 * exception thrown by core) is blamed on the first extension frame of its
 * stack. When nothing names an extension: the newest error's own culprit
 * (core or unknown).
 */
export function culpritFromLog(entries: readonly PhpLogEntry[], meta: DirsOf): Culprit {
  const fatal = entries.filter((e) => e.level === 'fatal' || e.level === 'parse');
  const pool = fatal.length > 0 ? fatal : entries;
  let newest: Culprit | null = null;
  for (let i = pool.length - 1; i >= 0; i--) {
    const c = culpritOfEntry(pool[i]!, meta);
    newest ??= c;
    if (isExtension(c)) return c;
  }
  return newest ?? { kind: 'unknown', file: null };
}

/** One entry's culprit: its own file, or when that is core (or unknown), the first extension frame of its stack. */
export function culpritOfEntry(entry: PhpLogEntry, meta: DirsOf): Culprit {
  const own = attributeCulprit(entry.file, meta);
  if (isExtension(own)) return own;
  for (const frame of entry.stack) {
    const c = attributeCulprit(frame.file, meta);
    if (isExtension(c)) return c;
  }
  return own;
}

/**
 * The entries of `active_plugins` that belong to a plugin slug: `slug/...php`
 * for a folder plugin, `slug.php` for a single-file one.
 */
export function pluginFilesForSlug(slug: string, plugins: readonly string[]): string[] {
  return plugins.filter((p) => p === `${slug}.php` || p.startsWith(`${slug}/`));
}

function isExtension(c: Culprit): boolean {
  return c.kind === 'plugin' || c.kind === 'mu-plugin' || c.kind === 'theme' || c.kind === 'drop-in';
}

/** WordPress's own files: wp-admin/, wp-includes/ and the PHP files at the root (but not wp-config.php). */
function isCore(rel: string): boolean {
  if (rel.startsWith('wp-admin/') || rel.startsWith('wp-includes/')) return true;
  if (rel.includes('/')) return false;
  return rel !== 'wp-config.php' && (rel === 'index.php' || rel === 'xmlrpc.php' || /^wp-[\w-]+\.php$/.test(rel));
}

/** Attribution from the path's shape alone, for paths outside the site's known folders. */
function byShape(path: string, file: string): Culprit {
  const m = /\/wp-content\/(mu-plugins|plugins|themes)\/([^/]+)(\/|$)/.exec(path);
  if (m) {
    if (m[1] === 'mu-plugins') return { kind: 'mu-plugin', file };
    if (m[1] === 'plugins') return { kind: 'plugin', slug: slugOf(m[2]!), file };
    return { kind: 'theme', slug: slugOf(m[2]!), file };
  }
  if (/\/wp-(includes|admin)\//.test(path)) return { kind: 'core', file };
  return { kind: 'unknown', file };
}

/** `shop/includes/a.php` -> `shop`; `hello.php` -> `hello`. */
function slugOf(rel: string): string {
  const first = rel.split('/')[0]!;
  return rel.includes('/') ? first : first.replace(/\.php$/i, '');
}

/** The path relative to `dir` when it is strictly inside it, else null. */
function relativeTo(dir: string, path: string): string | null {
  const d = normalize(dir);
  if (d === '' || d === '/') return null;
  return path.startsWith(`${d}/`) && path.length > d.length + 1 ? path.slice(d.length + 1) : null;
}

/** Forward slashes, no duplicate slashes, no `.`/`..` segments, no trailing slash (wp_normalize_path and a bit more). */
function normalize(path: string): string {
  const p = posix.normalize(path.replace(/\\/g, '/'));
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/**
 * A culprit as the fatal-errors check wrote it into its result's details
 * (`{ kind, slug, file }`, kept in the journal as JSON), or null when the
 * value is not one. Validated field by field: a plan acts on it.
 */
export function culpritFromDetails(value: unknown): Culprit | null {
  if (typeof value !== 'object' || value === null || !('kind' in value) || !('file' in value)) return null;
  const { kind, file } = value;
  const slug = 'slug' in value ? value.slug : null;
  if (kind === 'unknown' && (file === null || typeof file === 'string')) return { kind, file };
  if (typeof file !== 'string' || file === '') return null;
  if ((kind === 'plugin' || kind === 'theme') && typeof slug === 'string' && slug !== '') return { kind, slug, file };
  if (kind === 'mu-plugin' || kind === 'drop-in' || kind === 'core') return { kind, file };
  return null;
}
