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
