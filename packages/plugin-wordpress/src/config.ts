/**
 * The WordPress plugin's configuration (validated by core before use).
 */
import { z } from 'zod';

export const wordpressConfigSchema = z.object({
  /**
   * Plugins whose deactivation is high risk (a shop without its cart loses
   * money): deactivating them always needs approval. Slugs (folder names).
   */
  protectedPlugins: z.array(z.string().min(1)).default(['woocommerce']),
  /** The site is in production: debug display, SAVEQUERIES and `blog_public = 0` are problems. Default true. */
  production: z.boolean().default(true),
  /** The theme the theme rung switches to; default the newest installed `twenty*` theme. */
  defaultTheme: z.string().min(1).optional(),
  /** Use WP-CLI when the server has it (`auto`), never, or only it. Default `auto`. */
  wpCli: z.enum(['auto', 'never', 'always']).default('auto'),
  /** The PHP binary on the target. Default `php`. */
  phpBinary: z.string().min(1).default('php'),
  /** PHP error log to read besides `debug.log` (absolute). */
  phpErrorLog: z.string().startsWith('/').optional(),
  /** The memory limit the raise-memory action sets. Default `256M`. */
  memoryLimit: z.string().regex(/^\d+[KMG]$/i).default('256M'),
  /** Autoloaded options above this many bytes are a problem. Default 800 KB. */
  autoloadWarnBytes: z.int().positive().default(800 * 1024),
  /** Cron events at or above this count are a problem. Default 50. */
  cronWarnCount: z.int().positive().default(50),
});

export type WordpressConfig = z.output<typeof wordpressConfigSchema>;
export type WordpressConfigInput = z.input<typeof wordpressConfigSchema>;
