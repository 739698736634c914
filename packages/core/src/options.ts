/**
 * The healer's options that are plain data, as one zod schema: the source of
 * `CreateHealerOptions` (which adds what cannot be written in a file: plugins,
 * state store, executor, logger, clock) and of the CLI's configuration file
 * (which spreads this shape and adds its own keys on top).
 */
import { z } from 'zod';
import type { ModeInput } from './contract/plugin.js';
import { HealerError } from './errors.js';
import { normalizeMode } from './engine/modes.js';

const isModeSpelling = (value: unknown): value is ModeInput => {
  if (typeof value !== 'string') return false;
  try {
    normalizeMode(value);
    return true;
  } catch {
    return false;
  }
};

/** A mode as callers write it: `manual|supervised|auto`, any case, or the older `SEMI_AUTO` / `FULL_AUTO`. */
export const ModeInputSchema = z.custom<ModeInput>(isModeSpelling, {
  message: 'must be manual, supervised or auto (SEMI_AUTO and FULL_AUTO are accepted)',
});

/** Limits of the circuit breaker (`BreakerPolicy` without its clock). */
export const BreakerOptionsSchema = z.object({
  /** Heal attempts allowed inside one window. Default 3. */
  maxAttempts: z.int().min(1).optional(),
  /** The sliding window for `maxAttempts`, in ms. Default 24 h. */
  windowMs: z.number().positive().optional(),
  /** How long a circuit stays open after a failure before one trial is allowed, in ms; 0 means none. Default 30 min. */
  cooldownMs: z.number().min(0).optional(),
  /** Consecutive failures of an app that lower its mode one step (auto -> supervised -> manual). Default 2. */
  demoteAfter: z.int().min(1).optional(),
});

/** Settings of one app; keys other than these are free-form settings plugins and shared checks may read. */
export const AppOptionsSchema = z.looseObject({
  /** The URL checked for availability (http or https). */
  url: z.url({ protocol: /^https?$/ }).optional(),
  /** A port the app must listen on. */
  port: z.int().min(1).max(65_535).optional(),
  /** This app's healing mode, instead of the default. */
  mode: ModeInputSchema.optional(),
  /** The plugin that handles this app, instead of detection. */
  plugin: z.string().min(1).optional(),
  /** Text that must appear in a healthy page. */
  bodyMarkers: z.array(z.string()).optional(),
  /** Text that must not appear (e.g. a fatal-error page). */
  errorMarkers: z.array(z.string()).optional(),
});

/** One app's settings as callers write them (an entry of `apps`, or what `settingsFor` gives). */
export type AppOptions = z.input<typeof AppOptionsSchema>;

/** Check one app's settings from `settingsFor`; `CONFIG_INVALID` naming every problem. */
export function checkAppOptions(value: unknown, where: string): AppOptions {
  const result = AppOptionsSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.map(String).join('.') || '(settings)'}: ${i.message.replace(/^Invalid input: /, '')}`);
  throw new HealerError('CONFIG_INVALID', `Invalid settings for ${where}: ${problems.join('; ')}.`);
}

/** The data options of `createHealer()`; every key optional, defaults applied by `createHealer()`. */
export const HealerOptionsSchema = z.object({
  /** Default healing mode. Default `supervised`. */
  mode: ModeInputSchema.optional(),
  /** Limits of the circuit breaker. */
  breaker: BreakerOptionsSchema.optional(),
  /** Backups go here (absolute); default `<parent of the app root>/.healer-backups`. */
  backupRoot: z.string().min(1).optional(),
  /** How long backups are kept, in ms. Default 7 days. */
  retentionMs: z.number().min(0).optional(),
  /** At most this many actions (rungs of the ladder) tried in one heal. Default 5. */
  maxAttemptsPerExecution: z.int().min(1).optional(),
  /** Lease of the per-app lock, in ms, renewed while a heal runs. Default 120 000 (2 min). */
  lockTtlMs: z.number().positive().optional(),
  /** Checks run at once. Default 8. */
  checkConcurrency: z.int().min(1).optional(),
  /** Default per-check timeout, in ms. Default 10 000. */
  checkTimeoutMs: z.number().positive().optional(),
  /** Run disk, memory, load, HTTP, TLS, port and permission checks for every app. Default true. */
  sharedChecks: z.boolean().optional(),
  /** Settings per app root: url, port, markers, mode, plugin. */
  apps: z.record(z.string().min(1), AppOptionsSchema).optional(),
  /** Values never to show in logs, events or output. */
  secrets: z.array(z.string()).optional(),
});

/** The data options of `createHealer()`, as callers write them. */
export type HealerOptions = z.input<typeof HealerOptionsSchema>;

/**
 * Check the data options; `INVALID_ARGUMENT` naming every problem at once.
 * Keys the schema does not know are left alone (the runtime-only options).
 */
export function checkHealerOptions(options: unknown): void {
  const result = HealerOptionsSchema.safeParse(options);
  if (result.success) return;
  const problems = result.error.issues.map((i) => `${i.path.map(String).join('.') || '(options)'}: ${i.message.replace(/^Invalid input: /, '')}`);
  throw new HealerError('INVALID_ARGUMENT', `Invalid healer options: ${problems.join('; ')}.`);
}
