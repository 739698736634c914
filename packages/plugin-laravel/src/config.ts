/**
 * The Laravel plugin's configuration (validated by core before use): the
 * PHP runtime fields (shared with `@healer/plugin-php`, whose checks and
 * actions this plugin reuses: `phpBinary` runs `artisan` too) plus
 * Laravel's own.
 */
import { phpRuntimeConfigShape } from '@healer/plugin-php';
import { z } from 'zod';

export const laravelConfigSchema = z.object({
  ...phpRuntimeConfigShape,
  /** How long one `artisan` command may take. Default 2 minutes. */
  artisanTimeoutMs: z.int().positive().default(120_000),
  /** How long `migrate --force` may take. Default 15 minutes. */
  migrateTimeoutMs: z.int().positive().default(900_000),
  /** Maintenance mode on for longer than this is left on by mistake (fail); shorter is a warning. Default 30 minutes. */
  maintenanceMaxMinutes: z.number().positive().default(30),
  /** `laravel.log` errors newer than this many hours are reported when the run gives no `since`. Default 24. */
  logHours: z.number().positive().default(24),
  /** This many failed jobs or more fail `laravel/failed-jobs` (fewer warn). Default 10. */
  failedJobsFailAt: z.int().positive().default(10),
  /**
   * Whether queue workers must run: `auto` (when the default queue connection is not `sync` or `null`),
   * `always`, or `never` (the app queues nothing). Default `auto`.
   */
  queueWorkers: z.enum(['auto', 'always', 'never']).default('auto'),
});

export type LaravelConfig = z.output<typeof laravelConfigSchema>;
export type LaravelConfigInput = z.input<typeof laravelConfigSchema>;
