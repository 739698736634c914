/**
 * Composer's files, read the way Composer reads them: `composer.json`, the
 * `content-hash` of `composer.lock`, and what `vendor/composer/installed.json`
 * says is installed.
 */
import { createHash } from 'node:crypto';
import { encodePhpJson, parsePhpJson, phpJsonGet, type PhpJson } from './php-json.js';

/** The keys of composer.json whose content the lock's `content-hash` covers (Composer's `Locker::getContentHash`). */
export const CONTENT_HASH_KEYS: readonly string[] = [
  'name',
  'version',
  'require',
  'require-dev',
  'conflict',
  'replace',
  'provide',
  'minimum-stability',
  'prefer-stable',
  'repositories',
  'extra',
];

/**
 * The `content-hash` Composer writes into composer.lock for this
 * composer.json text: md5 of `json_encode` (no flags) of the relevant keys,
 * sorted, plus `config.platform`. Throws `SyntaxError` on invalid JSON.
 */
export function composerContentHash(composerJsonText: string): string {
  const root = parsePhpJson(composerJsonText);
  const entries: Array<[string, PhpJson]> = [];
  for (const key of CONTENT_HASH_KEYS) {
    const v = phpJsonGet(root, key);
    if (v !== undefined) entries.push([key, v]);
  }
  const platform = phpJsonGet(phpJsonGet(root, 'config'), 'platform');
  if (platform !== undefined) entries.push(['config', { t: 'obj', entries: [['platform', platform]] }]);
  // ksort: byte order of the keys (none of them numeric).
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('md5').update(encodePhpJson({ t: 'obj', entries }), 'utf8').digest('hex');
}

/** md5 of the whole composer.json: the `hash` of locks older than `content-hash`. */
export function composerFileHash(composerJsonText: string): string {
  return createHash('md5').update(composerJsonText, 'utf8').digest('hex');
}

/** A parsed composer.json, loosely typed. */
export interface ComposerJson {
  name?: unknown;
  require?: Record<string, unknown>;
  'require-dev'?: Record<string, unknown>;
  config?: { 'vendor-dir'?: unknown; platform?: Record<string, unknown> };
  [key: string]: unknown;
}

/** One package of composer.lock or installed.json. */
export interface LockedPackage {
  name: string;
  version: string;
  /** Its `require` (names and constraints). */
  require: Record<string, string>;
}

export interface ComposerLock {
  contentHash: string | null;
  /** The pre-1.0 `hash` (md5 of composer.json), when present. */
  hash: string | null;
  packages: LockedPackage[];
  packagesDev: LockedPackage[];
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** composer.json as an object; null when it is not a JSON object. */
export function parseComposerJson(text: string): ComposerJson | null {
  return parseObject(text) as ComposerJson | null;
}

function packagesOf(list: unknown): LockedPackage[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((p: unknown) => {
    if (p === null || typeof p !== 'object') return [];
    const { name, version, require } = p as Record<string, unknown>;
    if (typeof name !== 'string' || typeof version !== 'string') return [];
    const req: Record<string, string> = {};
    if (require && typeof require === 'object') for (const [k, v] of Object.entries(require)) if (typeof v === 'string') req[k] = v;
    return [{ name: name.toLowerCase(), version, require: req }];
  });
}

/** composer.lock; null when it is not a JSON object. */
export function parseComposerLock(text: string): ComposerLock | null {
  const o = parseObject(text);
  if (!o) return null;
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  return { contentHash: str(o['content-hash']), hash: str(o['hash']), packages: packagesOf(o['packages']), packagesDev: packagesOf(o['packages-dev']) };
}

/** Whether a lock is in step with composer.json, as `Locker::isFresh()` decides. */
export function lockIsFresh(lock: Pick<ComposerLock, 'contentHash' | 'hash'>, composerJsonText: string): boolean {
  if (lock.contentHash) return lock.contentHash === composerContentHash(composerJsonText);
  if (lock.hash) return lock.hash === composerFileHash(composerJsonText);
  return false;
}

/** What `vendor/composer/installed.json` says: the packages, and which of them are dev-only. */
export interface InstalledPackages {
  packages: LockedPackage[];
  /** `dev-package-names` (Composer 2), lowercase. */
  devNames: string[];
  /** `dev`: whether dev packages were installed (Composer 2); null when unknown. */
  dev: boolean | null;
}

/** installed.json, Composer 2 (`{ packages, dev, dev-package-names }`) or 1 (a list). Null when unreadable. */
export function parseInstalledJson(text: string): InstalledPackages | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (Array.isArray(v)) return { packages: packagesOf(v), devNames: [], dev: null };
  if (v === null || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const devNames = Array.isArray(o['dev-package-names']) ? o['dev-package-names'].filter((n): n is string => typeof n === 'string').map((n) => n.toLowerCase()) : [];
  return { packages: packagesOf(o['packages']), devNames, dev: typeof o['dev'] === 'boolean' ? o['dev'] : null };
}

/** How vendor/ differs from the lock, for the packages production needs (`packages`, not `packages-dev`). */
export interface VendorDrift {
  /** Locked but not installed. */
  missing: string[];
  /** Installed at another version: `name: installed -> locked`. */
  wrongVersion: Array<{ name: string; installed: string; locked: string }>;
  /** Installed but not in the lock at all (neither packages nor packages-dev). */
  extra: string[];
}

/** Compare what is installed with the lock. */
export function vendorDrift(lock: ComposerLock, installed: InstalledPackages): VendorDrift {
  const have = new Map(installed.packages.map((p) => [p.name, p.version]));
  const locked = new Set([...lock.packages, ...lock.packagesDev].map((p) => p.name));
  const missing: string[] = [];
  const wrongVersion: VendorDrift['wrongVersion'] = [];
  for (const p of lock.packages) {
    const v = have.get(p.name);
    if (v === undefined) missing.push(p.name);
    else if (v !== p.version) wrongVersion.push({ name: p.name, installed: v, locked: p.version });
  }
  for (const dev of lock.packagesDev) {
    const v = have.get(dev.name);
    if (v !== undefined && v !== dev.version) wrongVersion.push({ name: dev.name, installed: v, locked: dev.version });
  }
  const extra = installed.packages.map((p) => p.name).filter((n) => !locked.has(n));
  return { missing: missing.sort(), wrongVersion: wrongVersion.sort((a, b) => a.name.localeCompare(b.name)), extra: extra.sort() };
}

/** `ext-*` requirements (lowercase, without the prefix) of composer.json and of every locked package. */
export function requiredExtensions(composer: ComposerJson | null, lock: ComposerLock | null): Array<{ name: string; constraint: string; from: string }> {
  const out: Array<{ name: string; constraint: string; from: string }> = [];
  const add = (req: Record<string, unknown> | undefined, from: string): void => {
    for (const [k, v] of Object.entries(req ?? {})) {
      const name = k.toLowerCase();
      if (!name.startsWith('ext-') || typeof v !== 'string') continue;
      const ext = name.slice(4);
      if (!out.some((o) => o.name === ext)) out.push({ name: ext, constraint: v, from });
    }
  };
  add(composer?.require, 'composer.json');
  for (const p of lock?.packages ?? []) add(p.require, p.name);
  return out;
}
