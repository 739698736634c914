/**
 * MySQL/MariaDB option files (`my.cnf`): sections of `key = value` lines,
 * `!include` and `!includedir`, read the way the server reads them (later
 * values win; `-` and `_` in names are the same).
 */
import { posix } from 'node:path';
import type { HealerFs } from '@healer/core';

/** Sections by name (lower case), each a map of option names (with `_`) to values. */
export type OptionSections = Record<string, Record<string, string>>;

export interface ParsedOptionFile {
  sections: OptionSections;
  /** `!include` targets, in order. */
  includes: string[];
  /** `!includedir` targets, in order. */
  includeDirs: string[];
}

/** The sections the server reads, lowest precedence first (`[mysqld-10.11]` and the like are read too, after these). */
export const SERVER_SECTIONS: readonly string[] = ['client-server', 'server', 'mysqld', 'mariadb', 'mariadbd'];
/** The sections every client reads, lowest precedence first. */
export const CLIENT_SECTIONS: readonly string[] = ['client-server', 'client', 'client-mariadb', 'mysql', 'mariadb-client'];

/** The option files the server reads when given none, in order. */
export const DEFAULT_OPTION_FILES: readonly string[] = ['/etc/my.cnf', '/etc/mysql/my.cnf'];

/** A value without its quotes and trailing comment, escapes read. */
function optionText(raw: string): string {
  const v = raw.trim();
  const quote = v[0];
  if ((quote === '"' || quote === "'") && v.length > 1) {
    let out = '';
    for (let i = 1; i < v.length; i++) {
      const c = v[i]!;
      if (c === quote) return out;
      if (c === '\\' && i + 1 < v.length) {
        const n = v[++i]!;
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n === 's' ? ' ' : n;
      } else out += c;
    }
    return out;
  }
  // An unquoted value ends at a `#` that follows whitespace.
  return v.replace(/\s+#.*$/, '').trim();
}

/** Parse one option file's text. */
export function parseOptionFile(text: string): ParsedOptionFile {
  const out: ParsedOptionFile = { sections: {}, includes: [], includeDirs: [] };
  let section: Record<string, string> | null = null;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const inc = /^!(include|includedir)\s+(.+)$/.exec(line);
    if (inc) {
      (inc[1] === 'include' ? out.includes : out.includeDirs).push(inc[2]!.trim());
      continue;
    }
    const head = /^\[([^\]]+)\]/.exec(line);
    if (head) {
      const name = head[1]!.trim().toLowerCase();
      section = out.sections[name] ??= {};
      continue;
    }
    if (!section) continue;
    const eq = line.indexOf('=');
    const key = (eq === -1 ? line : line.slice(0, eq)).trim().toLowerCase().replace(/-/g, '_');
    section[key] = eq === -1 ? '' : optionText(line.slice(eq + 1));
  }
  return out;
}

/** Merge `add` into `into`, section by section (later values win). */
function mergeSections(into: OptionSections, add: OptionSections): void {
  for (const [name, values] of Object.entries(add)) Object.assign((into[name] ??= {}), values);
}

/** What was read: the merged sections and every file that contributed. */
export interface OptionFiles {
  sections: OptionSections;
  files: string[];
}

/**
 * Read option files with their includes (at most 10 levels deep, each file
 * once). `!includedir` reads the folder's `*.cnf` files in name order.
 * Missing files are skipped: a server runs without them.
 */
export async function readOptionFiles(fs: Pick<HealerFs, 'readText' | 'list'>, paths: readonly string[]): Promise<OptionFiles> {
  const result: OptionFiles = { sections: {}, files: [] };
  const seen = new Set<string>();
  const read = async (path: string, depth: number): Promise<void> => {
    if (depth > 10 || seen.has(path)) return;
    seen.add(path);
    const text = await fs.readText(path, { maxBytes: 1024 * 1024 }).catch(() => null);
    if (text === null) return;
    result.files.push(path);
    const parsed = parseOptionFile(text);
    mergeSections(result.sections, parsed.sections);
    const dir = posix.dirname(path);
    for (const inc of parsed.includes) await read(posix.resolve(dir, inc), depth + 1);
    for (const incDir of parsed.includeDirs) {
      const folder = posix.resolve(dir, incDir);
      const entries = await fs.list(folder).catch(() => []);
      const names = entries.filter((e) => e.type !== 'directory' && e.name.endsWith('.cnf')).map((e) => e.name).sort();
      for (const name of names) await read(posix.join(folder, name), depth + 1);
    }
  };
  for (const path of paths) await read(path, 0);
  return result;
}

/** One option as the server sees it: the last of the server sections that sets it. */
export function serverOption(sections: OptionSections, name: string): string | null {
  let value: string | null = null;
  const ordered = [...SERVER_SECTIONS, ...Object.keys(sections).filter((s) => /^(mysqld|mariadb|mariadbd)-\d/.test(s)).sort()];
  for (const s of ordered) {
    const v = sections[s]?.[name];
    if (v !== undefined) value = v;
  }
  return value;
}

/** One option as a client sees it. */
export function clientOption(sections: OptionSections, name: string): string | null {
  let value: string | null = null;
  for (const s of CLIENT_SECTIONS) {
    const v = sections[s]?.[name];
    if (v !== undefined) value = v;
  }
  return value;
}
