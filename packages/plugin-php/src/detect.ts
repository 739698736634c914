/** Detection: a folder with `composer.json` or a front controller (`index.php`, `public/index.php`) that no framework plugin claims. */
import { posix } from 'node:path';
import type { AppInfo, DetectContext, Detection, HealerFs } from '@healer/core';
import { parseComposerJson, type ComposerJson } from './composer.js';
import type { PhpAppMeta } from './types.js';

/** The files that mark a candidate folder (discovery batches one search per host from these). */
export const SIGNATURES: string[] = ['composer.json', 'index.php', 'public/index.php'];
/** Files detection reads besides the signatures (batched by discovery). */
export const DETECT_FILES: string[] = ['composer.lock', 'artisan', 'wp-config.php', 'wp-includes/version.php'];

const MAX_COMPOSER_JSON_BYTES = 1024 * 1024;

/**
 * Confidences. A framework's own plugin must win: WordPress claims its sites
 * at 0.5 and more, Laravel at more than that, so a folder that looks like
 * either is claimed here only weakly (when no such plugin is enabled, the
 * generic checks still run).
 */
export const CONFIDENCE = { composerAndEntry: 0.7, entryOnly: 0.5, composerOnly: 0.3, framework: 0.2 } as const;

/** Read and parse `<root>/composer.json`; null when absent or not a JSON object. */
export async function readComposerJson(fs: Pick<HealerFs, 'readText'>, root: string): Promise<{ text: string; json: ComposerJson } | null> {
  const text = await fs.readText(posix.join(root, 'composer.json'), { maxBytes: MAX_COMPOSER_JSON_BYTES });
  if (text === null) return null;
  const json = parseComposerJson(text);
  return json ? { text, json } : null;
}

const names = (v: unknown): string[] => (v !== null && typeof v === 'object' ? Object.keys(v).map((k) => k.toLowerCase()) : []);

/** True for a Laravel app: `artisan` beside a composer.json requiring `laravel/framework` (the Laravel plugin's). */
export async function isLaravelApp(fs: Pick<HealerFs, 'exists'>, root: string, composer: ComposerJson | null): Promise<boolean> {
  return composer !== null && names(composer.require).includes('laravel/framework') && (await fs.exists(posix.join(root, 'artisan')));
}

/** True for a WordPress site (the WordPress plugin's): `wp-includes/version.php` or `wp-config.php`. */
export async function isWordpressSite(fs: Pick<HealerFs, 'exists'>, root: string): Promise<boolean> {
  return (await fs.exists(posix.join(root, 'wp-includes/version.php'))) || (await fs.exists(posix.join(root, 'wp-config.php')));
}

/**
 * The PHP metadata of the app in `root`. Reusable by any PHP framework
 * plugin (its detection adds its own fields beside these).
 */
export async function readPhpApp(fs: Pick<HealerFs, 'readText' | 'exists'>, root: string, composer: ComposerJson | null): Promise<PhpAppMeta> {
  const entry = (await fs.exists(posix.join(root, 'public/index.php'))) ? 'public/index.php' : (await fs.exists(posix.join(root, 'index.php'))) ? 'index.php' : null;
  const require = composer?.require && typeof composer.require === 'object' ? composer.require : {};
  const php = require['php'];
  const vendorDir = typeof composer?.config?.['vendor-dir'] === 'string' && composer.config['vendor-dir'] !== '' ? composer.config['vendor-dir'].replace(/\/+$/, '') : 'vendor';
  const framework = (await isLaravelApp(fs, root, composer)) ? 'laravel' : (await isWordpressSite(fs, root)) ? 'wordpress' : null;
  return {
    name: typeof composer?.name === 'string' ? composer.name : null,
    composerJson: composer !== null,
    composerLock: await fs.exists(posix.join(root, 'composer.lock')),
    requirePhp: typeof php === 'string' ? php : null,
    extensions: names(require)
      .filter((n) => n.startsWith('ext-'))
      .map((n) => n.slice(4))
      .sort(),
    vendorDir,
    docroot: entry === 'public/index.php' ? posix.join(root, 'public') : root,
    entry,
    framework,
  };
}

/** Recognize a generic PHP app in `ctx.path`. */
export async function detectPhpApp(ctx: DetectContext<unknown>): Promise<Detection<PhpAppMeta> | null> {
  const root = ctx.path;
  const composer = await readComposerJson(ctx.fs, root);
  const meta = await readPhpApp(ctx.fs, root, composer?.json ?? null);
  if (!composer && !meta.entry) return null;
  const evidence: string[] = [];
  if (composer) evidence.push(`composer.json found${meta.name ? ` (${meta.name})` : ''}`);
  else if (await ctx.fs.exists(posix.join(root, 'composer.json'))) evidence.push('composer.json found but it is not a JSON object');
  if (meta.entry) evidence.push(`${meta.entry} found`);
  if (meta.composerLock) evidence.push('composer.lock found');
  if (meta.requirePhp) evidence.push(`requires PHP ${meta.requirePhp}`);
  let confidence: number = composer && meta.entry ? CONFIDENCE.composerAndEntry : meta.entry ? CONFIDENCE.entryOnly : CONFIDENCE.composerOnly;
  if (meta.framework) {
    evidence.push(`looks like ${meta.framework === 'laravel' ? 'Laravel (artisan and laravel/framework)' : 'WordPress'}: its own plugin should claim it`);
    confidence = CONFIDENCE.framework;
  }
  return { stack: 'php', version: null, confidence, evidence, metadata: { ...meta }, root };
}

/** The PHP metadata of a detected app, typed. Any plugin whose detection stored `readPhpApp()`'s fields works. */
export function phpMeta(app: Pick<AppInfo<PhpAppMeta>, 'metadata'>): PhpAppMeta {
  return app.metadata;
}
