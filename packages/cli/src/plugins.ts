/**
 * Loading plugins named in the configuration: a package name (resolved from
 * the configuration file's folder) or a path relative to it, imported
 * dynamically. The plugin is the module's default export, or its single
 * export that is a plugin.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { errorMessage, type PluginDefinition, type PluginEntry } from '@healer/core';
import { CliError } from './cli-error.js';
import type { LoadedConfig, PluginRef } from './config.js';
import { BUILTIN_PLUGINS } from './builtin-plugins.js';
import { assertTrustedModule } from './file-trust.js';

/** The plugins to register: the configured ones, or the built-in list when the configuration names none. */
export async function loadPlugins(loaded: LoadedConfig): Promise<PluginEntry[]> {
  const refs = loaded.config.plugins;
  if (refs === undefined) return [...BUILTIN_PLUGINS];
  const entries: PluginEntry[] = [];
  for (const ref of refs) entries.push(await loadPlugin(ref, loaded.dir));
  return entries;
}

async function loadPlugin(ref: PluginRef, dir: string): Promise<PluginEntry> {
  const { module: specifier, config, enabled } = typeof ref === 'string' ? { module: ref, config: undefined, enabled: undefined } : ref;
  const url = resolveModule(specifier, dir);
  await assertTrustedModule(fileURLToPath(url), specifier);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new CliError('PLUGIN_LOAD_FAILED', `Cannot load plugin module "${specifier}": ${errorMessage(e)}`, { cause: e });
  }
  const plugin = pickPlugin(mod, specifier);
  return { plugin, ...(config !== undefined ? { config } : {}), ...(enabled !== undefined ? { enabled } : {}) };
}

/** The module's default export when it is a plugin, else its one export that is. */
export function pickPlugin(mod: Record<string, unknown>, specifier: string): PluginDefinition {
  if (looksLikePlugin(mod['default'])) return mod['default'];
  const found = Object.entries(mod).filter(([, value]) => looksLikePlugin(value));
  const distinct = [...new Set(found.map(([, value]) => value))];
  if (distinct.length === 1) return distinct[0] as PluginDefinition;
  if (distinct.length === 0) {
    throw new CliError('PLUGIN_LOAD_FAILED', `Module "${specifier}" exports no plugin: export one definePlugin({...}) object as its default export.`);
  }
  throw new CliError(
    'PLUGIN_LOAD_FAILED',
    `Module "${specifier}" exports several plugins (${found.map(([name]) => name).join(', ')}): make the one to load its default export.`,
  );
}

function looksLikePlugin(value: unknown): value is PluginDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['name'] === 'string' && typeof v['detect'] === 'function' && Array.isArray(v['checks']) && Array.isArray(v['actions']);
}

/** A `file:` URL for a path (relative to `dir`) or a package name looked up from `dir` upwards. */
export function resolveModule(specifier: string, dir: string): string {
  if (specifier.startsWith('file:')) return specifier;
  if (specifier.startsWith('.') || isAbsolute(specifier)) {
    const file = resolve(dir, specifier);
    if (!existsSync(file)) throw new CliError('PLUGIN_LOAD_FAILED', `Cannot load plugin "${specifier}": ${file} does not exist.`);
    return pathToFileURL(file).href;
  }
  return pathToFileURL(resolvePackage(specifier, dir)).href;
}

/** Node's package lookup for ESM packages: `node_modules/<name>` from `dir` upwards, then its `exports` (import/node/default) or `main`. */
function resolvePackage(specifier: string, dir: string): string {
  const parts = specifier.split('/');
  const nameLength = specifier.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, nameLength).join('/');
  const subpath = parts.length > nameLength ? `./${parts.slice(nameLength).join('/')}` : '.';
  for (let at = resolve(dir); ; at = dirname(at)) {
    const pkgDir = join(at, 'node_modules', name);
    const manifest = join(pkgDir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown; main?: string };
      const target = pkg.exports !== undefined ? exportTarget(pkg.exports, subpath) : subpath === '.' ? (pkg.main ?? 'index.js') : subpath;
      if (target === null) {
        throw new CliError('PLUGIN_LOAD_FAILED', `Cannot load plugin "${specifier}": package ${name} does not export "${subpath}".`);
      }
      return join(pkgDir, target);
    }
    if (dirname(at) === at) break;
  }
  throw new CliError('PLUGIN_LOAD_FAILED', `Cannot load plugin "${specifier}": no package "${name}" is installed in ${dir} or any folder above it.`);
}

function exportTarget(exports: unknown, subpath: string): string | null {
  const isSubpathMap = typeof exports === 'object' && exports !== null && !Array.isArray(exports) && Object.keys(exports).some((k) => k.startsWith('.'));
  const entry = isSubpathMap ? (exports as Record<string, unknown>)[subpath] : subpath === '.' ? exports : undefined;
  return pickCondition(entry);
}

function pickCondition(entry: unknown): string | null {
  if (typeof entry === 'string') return entry;
  if (Array.isArray(entry)) {
    for (const e of entry) {
      const found = pickCondition(e);
      if (found) return found;
    }
    return null;
  }
  if (typeof entry === 'object' && entry !== null) {
    const conditions = entry as Record<string, unknown>;
    for (const key of ['import', 'node', 'default']) {
      if (key in conditions) {
        const found = pickCondition(conditions[key]);
        if (found) return found;
      }
    }
  }
  return null;
}
