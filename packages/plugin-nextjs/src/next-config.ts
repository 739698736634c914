/**
 * Reading `next.config.*` as text: the file is code, and running it would
 * run whatever it imports, so only the `output` setting is looked for.
 */
import type { NextOutputMode } from './types.js';

/** Config file names Next looks for, in its order. */
export const NEXT_CONFIG_FILES = ['next.config.js', 'next.config.mjs', 'next.config.cjs', 'next.config.ts', 'next.config.mts', 'next.config.cts'];

/** The text without `//` and block comments (strings holding `//`, such as URLs, are kept). */
function stripComments(text: string): string {
  return text.replace(/("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`)|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (m, str: string | undefined) => str ?? '');
}

/** The output mode a `next.config.*` text sets: `output: 'standalone'` or `'export'`, else the default server build. */
export function parseOutputMode(text: string): NextOutputMode {
  const m = /(?:^|[\s,{])["']?output["']?\s*:\s*(["'`])(standalone|export)\1/.exec(stripComments(text));
  const mode = m?.[2];
  return mode === 'standalone' || mode === 'export' ? mode : 'default';
}
