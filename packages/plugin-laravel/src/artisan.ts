/** `php artisan ...` on the target: the argv, and a run that reads its output. */
import { HealerError, type CheckContext, type Step } from '@healer/core';
import type { LaravelConfig } from './config.js';
import type { LaravelMeta } from './types.js';

type Ctx = Pick<CheckContext<LaravelConfig, LaravelMeta>, 'exec' | 'app' | 'config' | 'signal'>;

/** `php artisan <args> --no-interaction --no-ansi` as an argv. */
export function artisanArgv(config: Pick<LaravelConfig, 'phpBinary'>, args: readonly string[]): string[] {
  return [config.phpBinary, 'artisan', ...args, '--no-interaction', '--no-ansi'];
}

/** A plan step that runs `php artisan <args>` in the app root (after `prefix`: `runuser -u <php user> --` for a command that writes where PHP writes). */
export function artisanStep(ctx: Pick<Ctx, 'app' | 'config'>, args: readonly string[], description: string, timeoutMs?: number, prefix: readonly string[] = []): Step {
  return { kind: 'run', command: [...prefix, ...artisanArgv(ctx.config, args)], cwd: ctx.app.root, write: true, timeoutMs: timeoutMs ?? ctx.config.artisanTimeoutMs, description };
}

/**
 * The environment of Healer's own readings of the app: what Laravel would log
 * goes to stderr, not into `storage/logs` (a log file Healer created as root
 * would be one PHP cannot append to). Real environment variables win over
 * `.env` in Laravel; a cached configuration ignores both.
 */
export const READ_ENV: Readonly<Record<string, string>> = { LOG_CHANNEL: 'stderr' };

/** Run a read-only artisan command and return its stdout; throws `COMMAND_FAILED` with its output when it fails. */
export async function artisanOutput(ctx: Ctx, args: readonly string[]): Promise<string> {
  const r = await ctx.exec.run(artisanArgv(ctx.config, args), { cwd: ctx.app.root, env: { ...READ_ENV }, timeoutMs: ctx.config.artisanTimeoutMs, signal: ctx.signal });
  if (r.exitCode !== 0) {
    const why = (r.stderr.trim() || r.stdout.trim()).replace(/\s+/g, ' ').slice(0, 600);
    throw new HealerError('COMMAND_FAILED', `php artisan ${args.join(' ')} failed (exit ${r.exitCode}): ${why}`);
  }
  return r.stdout;
}

/** One migration as `migrate:status` lists it. */
export interface MigrationStatus {
  name: string;
  ran: boolean;
  batch: number | null;
}

/**
 * `migrate:status` output: Laravel 8's table (`| Yes  | 2019_08_19_000000_create_failed_jobs_table | 1 |`)
 * or Laravel 9+'s lines (`2019_08_19_000000_create_failed_jobs_table .... [1] Ran` / `... Pending`).
 */
export function parseMigrateStatus(text: string): MigrationStatus[] {
  const out: MigrationStatus[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const table = /^\|\s*(Yes|No|Y|N)\s*\|\s*(\S+)\s*\|\s*(\d*)\s*\|$/.exec(line);
    if (table) {
      out.push({ name: table[2]!, ran: table[1]!.startsWith('Y'), batch: table[3] ? Number(table[3]) : null });
      continue;
    }
    const listed = /^(\d{4}_\d{2}_\d{2}_\d{6}_\S+)\s+\.*\s*(?:\[(\d+)\]\s+)?(Ran|Pending)$/.exec(line);
    if (listed) out.push({ name: listed[1]!, ran: listed[3] === 'Ran', batch: listed[2] ? Number(listed[2]) : null });
  }
  return out;
}
