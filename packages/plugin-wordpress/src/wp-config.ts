/**
 * Read `wp-config.php` without executing it: its `define()` calls, top-level
 * `const` declarations, `$table_prefix` and the files it requires.
 */
import { posix } from 'node:path';
import { tokenizePhp, type PhpToken } from './php/tokens.js';

/** A constant's value as parsed: null when it is `null` or cannot be known without running PHP. */
export type WpConfigValue = string | number | boolean | null;

export interface WpConfig {
  /** Every constant defined, by name. The first definition wins, as in PHP. */
  constants: Record<string, WpConfigValue>;
  /** `$table_prefix`, or null when absent or not a plain string. */
  tablePrefix: string | null;
  /** What `require`/`include` statements load: the path when it is known, else the expression as written. */
  requires: string[];
}

export interface ParseWpConfigOptions {
  /** The folder of `wp-config.php`: lets `__DIR__` and `dirname(__FILE__)` resolve. */
  dir?: string;
  /** Constants known before the file runs (e.g. `ABSPATH`), used when values refer to them. */
  predefined?: Record<string, WpConfigValue>;
}

interface Scope {
  kind: 'block' | 'function' | 'class';
  /** The `if` condition guarding this block, as tokens. */
  guard: PhpToken[] | null;
}

/**
 * Parse `wp-config.php` text. Values are literals (both quote styles, escapes,
 * numbers, `true`/`false`/`null`), concatenations of them, and references to
 * `__DIR__`, `dirname(__FILE__)` and constants defined earlier; anything else
 * (function calls, `getenv()`, variables) is null. Commented-out code, code
 * inside function and class bodies, and defines whose name is not a literal
 * are ignored.
 *
 * @example
 * parseWpConfig("<?php define( 'DB_NAME', 'shop' ); $table_prefix = 'wp_';")
 * // { constants: { DB_NAME: 'shop' }, tablePrefix: 'wp_', requires: [] }
 */
export function parseWpConfig(text: string, options: ParseWpConfigOptions = {}): WpConfig {
  const tokens = tokenizePhp(text);
  const constants: Record<string, WpConfigValue> = {};
  const requires: string[] = [];
  let prefix = null as { value: string | null; guarded: boolean } | null;
  const scopes: Scope[] = [];
  let pending: Scope['kind'] | null = null;
  let pendingGuard: PhpToken[] | null = null;
  // A guard for a braceless `if (...) statement;`: it ends at the next `;` at this depth.
  let inlineGuard: { tokens: PhpToken[]; depth: number } | null = null;
  let parenDepth = 0;

  const inCode = (): boolean => !scopes.some((s) => s.kind !== 'block');
  const guards = (): PhpToken[][] => [...scopes.map((s) => s.guard), inlineGuard?.tokens ?? null].filter((g): g is PhpToken[] => g !== null);
  const env: EvalEnv = { constants, ...(options.dir ? { dir: options.dir } : {}), predefined: options.predefined ?? {} };
  const definitions = new Map<string, Array<{ value: WpConfigValue; conditional: boolean }>>();
  // The first definition wins, as in PHP; `if ( ! defined( 'X' ) )` guards do not make it conditional.
  const record = (name: string, value: WpConfigValue): void => {
    const conditional = guards().some((g) => !g.some((x) => x.type === 'string' && x.value === name));
    const list = definitions.get(name) ?? [];
    list.push({ value, conditional });
    definitions.set(name, list);
    if (!(name in constants)) constants[name] = value;
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1];
    const afterAccess = prev?.type === 'punct' && (prev.value === '->' || prev.value === '::' || prev.value === '?->');

    if (t.type === 'punct') {
      if (t.value === '(') parenDepth++;
      else if (t.value === ')') parenDepth = Math.max(0, parenDepth - 1);
      else if (t.value === '{') {
        scopes.push({ kind: pending ?? 'block', guard: pendingGuard });
        pending = null;
        pendingGuard = null;
      } else if (t.value === '}') scopes.pop();
      else if (t.value === ';' && parenDepth === 0) {
        if (inlineGuard && inlineGuard.depth === scopes.length) inlineGuard = null;
        pending = null;
      }
      continue;
    }
    if (t.type === 'ident' && !afterAccess) {
      const word = t.value.toLowerCase();
      if (word === 'function' || word === 'fn') pending = 'function';
      else if (word === 'class' || word === 'interface' || word === 'trait' || (word === 'enum' && tokens[i + 1]?.type === 'ident')) pending = 'class';
      else if (word === 'if' || word === 'elseif' || word === 'else') {
        const close = word === 'else' ? i : matchingParen(tokens, i + 1);
        if (close !== -1) {
          // An `else` has no condition of its own: an empty guard still marks it conditional.
          const condition = word === 'else' ? [] : tokens.slice(i + 2, close);
          if (tokens[close + 1]?.value === '{') pendingGuard = condition;
          else if (tokens[close + 1]?.value !== ':' && tokens[close + 1]?.value !== 'if') inlineGuard = { tokens: condition, depth: scopes.length };
          i = close;
        }
      } else if (word === 'define' && tokens[i + 1]?.value === '(' && inCode() && prev?.value !== 'function') {
        const close = matchingParen(tokens, i + 1);
        if (close === -1) continue;
        const args = splitArgs(tokens.slice(i + 2, close));
        const name = args[0] ? evaluate(args[0], env) : null;
        if (typeof name === 'string' && args[1]) record(name, evaluate(args[1], env));
        i = close;
      } else if (word === 'const' && inCode() && tokens[i + 1]?.type === 'ident' && tokens[i + 2]?.value === '=') {
        const end = statementEnd(tokens, i + 3);
        record(String(tokens[i + 1]!.value), evaluate(tokens.slice(i + 3, end), env));
        i = end - 1;
      } else if (/^(require|include)(_once)?$/.test(word) && inCode()) {
        const end = statementEnd(tokens, i + 1);
        const expr = tokens.slice(i + 1, end);
        if (expr.length > 0) {
          const value = evaluate(expr, env);
          requires.push(typeof value === 'string' ? value : text.slice(expr[0]!.start, expr[expr.length - 1]!.end));
        }
        i = end - 1;
      }
      continue;
    }
    if (t.type === 'variable' && t.value === 'table_prefix' && inCode() && !afterAccess) {
      const op = tokens[i + 1];
      if (op?.value !== '=' && op?.value !== '.=') continue;
      const end = statementEnd(tokens, i + 2);
      const rhs = evaluate(tokens.slice(i + 2, end), env);
      const value = typeof rhs === 'string' ? rhs : null;
      // `if ( ! isset( $table_prefix ) ) $table_prefix = 'wp_';` only sets a default.
      const guarded = guards().some((g) => g.some((x) => x.type === 'variable' && x.value === 'table_prefix'));
      if (op.value === '.=') prefix = { value: prefix?.value != null && value !== null ? prefix.value + value : null, guarded: false };
      else if (!guarded || prefix === null) prefix = { value, guarded };
      i = end - 1;
    }
  }
  // Different values in branches of an `if`: which one applies is not known without running it.
  for (const [name, list] of definitions) {
    if (list.some((d) => d.conditional) && new Set(list.map((d) => d.value)).size > 1) constants[name] = null;
  }
  return { constants, tablePrefix: prefix?.value ?? null, requires };
}

/** Index of the `)` closing the `(` at `open`, or -1. */
function matchingParen(tokens: PhpToken[], open: number): number {
  if (tokens[open]?.value !== '(') return -1;
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const v = tokens[i]!;
    if (v.type !== 'punct') continue;
    if (v.value === '(' || v.value === '[' || v.value === '{') depth++;
    else if (v.value === ')' || v.value === ']' || v.value === '}') {
      depth--;
      if (depth === 0) return v.value === ')' ? i : -1;
    }
  }
  return -1;
}

/** Index of the `;` ending the statement that starts at `from` (or the end of the tokens). */
function statementEnd(tokens: PhpToken[], from: number): number {
  let depth = 0;
  for (let i = from; i < tokens.length; i++) {
    const v = tokens[i]!;
    if (v.type !== 'punct') continue;
    if (v.value === '(' || v.value === '[' || v.value === '{') depth++;
    else if (v.value === ')' || v.value === ']' || v.value === '}') {
      if (depth === 0) return i;
      depth--;
    } else if (v.value === ';' && depth === 0) return i;
  }
  return tokens.length;
}

/** Split call arguments at top-level commas. */
function splitArgs(tokens: PhpToken[]): PhpToken[][] {
  const args: PhpToken[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.type === 'punct') {
      if (t.value === '(' || t.value === '[' || t.value === '{') depth++;
      else if (t.value === ')' || t.value === ']' || t.value === '}') depth--;
      else if (t.value === ',' && depth === 0) {
        args.push([]);
        continue;
      }
    }
    args[args.length - 1]!.push(t);
  }
  return args.filter((a) => a.length > 0);
}

interface EvalEnv {
  constants: Record<string, WpConfigValue>;
  predefined: Record<string, WpConfigValue>;
  dir?: string;
}

/** The value of a constant expression, or null when it is not one we can know. */
function evaluate(tokens: PhpToken[], env: EvalEnv): WpConfigValue {
  let expr = tokens;
  while (expr.length >= 2 && expr[0]!.value === '(' && matchingParen(expr, 0) === expr.length - 1) expr = expr.slice(1, -1);
  if (expr.length === 0) return null;

  const parts = splitTopLevel(expr, '.');
  if (parts.length > 1) {
    let out = '';
    for (const part of parts) {
      const v = evaluate(part, env);
      if (typeof v === 'string') out += v;
      else if (typeof v === 'number') out += String(v);
      else return null;
    }
    return out;
  }

  const [first, second] = expr;
  if (expr.length === 1 && first) {
    if (first.type === 'string' || first.type === 'number') return first.value;
    if (first.type === 'ident') return identValue(first.value, env);
    return null;
  }
  if (expr.length === 2 && first?.type === 'punct' && second?.type === 'number') {
    if (first.value === '-') return -second.value;
    if (first.value === '+') return second.value;
  }
  // A leading `\` (fully qualified name) changes nothing here.
  if (first?.type === 'punct' && first.value === '\\') return evaluate(expr.slice(1), env);
  if (first?.type === 'ident' && first.value.toLowerCase() === 'dirname' && second?.value === '(' && matchingParen(expr, 1) === expr.length - 1) {
    const args = splitArgs(expr.slice(2, -1));
    const path = args[0] && args[0].length === 1 && args[0][0]!.type === 'ident' && args[0][0]!.value === '__FILE__' && env.dir ? `${env.dir}/wp-config.php` : args[0] ? evaluate(args[0], env) : null;
    const levels = args[1] ? evaluate(args[1], env) : 1;
    if (typeof path !== 'string' || typeof levels !== 'number' || levels < 1) return null;
    let out = path;
    for (let k = 0; k < levels; k++) out = posix.dirname(out);
    return out;
  }
  return null;
}

function identValue(name: string, env: EvalEnv): WpConfigValue {
  const lower = name.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (name === '__DIR__') return env.dir ?? null;
  if (name === '__FILE__') return env.dir ? `${env.dir}/wp-config.php` : null;
  if (name in env.constants) return env.constants[name] ?? null;
  return env.predefined[name] ?? null;
}

/** Split at top-level occurrences of one operator. */
function splitTopLevel(tokens: PhpToken[], op: string): PhpToken[][] {
  const parts: PhpToken[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.type === 'punct') {
      if (t.value === '(' || t.value === '[' || t.value === '{') depth++;
      else if (t.value === ')' || t.value === ']' || t.value === '}') depth--;
      else if (t.value === op && depth === 0) {
        parts.push([]);
        continue;
      }
    }
    parts[parts.length - 1]!.push(t);
  }
  return parts;
}
