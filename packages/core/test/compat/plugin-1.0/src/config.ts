// The examples/custom-plugin of @healer/core 1.0, kept unchanged as a compatibility fixture: compat-1.0.test.ts
// type-checks it against the current types, and its own tests run against the current engine. Do not edit.
/** The plugin's configuration: validated by the registry when the plugin is registered. */
import { z } from 'zod';

const SEGMENT = /^(?!\.\.?$)[A-Za-z0-9._-]+$/;

export const staticSiteConfigSchema = z.object({
  /** The page every release must serve, when `site.json` names none. */
  entry: z.string().min(1).default('index.html'),
  /** The folder beside `current` that holds one folder per release. One path segment. */
  releasesDir: z.string().regex(SEGMENT, 'a single folder name').default('releases'),
});

/** The configuration as checks and actions see it (defaults applied). */
export type StaticSiteConfig = z.output<typeof staticSiteConfigSchema>;
/** The configuration as callers write it. */
export type StaticSiteConfigInput = z.input<typeof staticSiteConfigSchema>;
