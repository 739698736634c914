/** The metadata the Laravel detection records, stored in `app.metadata`. */

/** Where {@link LaravelMeta.version} was read. */
export type VersionSource = 'vendor' | 'artisan' | 'composer.json';

export interface LaravelMeta {
  /** The framework's version: the installed one (`vendor/laravel/framework`, else `php artisan --version`), else the range composer.json asks for. */
  version: string | null;
  versionSource: VersionSource | null;
  /** True when `.env` exists at detection. */
  hasEnv: boolean;
  /** The document root the web server should serve: `<root>/public`. */
  publicDir: string;
}
