/**
 * Detection: an `artisan` file and `laravel/framework` (required in
 * composer.json, or installed under `vendor/`). The version comes from the
 * installed framework (`vendor/laravel/framework`), else from
 * `php artisan --version` (a framework installed elsewhere, e.g. Debian's
 * `php-laravel-framework`), else the range composer.json requires.
 */
import { posix } from 'node:path';
import type { AppInfo, DetectContext, Detection } from '@healer/core';
import { readPhpApp, type ComposerJson } from '@healer/plugin-php';
import type { LaravelConfig } from './config.js';
import type { LaravelMeta, VersionSource } from './types.js';

/** Where the installed framework says its version. */
export const VENDOR_APPLICATION = 'vendor/laravel/framework/src/Illuminate/Foundation/Application.php';

/** Files detection reads (batched by discovery). */
export const LARAVEL_DETECT_FILES: string[] = ['composer.json', VENDOR_APPLICATION, '.env'];

/** `const VERSION = '8.83.26';` in the framework's Application class. */
export function versionFromApplication(text: string): string | null {
  return /const\s+VERSION\s*=\s*'([^']+)'/.exec(text)?.[1] ?? null;
}

/** `Laravel Framework 8.83.26` -> `8.83.26`. */
export function versionFromArtisan(text: string): string | null {
  return /Laravel Framework\s+v?(\d+\.\d+(?:\.\d+)?\S*)/.exec(text)?.[1] ?? null;
}

function parseComposer(composerText: string | null): ComposerJson | null {
  if (composerText === null) return null;
  try {
    const json: unknown = JSON.parse(composerText);
    return json !== null && typeof json === 'object' ? (json as ComposerJson) : null;
  } catch {
    return null;
  }
}

function requiredFramework(composer: ComposerJson | null): string | null {
  const range = (composer?.require as Record<string, unknown> | undefined)?.['laravel/framework'];
  return typeof range === 'string' ? range : null;
}

/** Recognize a Laravel app in `ctx.path`. */
export async function detectLaravel(ctx: DetectContext<LaravelConfig>): Promise<Detection<LaravelMeta> | null> {
  const root = ctx.path;
  if (!(await ctx.fs.exists(posix.join(root, 'artisan')))) return null;
  const composer = parseComposer(await ctx.fs.readText(posix.join(root, 'composer.json'), { maxBytes: 1024 * 1024 }));
  const range = requiredFramework(composer);
  const vendorText = await ctx.fs.readText(posix.join(root, VENDOR_APPLICATION), { maxBytes: 256 * 1024 });
  if (range === null && vendorText === null) return null;

  const evidence = ['artisan found'];
  if (range !== null) evidence.push(`composer.json requires laravel/framework ${range}`);
  let version: string | null = null;
  let versionSource: VersionSource | null = null;
  if (vendorText !== null) {
    version = versionFromApplication(vendorText);
    if (version) versionSource = 'vendor';
  }
  if (version === null) {
    const r = await ctx.exec.run([ctx.config.phpBinary, 'artisan', '--version', '--no-ansi'], { cwd: root, timeoutMs: 30_000, signal: ctx.signal }).catch(() => null);
    version = r && r.exitCode === 0 ? versionFromArtisan(r.stdout) : null;
    if (version) versionSource = 'artisan';
  }
  if (version === null && range !== null) {
    version = range;
    versionSource = 'composer.json';
  }
  if (versionSource === 'vendor') evidence.push(`laravel/framework ${version} installed in vendor/`);
  else if (versionSource === 'artisan') evidence.push(`php artisan --version: Laravel Framework ${version}`);
  else evidence.push('the installed framework version could not be read');
  const hasEnv = await ctx.fs.exists(posix.join(root, '.env'));
  evidence.push(hasEnv ? '.env found' : 'no .env');
  const php = await readPhpApp(ctx.fs, root, composer);
  const meta: LaravelMeta = { ...php, version, versionSource, hasEnv };
  return { stack: 'laravel', version, confidence: 0.95, evidence, metadata: meta, root };
}

/** The Laravel metadata of a detected app, typed. */
export function laravelMeta(app: Pick<AppInfo<LaravelMeta>, 'metadata'>): LaravelMeta {
  return app.metadata;
}
