/**
 * The Node.js plugin's configuration (validated by core before use). The
 * shape is exported so a plugin for a Node framework (Next.js) can extend it
 * and reuse the checks and actions that read it.
 */
import { z } from 'zod';

const argv = z.array(z.string().min(1)).min(1);
/** A name passed as a command argument: never one that reads as an option. */
const name = z.string().min(1).regex(/^[^-\s]/, 'must not start with "-" or a space');

/** The fields the reusable Node checks and actions read. */
export const nodeRuntimeConfigShape = {
  /** The app runs in production: `NODE_ENV` must be `production`. Default true. */
  production: z.boolean().default(true),
  /** Start, stop and status commands (argv arrays, run in the app root) when neither pm2 nor systemd runs the app. */
  commands: z.object({ start: argv, stop: argv.optional(), status: argv.optional() }).optional(),
  /** The pm2 process name, when pm2 runs the app. */
  pm2Name: name.optional(),
  /** The systemd unit, when systemd runs the app. */
  systemdUnit: name.optional(),
  /** A file holding the app's process id (absolute or relative to the app root). */
  pidFile: z.string().min(1).optional(),
  /** Log files with the app's output (absolute or relative to the app root). */
  logFiles: z.array(z.string().min(1)).default([]),
  /** Variables the process manager gives the app besides `.env` (names count; values are never logged). */
  environment: z.record(z.string(), z.string()).default({}),
  /** The Node binary on the target. Default `node`. */
  nodeBinary: z.string().min(1).default('node'),
  /** The npm registry for `npm audit` (default: npm's own setting). */
  npmRegistry: z.url().optional(),
  /** Restarts (pm2, systemd) or crashes in the logs at or above this count are a crash loop. Default 5. */
  crashLoopThreshold: z.int().positive().default(5),
  /** RSS of the app's processes above this warns. Default 512 MiB. */
  memoryWarnBytes: z.int().positive().default(512 * 1024 * 1024),
  /** RSS above this fails. Default 1 GiB. */
  memoryFailBytes: z.int().positive().default(1024 * 1024 * 1024),
  /** How long a restart may take before the app answers on its URL. Default 20 s. */
  startTimeoutMs: z.int().positive().default(20_000),
  /** How long an install may take. Default 10 minutes. */
  installTimeoutMs: z.int().positive().default(600_000),
};

export const nodejsConfigSchema = z.object(nodeRuntimeConfigShape);

/** The configuration the reusable checks and actions need; any plugin config with these fields works. */
export type NodeRuntimeConfig = z.output<typeof nodejsConfigSchema>;
export type NodejsConfig = NodeRuntimeConfig;
export type NodejsConfigInput = z.input<typeof nodejsConfigSchema>;
