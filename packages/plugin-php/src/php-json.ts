/**
 * JSON as PHP sees it: parsed in document order (PHP arrays keep insertion
 * order, JavaScript objects put integer-like keys first), encoded the way
 * `json_encode($value, 0)` does (slashes and non-ASCII escaped, `{}` decoded
 * to an empty array and encoded as `[]`, floats as PHP prints them). Composer's
 * `content-hash` is an md5 of such an encoding, so it must be exact.
 */

/** A JSON value in document order. */
export type PhpJson =
  | { t: 'obj'; entries: Array<[string, PhpJson]> }
  | { t: 'arr'; items: PhpJson[] }
  | { t: 'str'; v: string }
  | { t: 'num'; raw: string }
  | { t: 'lit'; v: 'true' | 'false' | 'null' };

/** Parse JSON text, keeping key order and number text. Throws `SyntaxError` on invalid JSON. */
export function parsePhpJson(text: string): PhpJson {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at offset ${i}`);
  };
  const value = (): PhpJson => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: Array<[string, PhpJson]> = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { t: 'obj', entries };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const key = string();
        ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        const v = value();
        // A repeated key keeps its first place and takes the last value, as PHP's decoder does.
        const at = entries.findIndex(([k]) => k === key);
        if (at >= 0) entries[at] = [key, v];
        else entries.push([key, v]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { t: 'obj', entries };
        }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const items: PhpJson[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { t: 'arr', items };
      }
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { t: 'arr', items };
        }
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return { t: 'str', v: string() };
    for (const lit of ['true', 'false', 'null'] as const) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return { t: 'lit', v: lit };
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail('unexpected character');
    i += m[0].length;
    return { t: 'num', raw: m[0] };
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const out = value();
  ws();
  if (i !== text.length) fail('unexpected text after the value');
  return out;
}

/** A key PHP's decoder turns into an integer key (`"0"`, `"12"`, `"-3"`). */
function isIntKey(key: string): boolean {
  return /^(?:0|-?[1-9]\d{0,17})$/.test(key);
}

/** An object whose keys are 0..n-1 in order is a list for PHP, and encodes as one. */
function isList(entries: Array<[string, PhpJson]>): boolean {
  return entries.every(([k], n) => isIntKey(k) && Number(k) === n);
}

/** `json_encode($s)`: `/` and every non-ASCII character escaped. */
function encodeString(s: string): string {
  let out = '"';
  for (let k = 0; k < s.length; k++) {
    const code = s.charCodeAt(k);
    const ch = s[k]!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '/') out += '\\/';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * PHP's float output in `json_encode` (`serialize_precision = -1`): the
 * shortest exact digits, fixed notation from 1e-4 up to 1e17, exponential
 * (`1.0e+17`, `1.5e-7`) outside, and no `.0` on whole numbers.
 */
function encodeFloat(f: number): string {
  if (!Number.isFinite(f)) return '0';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mantissa, e] = Math.abs(f).toExponential().split('e') as [string, string];
  const exp = Number(e);
  const decpt = exp + 1;
  if (decpt < -3 || decpt > 17) return `${f < 0 ? '-' : ''}${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${exp < 0 ? '-' : '+'}${Math.abs(exp)}`;
  return String(f);
}

/** A JSON number as PHP's decoder holds it (an int within 64 bits, else a float) and its encoder writes it. */
function encodeNumber(raw: string): string {
  if (!/[.eE]/.test(raw)) {
    const n = BigInt(raw);
    if (n <= 9223372036854775807n && n >= -9223372036854775808n) return n.toString();
  }
  return encodeFloat(Number(raw));
}

/** `json_encode($value, 0)` of the value `json_decode($text, true)` gives. */
export function encodePhpJson(v: PhpJson): string {
  switch (v.t) {
    case 'str':
      return encodeString(v.v);
    case 'num':
      return encodeNumber(v.raw);
    case 'lit':
      return v.v;
    case 'arr':
      return `[${v.items.map(encodePhpJson).join(',')}]`;
    case 'obj':
      if (v.entries.length === 0 || isList(v.entries)) return `[${v.entries.map(([, x]) => encodePhpJson(x)).join(',')}]`;
      return `{${v.entries.map(([k, x]) => `${encodeString(k)}:${encodePhpJson(x)}`).join(',')}}`;
  }
}

/** The entry `key` of an object, or undefined. */
export function phpJsonGet(v: PhpJson | undefined, key: string): PhpJson | undefined {
  return v?.t === 'obj' ? v.entries.find(([k]) => k === key)?.[1] : undefined;
}
