/**
 * The PHP plugin's configuration (validated by core before use). The shape
 * is exported so a plugin for a PHP framework (Laravel) can extend it and
 * reuse the checks and actions that read it.
 */
import { z } from 'zod';

const argv = z.array(z.string().min(1)).min(1);
const absolute = z.string().regex(/^\//, 'must be an absolute path');

/** The fields the reusable PHP checks and actions read. */
export const phpRuntimeConfigShape = {
  /** The app runs in production: `display_errors` must be off, `expose_php` should be. Default true. */
  production: z.boolean().default(true),
  /** The PHP CLI on the target (probes the serving PHP's settings, runs Composer). Default `php`. */
  phpBinary: z.string().min(1).default('php'),
  /** Composer on the target. Default `composer`. */
  composerBinary: z.string().min(1).default('composer'),
  /** Extra environment for Composer (`COMPOSER_HOME`, `COMPOSER_CACHE_DIR`, `COMPOSER_AUTH`...; values never logged). */
  composerEnv: z.record(z.string(), z.string()).default({}),
  /** Let `composer install` run the app's scripts (`post-install-cmd`...). Default true. */
  composerScripts: z.boolean().default(true),
  /**
   * Run Composer as this user (through `runuser`, with that user's HOME) when Healer runs as root. Default:
   * Composer runs as Healer's user, and when that is root the new vendor/ is then given to the owner of the
   * app folder.
   */
  composerUser: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a user name').optional(),
  /** How long a `composer install` may take. Default 10 minutes. */
  installTimeoutMs: z.int().positive().default(600_000),
  /** The command that restarts PHP-FPM (e.g. `['systemctl', 'restart', 'php8.2-fpm']`); default: a graceful reload of the master (`kill -USR2`). */
  fpmRestart: argv.optional(),
  /** How long PHP-FPM and the app may take to answer again after a restart. Default 20 s. */
  startTimeoutMs: z.int().positive().default(20_000),
  /** A PHP error log to read besides the ones found (absolute). */
  phpErrorLog: absolute.optional(),
};

export const phpConfigSchema = z.object(phpRuntimeConfigShape);

/** The configuration the reusable checks and actions need; any plugin config with these fields works. */
export type PhpRuntimeConfig = z.output<typeof phpConfigSchema>;
export type PhpConfig = PhpRuntimeConfig;
export type PhpConfigInput = z.input<typeof phpConfigSchema>;

/** Composer's environment: the configured one, plus what a non-interactive run as any user needs. */
export function composerEnvOf(config: Pick<PhpRuntimeConfig, 'composerEnv'>): Record<string, string> {
  return { COMPOSER_NO_INTERACTION: '1', COMPOSER_ALLOW_SUPERUSER: '1', ...config.composerEnv };
}

/** Values of the Composer environment that must never be logged (tokens, auth). */
export function composerSecrets(config: Pick<PhpRuntimeConfig, 'composerEnv'>): string[] {
  return Object.entries(config.composerEnv)
    .filter(([k]) => /AUTH|TOKEN|PASS|SECRET/i.test(k))
    .map(([, v]) => v);
}
