/** The metadata the Laravel detection records beside the PHP fields. */
import type { PhpAppMeta } from '@healer/plugin-php';

/** Where {@link LaravelMeta.version} was read. */
export type VersionSource = 'vendor' | 'artisan' | 'composer.json';

/** `readPhpApp()`'s fields (composer, vendor dir, docroot...) plus Laravel's; stored in `app.metadata`. */
export interface LaravelMeta extends PhpAppMeta {
  /** The framework's version: the installed one (`vendor/laravel/framework`, else `php artisan --version`), else the range composer.json asks for. */
  version: string | null;
  versionSource: VersionSource | null;
  /** True when `.env` exists at detection. */
  hasEnv: boolean;
}
