/**
 * Reading server configuration files through an {@link Executor}: one file
 * (bounded, absent or unreadable -> null) and include globs (`*`, `?`, `[..]`
 * in any path segment), so discovery works the same locally and over SSH.
 * @internal
 */
import type { Executor } from '../contract/executor.js';

/** Config files larger than this are read only this far. */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** At most this many files per include glob. */
const MAX_GLOB_MATCHES = 500;

/** The text of a configuration file, or null when absent or unreadable. */
export async function readConfigText(exec: Executor, path: string): Promise<string | null> {
  try {
    const bytes = await exec.readFile(path, { maxBytes: MAX_CONFIG_BYTES });
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  } catch {
    return null;
  }
}

const WILDCARD = /[*?[]/;

/** A shell-style glob segment as a RegExp (`*.conf` -> `^[^/]*\.conf$`). */
function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${segment.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * The files an absolute include pattern names, sorted as Apache and nginx
 * read them. A pattern without wildcards gives itself when it exists.
 */
export async function expandGlob(exec: Executor, pattern: string): Promise<string[]> {
  if (!pattern.startsWith('/')) return [];
  if (!WILDCARD.test(pattern)) return (await exec.exists(pattern).catch(() => false)) ? [pattern] : [];
  const segments = pattern.split('/').filter((s) => s.length > 0);
  let bases = ['/'];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    const next: string[] = [];
    for (const base of bases) {
      if (!WILDCARD.test(seg)) {
        next.push(join(base, seg));
        continue;
      }
      const re = segmentRegExp(seg);
      const entries = await exec.list(base).catch(() => []);
      for (const e of entries) {
        if (e.name.startsWith('.') && !seg.startsWith('.')) continue;
        if (!re.test(e.name)) continue;
        if (!last && e.type === 'file') continue;
        next.push(join(base, e.name));
      }
    }
    bases = next.sort().slice(0, MAX_GLOB_MATCHES);
    if (bases.length === 0) return [];
  }
  const out: string[] = [];
  for (const b of bases) {
    const st = await exec.stat(b).catch(() => null);
    // A symlink (sites-enabled) is read through; a folder is not a config file.
    if (st && st.type !== 'directory') out.push(b);
  }
  return out;
}

function join(base: string, name: string): string {
  return base.endsWith('/') ? `${base}${name}` : `${base}/${name}`;
}

/** `path` made absolute against `base` (a relative include or log path). */
export function absoluteFrom(base: string, path: string): string {
  if (path.startsWith('/')) return normalize(path);
  return normalize(`${base.replace(/\/+$/, '')}/${path}`);
}

/** Collapse `//`, `/./` and `dir/..`, drop a trailing slash. */
export function normalize(path: string): string {
  const parts: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`;
}

/** A directive argument without its surrounding quotes. */
export function unquote(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))) return t.slice(1, -1);
  return t;
}

/** True when `path` is `dir` or inside it. */
export function within(dir: string, path: string): boolean {
  const d = normalize(dir);
  const p = normalize(path);
  return d === '/' || p === d || p.startsWith(`${d}/`);
}
