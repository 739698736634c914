/**
 * Laravel's `.env`: parsed the way vlucas/phpdotenv reads it (quotes,
 * `export`, comments, `${NAME}` references), and its secret values
 * registered with the run's redactor as soon as they are read.
 */
import { posix } from 'node:path';
import type { CheckContext } from '@healer/core';

/** Names whose values are secrets: never printed, registered with `ctx.secrets`. */
export const SECRET_NAME = /(^APP_KEY$|PASSWORD|SECRET|_KEY$|TOKEN|PRIVATE|CREDENTIALS)/;

/** Names and values in a `.env` text. Later lines win, as in phpdotenv. */
export function parseDotenv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(raw);
    if (!m) continue;
    let value = m[2]!;
    const q = value[0];
    if ((q === '"' || q === "'") && value.indexOf(q, 1) > 0) {
      value = value.slice(1, value.indexOf(q, 1));
      if (q === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, '').trim();
    }
    if (q !== "'") value = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_.]*)\}/g, (_, name: string) => out.get(name) ?? '');
    out.set(m[1]!, value);
  }
  return out;
}

/** What `.env` holds, for checks: its values (secrets registered), or null when there is no `.env`. */
export async function readDotenv(ctx: Pick<CheckContext, 'fs' | 'secrets'> & { app: { root: string } }): Promise<Map<string, string> | null> {
  const text = await ctx.fs.readText(posix.join(ctx.app.root, '.env'), { maxBytes: 1024 * 1024 });
  if (text === null) return null;
  const vars = parseDotenv(text);
  for (const [name, value] of vars) if (SECRET_NAME.test(name) && value.length >= 4) ctx.secrets.add(value);
  return vars;
}

/** A value as `(bool) env(...)` reads it in Laravel's config: `false`, `0`, empty and `null` are false, anything else true; null when unset. */
export function envBool(value: string | undefined): boolean | null {
  if (value === undefined) return null;
  const v = value.trim().toLowerCase();
  return !['false', '(false)', '0', '', '(empty)', 'null', '(null)'].includes(v);
}
