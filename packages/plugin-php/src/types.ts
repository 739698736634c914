/** The metadata the PHP detection records, read by every reusable check. */

/** What `readPhpApp()` finds in a PHP app's folder; stored in `app.metadata`. */
export interface PhpAppMeta {
  /** `name` in composer.json, null without one. */
  name: string | null;
  /** A `composer.json` is in the root. */
  composerJson: boolean;
  /** A `composer.lock` is in the root. */
  composerLock: boolean;
  /** `require.php` of composer.json (`^8.1`, `>=7.4 <9`...). */
  requirePhp: string | null;
  /** `ext-*` names in `require` (without the prefix, lowercase): `mbstring`, `pdo_mysql`... */
  extensions: string[];
  /** Composer's `config.vendor-dir`, relative to the root. Default `vendor`. */
  vendorDir: string;
  /** The folder a web server should serve: the root, or its `public/` when the entry point is there. */
  docroot: string;
  /** The front controller found: `index.php` or `public/index.php`; null without one. */
  entry: string | null;
  /** A framework this folder looks like (its own plugin claims it first). */
  framework: 'laravel' | 'wordpress' | null;
}
