/**
 * What detection learns about a WordPress site, kept in `app.metadata`.
 */

/** Database settings read from `wp-config.php` (the password is never kept here: see `readDbPassword`). */
export interface WpDatabase {
  name: string;
  user: string;
  /** `DB_HOST` as written: `localhost`, `127.0.0.1:3307`, `localhost:/run/mysqld/mysqld.sock`. */
  host: string;
  charset: string;
}

export interface WpMetadata {
  /** Absolute path of the `wp-config.php` in use (the app root, or the folder above it). */
  configPath: string;
  tablePrefix: string;
  multisite: boolean;
  db: WpDatabase;
  /** `WP_CONTENT_DIR` (absolute). */
  contentDir: string;
  pluginsDir: string;
  muPluginsDir: string;
  themesDir: string;
  uploadsDir: string;
  /** Where `debug.log` goes when `WP_DEBUG_LOG` is on (absolute), else null. */
  debugLog: string | null;
  /** Constants defined in wp-config.php, as parsed (strings, numbers, booleans). Secrets excluded. */
  constants: Record<string, string | number | boolean | null>;
  /** `wp` is on the target's PATH. */
  wpCli: boolean;
  /** `$required_php_version` from wp-includes/version.php (the minimum PHP this WordPress runs on), when found. */
  requiredPhpVersion?: string | null;
  /** `$required_mysql_version` from wp-includes/version.php, when found. */
  requiredMysqlVersion?: string | null;
}

/** A plugin as WordPress lists it. */
export interface WpPluginInfo {
  /** `folder/main.php` or `single-file.php`, as in `active_plugins`. */
  file: string;
  /** The folder name, or the file name without `.php`. */
  slug: string;
  active: boolean;
  /** Headers of the main file. */
  name: string;
  version: string | null;
  requiresPhp: string | null;
}

/** Where a fatal error comes from, by WordPress's own rule (the path under wp-content). */
export type Culprit =
  | { kind: 'plugin'; slug: string; file: string }
  | { kind: 'mu-plugin'; file: string }
  | { kind: 'theme'; slug: string; file: string }
  | { kind: 'drop-in'; file: string }
  | { kind: 'core'; file: string }
  | { kind: 'unknown'; file: string | null };

/**
 * WordPress operations, behind one interface with three implementations:
 * WP-CLI (when the server has it, always with `--skip-plugins --skip-themes`
 * where loading them could crash), a PHP helper that loads WordPress with
 * SHORTINIT (database only, no plugins or themes), and direct SQL with the
 * `wp-config.php` credentials plus the filesystem.
 */
export interface WpOps {
  readonly kind: 'wp-cli' | 'php' | 'db';
  /** An option's value (unserialized), or null when absent. */
  getOption(name: string): Promise<unknown>;
  /** Set an option (serialized like WordPress does). */
  updateOption(name: string, value: unknown): Promise<void>;
  /** Remove an option (absent is fine). */
  deleteOption(name: string): Promise<void>;
  /** A network option (`wp_sitemeta` of the main network) on multisite; on a single site the option itself, like `get_site_option()`. */
  getNetworkOption(name: string): Promise<unknown>;
  /** Set a network option (added when absent); on a single site the option itself. */
  updateNetworkOption(name: string, value: unknown): Promise<void>;
  /** `active_plugins` (and network-active ones on multisite). */
  activePlugins(): Promise<string[]>;
  /** Deactivate by plugin file (`folder/main.php`); returns what was active before. */
  deactivatePlugins(files: string[]): Promise<string[]>;
  /** The active theme: `template` (parent) and `stylesheet` (child or same). */
  theme(): Promise<{ template: string; stylesheet: string }>;
  switchTheme(template: string, stylesheet: string): Promise<void>;
  /** Tables that `CHECK TABLE` reports as not OK. */
  /** CHECK TABLE on the site's tables (only those named in `only`, when given): the ones that are not OK. */
  tablesNeedingRepair(only?: readonly string[]): Promise<Array<{ table: string; message: string }>>;
  repairTables(tables: string[]): Promise<Array<{ table: string; ok: boolean; message: string }>>;
  /** Total bytes of autoloaded options, and the largest ones. */
  autoloadSize(): Promise<{ bytes: number; largest: Array<{ name: string; bytes: number }> }>;
  /** Cron events (`cron` option), flattened. */
  cronEvents(): Promise<Array<{ hook: string; timestamp: number; args: string }>>;
  /** Connect to the database: null when fine, else the client's errno and message. */
  connectError(): Promise<{ errno: number; message: string } | null>;
}
