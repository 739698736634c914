/**
 * PHP's `serialize()` format, as WordPress stores options: a parser that
 * returns what `json_decode(json_encode(unserialize($s, ['allowed_classes' => false])), true)`
 * would (lists as arrays, other arrays as objects, objects as
 * `{ __PHP_Incomplete_Class_Name, ...public properties }`), and a serializer
 * for JSON-like values. String lengths are in bytes.
 */

/** What the parser returns for an object: PHP's incomplete class, public properties only. */
export const INCOMPLETE_CLASS_KEY = '__PHP_Incomplete_Class_Name';

/** A serialized value could not be read; `maybeUnserialize` turns this into `false`, like PHP. */
export class PhpSerializeError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = 'PhpSerializeError';
  }
}

const decoder = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/** Parse a complete serialized value (text or bytes). Throws {@link PhpSerializeError}. */
export function phpUnserialize(input: string | Uint8Array): unknown {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  const parser = new Parser(bytes);
  const value = parser.value();
  if (parser.pos !== bytes.length) throw new PhpSerializeError('Trailing data', parser.pos);
  return value;
}

/**
 * WordPress's `is_serialized()` (strict by default): does this text look like
 * a serialized value? Decides whether an option is unserialized on read.
 */
export function isSerialized(data: string, strict = true): boolean {
  const d = phpTrim(data);
  if (d === 'N;') return true;
  if (d.length < 4 || d[1] !== ':') return false;
  if (strict) {
    const last = d[d.length - 1];
    if (last !== ';' && last !== '}') return false;
  } else {
    const semicolon = d.indexOf(';');
    const brace = d.indexOf('}');
    if (semicolon === -1 && brace === -1) return false;
    if (semicolon !== -1 && semicolon < 3) return false;
    if (brace !== -1 && brace < 4) return false;
  }
  const token = d[0]!;
  switch (token) {
    case 's':
      if (strict ? d[d.length - 2] !== '"' : !d.includes('"')) return false;
      return /^s:[0-9]+:/.test(d);
    case 'a':
    case 'O':
    case 'E':
      return new RegExp(`^${token}:[0-9]+:`).test(d);
    case 'b':
    case 'i':
    case 'd':
      return new RegExp(`^${token}:[0-9.E+-]+;${strict ? '$' : ''}`).test(d);
    default:
      return false;
  }
}

/**
 * WordPress's `maybe_unserialize()` on raw option bytes: unserialized when
 * `is_serialized()`, `false` when that fails (as PHP's `@unserialize`), else
 * the text itself.
 */
export function maybeUnserialize(raw: Uint8Array | string): unknown {
  const text = typeof raw === 'string' ? raw : decoder.decode(raw);
  if (!isSerialized(text)) return text;
  try {
    // Trim like WordPress (ASCII whitespace only, which never splits a multi-byte character).
    const bytes = typeof raw === 'string' ? encoder.encode(raw) : raw;
    let start = 0;
    let end = bytes.length;
    while (start < end && isSpace(bytes[start]!)) start++;
    while (end > start && isSpace(bytes[end - 1]!)) end--;
    return phpUnserialize(bytes.subarray(start, end));
  } catch (e) {
    if (e instanceof PhpSerializeError) return false;
    throw e;
  }
}

/** PHP `serialize()` of a JSON-like value, keyed like `json_decode($json, true)` would make it. */
export function phpSerialize(value: unknown): string {
  if (value === null || value === undefined) return 'N;';
  if (typeof value === 'boolean') return `b:${value ? 1 : 0};`;
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? `i:${value};` : `d:${formatPhpFloat(value, 'serialize')};`;
  if (typeof value === 'bigint') return `i:${value};`;
  if (typeof value === 'string') return `s:${encoder.encode(value).length}:"${value}";`;
  if (Array.isArray(value)) return `a:${value.length}:{${value.map((v, i) => `i:${i};${phpSerialize(v)}`).join('')}}`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `a:${entries.length}:{${entries.map(([k, v]) => `${serializeKey(k)}${phpSerialize(v)}`).join('')}}`;
  }
  throw new TypeError(`Cannot serialize a ${typeof value} for PHP.`);
}

/**
 * WordPress's `maybe_serialize()`: arrays and objects serialized, a string
 * that already looks serialized serialized again, scalars as PHP would turn
 * them into text (`true` -> `'1'`, `false`/`null` -> `''`).
 */
export function maybeSerialize(value: unknown): string {
  if (value !== null && typeof value === 'object') return phpSerialize(value);
  if (typeof value === 'string') return isSerialized(value, false) ? phpSerialize(value) : value;
  if (value === true) return '1';
  if (value === false || value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : formatPhpFloat(value, 'string');
  return String(value);
}

/**
 * A float as PHP writes it: `serialize` (shortest round-trip digits,
 * scientific from 1e17) or `string` (a `(string)` cast: 14 significant
 * digits, scientific from 1e14). Both switch to scientific below 1e-4.
 */
export function formatPhpFloat(x: number, mode: 'serialize' | 'string'): string {
  if (Number.isNaN(x)) return 'NAN';
  if (!Number.isFinite(x)) return x > 0 ? 'INF' : '-INF';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const precision = mode === 'serialize' ? 17 : 14;
  const [mant, expText] = (mode === 'serialize' ? x.toExponential() : x.toExponential(13)).split('e') as [string, string];
  const negative = mant.startsWith('-');
  let digits = mant.replace(/^-/, '').replace('.', '');
  digits = digits.replace(/0+$/, '') || '0';
  const exp = Number(expText);
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= precision) {
    return `${sign}${digits[0]}.${digits.slice(1) || '0'}E${exp < 0 ? '-' : '+'}${Math.abs(exp)}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

function serializeKey(key: string): string {
  return isIntegerKey(key) ? `i:${key};` : phpSerialize(key);
}

/** PHP turns `"5"` and `"-3"` (but not `"05"`, `"1.5"`, `"-0"`) into integer array keys. */
function isIntegerKey(key: string): boolean {
  return /^(0|-?[1-9][0-9]*)$/.test(key) && Number.isSafeInteger(Number(key));
}

/** PHP's trim(): spaces, tabs, line breaks, NUL and vertical tab only. */
function phpTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s.charCodeAt(start))) start++;
  while (end > start && isSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x00;
}

class Parser {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  value(): unknown {
    const type = this.byte();
    if (type === 'N') {
      this.expect(';');
      return null;
    }
    this.expect(':');
    switch (type) {
      case 'b': {
        const v = this.until(';');
        if (v !== '0' && v !== '1') throw this.fail('Bad boolean');
        return v === '1';
      }
      case 'i': {
        const v = this.until(';');
        if (!/^[+-]?\d+$/.test(v)) throw this.fail('Bad integer');
        return Number(v);
      }
      case 'd': {
        const v = this.until(';');
        if (v === 'NAN') return NaN;
        if (v === 'INF') return Infinity;
        if (v === '-INF') return -Infinity;
        if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) throw this.fail('Bad float');
        return Number(v);
      }
      case 's':
        return this.string();
      case 'a': {
        const count = this.count();
        this.expect('{');
        const entries: Array<[string | number, unknown]> = [];
        for (let i = 0; i < count; i++) {
          const key = this.key();
          entries.push([key, this.value()]);
        }
        this.expect('}');
        return toJsonShape(entries);
      }
      case 'O': {
        const className = this.className();
        const count = this.count();
        this.expect('{');
        const out: Record<string, unknown> = { [INCOMPLETE_CLASS_KEY]: className };
        for (let i = 0; i < count; i++) {
          const key = String(this.key());
          const v = this.value();
          // Protected and private properties ("\0*\0name", "\0Class\0name") are not public: json_encode leaves them out.
          if (!key.startsWith('\0')) out[key] = v;
        }
        this.expect('}');
        return out;
      }
      case 'C': {
        // Custom serialization (Serializable): only the class can read the payload.
        const className = this.className();
        const length = this.count();
        this.expect('{');
        this.pos += length;
        if (this.pos > this.bytes.length) throw this.fail('Truncated object');
        this.expect('}');
        return { [INCOMPLETE_CLASS_KEY]: className };
      }
      default:
        throw this.fail(`Unsupported type ${JSON.stringify(type)}`);
    }
  }

  private string(): string {
    const length = this.count();
    this.expect('"');
    const end = this.pos + length;
    if (end > this.bytes.length) throw this.fail('String runs past the end');
    const text = decoder.decode(this.bytes.subarray(this.pos, end));
    this.pos = end;
    this.expect('"');
    this.expect(';');
    return text;
  }

  private key(): string | number {
    const type = this.byte();
    this.expect(':');
    if (type === 'i') {
      const v = this.until(';');
      if (!/^[+-]?\d+$/.test(v)) throw this.fail('Bad integer key');
      return Number(v);
    }
    if (type === 's') {
      const k = this.string();
      return isIntegerKey(k) ? Number(k) : k;
    }
    throw this.fail('Bad array key');
  }

  private className(): string {
    const length = this.count();
    this.expect('"');
    const name = decoder.decode(this.bytes.subarray(this.pos, this.pos + length));
    this.pos += length;
    this.expect('"');
    this.expect(':');
    return name;
  }

  /** `N:` (a length or element count). */
  private count(): number {
    const v = this.until(':');
    if (!/^\d+$/.test(v)) throw this.fail('Bad length');
    return Number(v);
  }

  private byte(): string {
    if (this.pos >= this.bytes.length) throw this.fail('Unexpected end');
    return String.fromCharCode(this.bytes[this.pos++]!);
  }

  private expect(c: string): void {
    if (this.byte() !== c) throw this.fail(`Expected ${JSON.stringify(c)}`, this.pos - 1);
  }

  private until(stop: string): string {
    const code = stop.charCodeAt(0);
    const end = this.bytes.indexOf(code, this.pos);
    if (end === -1 || end - this.pos > 400) throw this.fail(`Expected ${JSON.stringify(stop)}`);
    const text = decoder.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }

  private fail(message: string, at = this.pos): PhpSerializeError {
    return new PhpSerializeError(message, at);
  }
}

/** A PHP array as json_encode shows it: a list when its keys are 0..n-1 in order, else an object. */
function toJsonShape(entries: Array<[string | number, unknown]>): unknown {
  if (entries.every(([k], i) => k === i)) return entries.map(([, v]) => v);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) out[String(k)] = v;
  return out;
}
