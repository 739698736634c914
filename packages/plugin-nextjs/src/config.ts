/**
 * The Next.js plugin's configuration: the Node runtime fields (shared with
 * `@healer/plugin-nodejs`, whose checks and actions this plugin reuses) plus
 * the build and cache settings.
 */
import { nodeRuntimeConfigShape } from '@healer/plugin-nodejs';
import { z } from 'zod';

const argv = z.array(z.string().min(1)).min(1);

export const nextjsConfigSchema = z.object({
  ...nodeRuntimeConfigShape,
  /** The build command, run in the build copy. Default: the app's own `next` binary, `next build`. */
  buildCommand: argv.optional(),
  /** How long a build may take. Default 15 minutes. */
  buildTimeoutMs: z.int().positive().default(900_000),
  /** `.next/cache` above this many bytes warns (and may be cleared). Default 1 GiB. */
  cacheMaxBytes: z.int().positive().default(1024 * 1024 * 1024),
});

export type NextjsConfig = z.output<typeof nextjsConfigSchema>;
export type NextjsConfigInput = z.input<typeof nextjsConfigSchema>;
