/**
 * `wordpress/php-version`: the target's PHP against what WordPress core, the
 * active plugins and the active theme say they need.
 */
import { posix } from 'node:path';
import { isPathWithin, type CheckResult } from '@healer/core';
import { wpMeta } from '../detect.js';
import type { WpMetadata, WpOps } from '../types.js';
import { compareVersions, connectErrorOnce, coreVersions, opsFor, type WpCheck, type WpCheckContext } from './shared.js';

/** WordPress reads plugin and theme headers from the first 8 KB of the file (`get_file_data`). */
export const HEADER_BYTES = 8 * 1024;

/** One `Requires PHP` and who states it. */
export interface PhpRequirement {
  /** `WordPress 6.1`, `plugin akismet`, `theme twentytwentythree`. */
  source: string;
  kind: 'core' | 'plugin' | 'theme';
  /** The plugin file or theme slug; null for core. */
  name: string | null;
  requires: string;
}

/**
 * A header's value as WordPress's `get_file_data()` reads it: a line
 * `Requires PHP: 7.4` in a comment, the comment's closing removed. @internal
 */
export function readHeader(text: string, header: string): string | null {
  const escaped = header.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^(?:[ \\t]*<\\?php)?[ \\t/*#@]*${escaped}:(.*)$`, 'mi').exec(text.replace(/\r/g, '\n'));
  if (!m) return null;
  const value = m[1]!.replace(/\s*(?:\*\/|\?>).*/, '').trim();
  return value === '' ? null : value;
}

export const phpVersionCheck: WpCheck = {
  id: 'wordpress/php-version',
  title: 'PHP version',
  category: 'dependencies',
  severity: 'high',
  description:
    "The target's PHP (the php command) against WordPress's $required_php_version and the `Requires PHP` header of every active plugin and of the active theme.",
  timeoutMs: 20_000,
  async run(ctx) {
    const meta = wpMeta(ctx.app);
    const binary = ctx.config.phpBinary;
    const out = await ctx.facts.commandVersion(binary, ['-r', 'echo PHP_VERSION;']);
    const php = out === null ? null : (/^\d+\.\d+(?:\.\d+)?/.exec(out.trim())?.[0] ?? null);
    if (php === null) {
      return {
        status: 'skip',
        message: `Cannot tell which PHP the site runs: \`${binary}\` is not available on the host${out ? ` (it printed ${JSON.stringify(out.slice(0, 80))})` : ''}; set \`phpBinary\` in the WordPress plugin's configuration.`,
      };
    }
    const requirements: PhpRequirement[] = [];
    const versions = await coreVersions(ctx, ctx.app.root);
    if (versions.requiredPhp) {
      requirements.push({ source: `WordPress ${versions.wordpress ?? ''}`.trim(), kind: 'core', name: null, requires: versions.requiredPhp });
    }
    const notes: string[] = [];
    const ops = await opsFor(ctx);
    if ((await connectErrorOnce(ctx, ops)) === null) {
      requirements.push(...(await extensionRequirements(ctx, ops, meta)));
    } else {
      notes.push('the active plugins and theme were not checked: the database cannot be reached');
    }

    const unmet = requirements.filter((r) => compareVersions(php, r.requires) < 0);
    const details = { php, binary, requirements, unmet, ...(notes.length ? { notes } : {}) };
    const evidence = requirements.map((r) => `${r.source}: Requires PHP ${r.requires}`).slice(0, 20);
    let result: CheckResult;
    if (unmet.length > 0) {
      const who = unmet.map((r) => `${r.source} needs ${r.requires}`).join(', ');
      const core = unmet.some((r) => r.kind === 'core');
      result = {
        status: 'fail',
        message: `PHP ${php} is too old: ${who}; ${core ? 'upgrade PHP' : 'upgrade PHP, or deactivate or downgrade what needs a newer one'} (the \`${binary}\` command was checked; make sure the web server runs the same PHP).`,
        details,
        evidence,
      };
    } else {
      result = {
        status: 'pass',
        message: `PHP ${php} meets WordPress's minimum (${versions.requiredPhp ?? 'unknown'}) and every "Requires PHP" of the active plugins and theme (${requirements.filter((r) => r.kind !== 'core').length} found)${notes.length ? `; ${notes.join('; ')}` : ''}.`,
        details,
      };
    }
    return result;
  },
};

/** `Requires PHP` of the active plugins and theme, read from the first 8 KB of their main files. */
async function extensionRequirements(ctx: WpCheckContext, ops: WpOps, meta: WpMetadata): Promise<PhpRequirement[]> {
  const [plugins, theme] = await Promise.all([ops.activePlugins(), ops.theme()]);
  const files: Array<{ kind: 'plugin' | 'theme'; name: string; path: string }> = [];
  for (const file of plugins) {
    const path = safeJoin(meta.pluginsDir, file);
    if (path) files.push({ kind: 'plugin', name: file, path });
  }
  for (const slug of new Set([theme.template, theme.stylesheet])) {
    const path = slug ? safeJoin(meta.themesDir, `${slug}/style.css`) : null;
    if (path) files.push({ kind: 'theme', name: slug, path });
  }
  const found = await Promise.all(
    files.map(async (f): Promise<PhpRequirement | null> => {
      const text = await ctx.fs.readText(f.path, { maxBytes: HEADER_BYTES });
      const requires = text === null ? null : readHeader(text, 'Requires PHP');
      if (requires === null || !/^\d+(?:\.\d+)*$/.test(requires)) return null;
      const label = f.kind === 'plugin' ? `plugin ${f.name.split('/')[0]}` : `theme ${f.name}`;
      return { source: label, kind: f.kind, name: f.name, requires };
    }),
  );
  return found.filter((r): r is PhpRequirement => r !== null);
}

/** `dir/relative` when `relative` (from the database) stays inside `dir`; null otherwise. */
function safeJoin(dir: string, relative: string): string | null {
  if (!relative || relative.startsWith('/') || /[\0\n\r]/.test(relative)) return null;
  const path = posix.join(dir, relative);
  return isPathWithin(dir, path) && path !== dir ? path : null;
}
