/**
 * A small PHP tokenizer: enough of PHP's lexical grammar to read
 * `wp-config.php` without executing it. Comments, whitespace and inline HTML
 * are dropped; strings are decoded (null when they interpolate variables).
 * @internal
 */

export type PhpToken =
  | { type: 'string'; value: string | null; start: number; end: number }
  | { type: 'number'; value: number; start: number; end: number }
  | { type: 'ident'; value: string; start: number; end: number }
  | { type: 'variable'; value: string; start: number; end: number }
  | { type: 'punct'; value: string; start: number; end: number };

// Longest first: the lexer takes the first that matches.
const PUNCTUATION = ['<=>', '===', '!==', '?->', '**=', '...', '<<=', '>>=', '??=', '->', '::', '==', '!=', '<>', '<=', '>=', '=>', '.=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '&&', '||', '??', '++', '--', '<<', '>>', '**'];
const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_CHAR = /[\w\u0080-\uffff]/;

/** Tokenize PHP source. Text outside `<?php ... ?>` is skipped; a closing tag counts as `;`, as in PHP. */
export function tokenizePhp(source: string): PhpToken[] {
  const tokens: PhpToken[] = [];
  const n = source.length;
  let i = skipInlineHtml(source, 0);

  while (i < n) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (source.startsWith('?>', i)) {
      tokens.push({ type: 'punct', value: ';', start: i, end: i + 2 });
      i = skipInlineHtml(source, i + 2);
      continue;
    }
    // `#[` starts a PHP 8 attribute, not a comment.
    if ((c === '#' && source[i + 1] !== '[') || (c === '/' && source[i + 1] === '/')) {
      i = skipLineComment(source, i);
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      i = close === -1 ? n : close + 2;
      continue;
    }
    if (c === "'") {
      const end = findQuoteEnd(source, i, "'");
      tokens.push({ type: 'string', value: decodeSingleQuoted(source.slice(i + 1, end)), start: i, end: Math.min(end + 1, n) });
      i = end + 1;
      continue;
    }
    if (c === '"' || c === '`') {
      const end = findQuoteEnd(source, i, c);
      // Backticks run a shell command: never a known value.
      const value = c === '"' ? decodeDoubleQuoted(source.slice(i + 1, end)) : null;
      tokens.push({ type: 'string', value, start: i, end: Math.min(end + 1, n) });
      i = end + 1;
      continue;
    }
    if (source.startsWith('<<<', i)) {
      const doc = readHeredoc(source, i);
      if (doc) {
        tokens.push({ type: 'string', value: doc.value, start: i, end: doc.end });
        i = doc.end;
        continue;
      }
    }
    if (c === '$' && IDENT_START.test(source[i + 1] ?? '')) {
      let j = i + 2;
      while (j < n && IDENT_CHAR.test(source[j]!)) j++;
      tokens.push({ type: 'variable', value: source.slice(i + 1, j), start: i, end: j });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const m = /^(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?|\d[\d_]*\.)/.exec(source.slice(i, i + 64));
      const text = m?.[0] ?? c;
      tokens.push({ type: 'number', value: parseNumber(text), start: i, end: i + text.length });
      i += text.length;
      continue;
    }
    if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < n && IDENT_CHAR.test(source[j]!)) j++;
      tokens.push({ type: 'ident', value: source.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    const punct = PUNCTUATION.find((p) => source.startsWith(p, i)) ?? c;
    tokens.push({ type: 'punct', value: punct, start: i, end: i + punct.length });
    i += punct.length;
  }
  return tokens;
}

/** Skip to just after the next open tag (`<?php`, `<?=`, `<?`), or to the end. */
function skipInlineHtml(source: string, from: number): number {
  const open = source.indexOf('<?', from);
  if (open === -1) return source.length;
  if (source.slice(open + 2, open + 5).toLowerCase() === 'php') return open + 5;
  if (source[open + 2] === '=') return open + 3;
  return open + 2;
}

/** A `//` or `#` comment ends at the end of the line or just before `?>`. */
function skipLineComment(source: string, from: number): number {
  let i = from;
  while (i < source.length && source[i] !== '\n' && source[i] !== '\r') {
    if (source.startsWith('?>', i)) return i;
    i++;
  }
  return i;
}

/** Index of the closing quote (or the end of the text when unterminated). */
function findQuoteEnd(source: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\\') i += 2;
    else if (c === quote) return i;
    else i++;
  }
  return source.length;
}

function decodeSingleQuoted(body: string): string {
  return body.replace(/\\([\\'])/g, '$1');
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', v: '\v', e: '\x1b', f: '\f', '\\': '\\', $: '$', '"': '"' };

/** Decode a double-quoted (or heredoc) body; null when it interpolates a variable. */
function decodeDoubleQuoted(body: string, quote = '"'): string | null {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '$' && (IDENT_START.test(body[i + 1] ?? '') || body[i + 1] === '{')) return null;
    if (c === '{' && body[i + 1] === '$') return null;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = body[i + 1] ?? '';
    if (next === '"' && quote !== '"') {
      out += '\\"';
      i++;
      continue;
    }
    if (next in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[next];
      i++;
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(body.slice(i + 1));
    if (octal) {
      out += String.fromCharCode(parseInt(octal[0], 8) & 0xff);
      i += octal[0].length;
      continue;
    }
    const hex = /^x([0-9a-fA-F]{1,2})/.exec(body.slice(i + 1));
    if (hex) {
      out += String.fromCharCode(parseInt(hex[1]!, 16));
      i += hex[0].length;
      continue;
    }
    const unicode = /^u\{([0-9a-fA-F]+)\}/.exec(body.slice(i + 1));
    if (unicode) {
      out += String.fromCodePoint(parseInt(unicode[1]!, 16));
      i += unicode[0].length;
      continue;
    }
    // An unknown escape keeps its backslash.
    out += c;
  }
  return out;
}

/** `<<<ID ... ID`, `<<<"ID"` (heredoc) and `<<<'ID'` (nowdoc), closing marker possibly indented (PHP 7.3+). */
function readHeredoc(source: string, at: number): { value: string | null; end: number } | null {
  const header = /^<<<[ \t]*(["']?)([A-Za-z_][\w]*)\1\r?\n/.exec(source.slice(at, at + 200));
  if (!header) return null;
  const nowdoc = header[1] === "'";
  const id = header[2]!;
  const bodyStart = at + header[0].length;
  const closing = new RegExp(`(^|\\n)([ \\t]*)${id}(?![\\w])`, 'g');
  closing.lastIndex = bodyStart - 1;
  const m = closing.exec(source);
  if (!m) return { value: null, end: source.length };
  const bodyEnd = m.index + (m[1] ? 1 : 0);
  const indent = m[2]!;
  const lines = source.slice(bodyStart, Math.max(bodyStart, bodyEnd - 1)).split('\n');
  const body = (bodyEnd > bodyStart ? lines : []).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join('\n');
  return { value: nowdoc ? body : decodeDoubleQuoted(body, '<<<'), end: m.index + m[0].length };
}

function parseNumber(text: string): number {
  const t = text.replace(/_/g, '');
  if (/^0[xX]/.test(t)) return parseInt(t.slice(2), 16);
  if (/^0[bB]/.test(t)) return parseInt(t.slice(2), 2);
  if (/^0[oO]/.test(t)) return parseInt(t.slice(2), 8);
  if (/^0[0-7]+$/.test(t)) return parseInt(t, 8);
  return Number(t);
}
