/**
 * Edits of `wp-config.php` as text: set a `define()` to a new literal,
 * replacing the existing definition or adding one where WordPress's own
 * sample file says to ("That's all, stop editing!", else just before
 * `require_once ABSPATH . 'wp-settings.php'`). Nothing is executed; the
 * source is read with the same tokenizer detection uses, so commented-out
 * defines and look-alikes inside strings are left alone.
 * @internal
 */
import { HealerError } from '@healer/core';
import { tokenizePhp, type PhpToken } from '../php/tokens.js';

/** A PHP literal for a constant's value: booleans and numbers as is, strings single-quoted. */
export type DefineValue = boolean | number | string;

export function phpLiteral(value: DefineValue): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new HealerError('INVALID_ARGUMENT', `Cannot write ${value} as a PHP literal.`);
    return String(value);
  }
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Where a `define('NAME', value)` call's value sits in the text. */
interface DefineSite {
  /** Offsets of the value expression (first token start to last token end). */
  valueStart: number;
  valueEnd: number;
}

/** Every `define()` of `name` whose name is a string literal, in source order. */
function findDefines(tokens: PhpToken[], name: string): DefineSite[] {
  const out: DefineSite[] = [];
  for (let i = 0; i + 4 < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type !== 'ident' || t.value.toLowerCase() !== 'define') continue;
    const prev = tokens[i - 1];
    // `->define(` or `function define(` are not PHP's define().
    if (prev && ((prev.type === 'punct' && (prev.value === '->' || prev.value === '::' || prev.value === '?->')) || (prev.type === 'ident' && prev.value.toLowerCase() === 'function'))) continue;
    if (tokens[i + 1]?.value !== '(') continue;
    const nameToken = tokens[i + 2];
    if (nameToken?.type !== 'string' || nameToken.value !== name || tokens[i + 3]?.value !== ',') continue;
    let depth = 0;
    let j = i + 4;
    for (; j < tokens.length; j++) {
      const v = tokens[j]!;
      if (v.type !== 'punct') continue;
      if (v.value === '(' || v.value === '[' || v.value === '{') depth++;
      else if (v.value === ')' || v.value === ']' || v.value === '}') {
        if (depth === 0) break;
        depth--;
      } else if (v.value === ',' && depth === 0) break;
    }
    const first = tokens[i + 4];
    const last = tokens[j - 1];
    if (!first || !last || j === i + 4 || j >= tokens.length) continue;
    out.push({ valueStart: first.start, valueEnd: last.end });
  }
  return out;
}

/** The offset of the start of the line where new defines go, or null when the file has neither marker. */
export function insertionPoint(text: string, tokens: PhpToken[] = tokenizePhp(text)): number | null {
  const stop = /^[ \t]*(?:\/\*|\/\/|#|\*).*stop editing/im.exec(text);
  if (stop) return stop.index;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type !== 'ident' || !/^(require|include)(_once)?$/i.test(t.value)) continue;
    const rest = tokens.slice(i + 1, i + 6).filter((x) => !(x.type === 'punct' && (x.value === '(' || x.value === ')')));
    const [abspath, dot, file] = rest;
    if (abspath?.type === 'ident' && abspath.value === 'ABSPATH' && dot?.value === '.' && file?.type === 'string' && file.value === 'wp-settings.php') {
      return text.lastIndexOf('\n', t.start - 1) + 1;
    }
  }
  return null;
}

/** The current literal text of a constant's first definition, or null when it is not defined. */
export function definedValueText(text: string, name: string): string | null {
  const site = findDefines(tokenizePhp(text), name)[0];
  return site ? text.slice(site.valueStart, site.valueEnd) : null;
}

/**
 * Return `text` with `name` defined as `value`: every existing definition's
 * value replaced (PHP keeps the first and warns about the rest, so all are
 * set alike), or a new `define( 'NAME', value );` line inserted before the
 * "stop editing" comment or the `wp-settings.php` require. Line endings
 * follow the file's.
 * @throws HealerError `INVALID_ARGUMENT` when the constant is absent and the file has neither marker.
 */
export function setDefine(text: string, name: string, value: DefineValue): string {
  const tokens = tokenizePhp(text);
  const literal = phpLiteral(value);
  const sites = findDefines(tokens, name);
  if (sites.length > 0) {
    let out = text;
    for (const site of [...sites].reverse()) out = out.slice(0, site.valueStart) + literal + out.slice(site.valueEnd);
    return out;
  }
  const at = insertionPoint(text, tokens);
  if (at === null) {
    throw new HealerError(
      'INVALID_ARGUMENT',
      `wp-config.php has no "stop editing" line and no require of wp-settings.php: cannot tell where to add ${name}.`,
    );
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return `${text.slice(0, at)}define( '${name}', ${literal} );${eol}${text.slice(at)}`;
}
