/**
 * Secret redaction for logs, events, errors and output: registered values
 * plus built-in patterns (passwords in URLs, env files, command lines,
 * HTTP headers, PEM keys, wp-config.php). The key is kept, the value becomes
 * `***`.
 */
import type { SecretSink } from './contract/plugin.js';

/** What a secret is replaced with. */
export const REDACTED = '***';

/** Values shorter than this are not registered: masking "a" everywhere would destroy the text. */
const MIN_SECRET_LENGTH = 4;

// Names whose value is a secret. Matched as a suffix of a longer key: DB_PASSWORD, db.password, mysql-pass.
const SECRET_WORDS = String.raw`pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key|auth[_-]?key|app[_-]?key|(?:encryption|signing|master|session)[_-]?key|salt|credentials?`;
// SECRET_KEY, TOKEN_KEY: a secret word followed by "key" is still a secret.
const KEY = String.raw`[A-Za-z0-9_.-]*(?:${SECRET_WORDS})(?:[_.-]?key)?`;
// An unquoted value ends at whitespace, a quote, or a separator of query strings and lists.
const BARE_VALUE = String.raw`[^\s'"&;,<>)}\]]+`;

interface Rule {
  re: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

// Every rule is anchored so that a long run of similar characters cannot make it backtrack quadratically.
const RULES: Rule[] = [
  // -----BEGIN RSA PRIVATE KEY----- ... -----END RSA PRIVATE KEY----- (or a block cut short by a log).
  {
    re: /(-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----)[\s\S]*?(-----END \2PRIVATE KEY\3-----|$)/g,
    replace: (_m, begin, _kind, _block, end) => `${begin}\n${REDACTED}\n${end}`.trimEnd(),
  },
  // scheme://user:PASS@host, redis://:PASS@host
  {
    // Greedy up to the last "@" before the host, for passwords with an unencoded "@".
    re: /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s/"'<>]+)(@)/gi,
    replace: (_m, before, _value, at) => `${before}${REDACTED}${at}`,
  },
  // define( 'DB_PASSWORD', 'PASS' ); AUTH_KEY, SECURE_AUTH_SALT, ...
  {
    re: /(define\s*\(\s*(['"])[A-Z0-9_]*(?:PASSWORD|KEY|SALT|SECRET|TOKEN)[A-Z0-9_]*\2\s*,\s*)(['"])((?:\\.|(?!\3)[^\\])*)\3/g,
    replace: (_m, before, _q, quote) => `${before}${quote}${REDACTED}${quote}`,
  },
  // Authorization: Bearer X / Basic X / any scheme; also a bare "Bearer X".
  {
    re: /\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(bearer|basic|digest|token|negotiate|apikey)\s+)?([^\s"',]+)/gi,
    replace: (_m, before, scheme: string | undefined, _value) => `${before}${scheme ? `${scheme} ` : ''}${REDACTED}`,
  },
  { re: /\b(Bearer\s+)(?!\*\*\*)([A-Za-z0-9._~+/=-]{8,})/g, replace: (_m, before) => `${before}${REDACTED}` },
  // --password=PASS, --password PASS, --db-pass 'PASS'
  {
    re: new RegExp(String.raw`(?<![\w-])(--[\w-]*(?:${SECRET_WORDS})(?:=|\s+))(?!-)('[^']*'|"[^"]*"|[^\s'"]+)`, 'gi'),
    replace: (_m, before, value: string) => `${before}${quoteLike(value)}`,
  },
  // mysql -pPASS (only after a MySQL client name: "-p" means other things elsewhere)
  {
    re: /(\b(?:mysql|mysqldump|mysqladmin|mysqlcheck|mysqlimport|mysqlpump|mariadb(?:-[a-z]+)?)\b[^\n]{0,1000}?\s-p)('[^']*'|"[^"]*"|[^\s'"]+)/g,
    replace: (_m, before, value: string) => `${before}${quoteLike(value)}`,
  },
  // KEY=VALUE, KEY: VALUE, "key": "value", 'key' => 'value', ?password=x&..., DB_PASSWORD='x y'
  {
    re: new RegExp(String.raw`(?<![A-Za-z0-9_.-])(${KEY})(["']?)(\s*(?:=>|[=:])\s*)('[^'\n]*'|"(?:\\.|[^"\\\n])*"|${BARE_VALUE})`, 'gi'),
    replace: (m, key: string, keyQuote: string, sep: string, value: string) => {
      if (keepValue(key, value)) return m;
      return `${key}${keyQuote}${sep}${quoteLike(value)}`;
    },
  },
  // Token formats recognisable on their own.
  {
    re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|sk-[A-Za-z0-9_-]{20,}|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+)\b/g,
    replace: () => REDACTED,
  },
];

// Keys of structured data whose string values are secrets (compared without case, "_" and "-").
const SECRET_KEY_RE = /password|passwd|passphrase|secret|token|apikey|authorization|privatekey|accesskey|credential|cookie|^pwd$|^pass$/;

/**
 * Masks secrets in text and data. Register the values you know (passwords
 * read from config, API tokens) with {@link Redactor.add}; well-known shapes
 * are masked without registration.
 *
 * @example
 * const r = new Redactor();
 * r.add(dbPassword);
 * logger.info(r.redact(`mysql -u wp -p${dbPassword} wordpress`)); // "mysql -u wp -p*** wordpress"
 */
export class Redactor implements SecretSink {
  #values: string[] = [];
  #matcher: RegExp | null = null;

  /** Register a secret. Empty values and values under 4 characters are ignored. */
  add(value: string | null | undefined): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
    const variants = new Set([value, value.trim()]);
    // The same secret as it appears inside a URL.
    try {
      variants.add(encodeURIComponent(value));
    } catch {
      // lone surrogate: no URL form
    }
    let changed = false;
    for (const v of variants) {
      if (v.length >= MIN_SECRET_LENGTH && !this.#values.includes(v)) {
        this.#values.push(v);
        changed = true;
      }
    }
    if (!changed) return;
    // Longest first, so a secret containing another is masked whole.
    this.#values.sort((a, b) => b.length - a.length);
    this.#matcher = new RegExp(this.#values.map(escapeRegExp).join('|'), 'g');
  }

  /** How many distinct values are registered (URL-encoded forms included). */
  get size(): number {
    return this.#values.length;
  }

  /** `text` with every registered value and every built-in pattern replaced by `***`. */
  redact(text: string): string {
    let out = this.#matcher ? text.replace(this.#matcher, REDACTED) : text;
    for (const rule of RULES) out = out.replace(rule.re, rule.replace as (m: string, ...g: unknown[]) => string);
    return out;
  }

  /**
   * A redacted copy of `value`: strings are redacted, objects and arrays are
   * walked (cycles are kept as cycles in the copy), string values of keys
   * named like secrets (`password`, `apiKey`, `Authorization`,
   * `private_key`, ...) become `***`, and secret values found that way are
   * also masked wherever else they appear in `value`. Errors keep their class
   * and redacted `message`/`stack`.
   */
  redactDeep<T>(value: T): T {
    const found: string[] = [];
    collectKeyedSecrets(value, found, new WeakSet());
    if (found.length === 0) return this.#copy(value, new WeakMap()) as T;
    const widened = new Redactor();
    for (const v of this.#values) widened.add(v);
    for (const v of found) widened.add(v);
    return widened.#copy(value, new WeakMap()) as T;
  }

  #copy(value: unknown, seen: WeakMap<object, unknown>): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (typeof value !== 'object' || value === null) return value;
    const done = seen.get(value);
    if (done !== undefined) return done;

    if (Array.isArray(value)) {
      const out: unknown[] = [];
      seen.set(value, out);
      const argv = value.every((v) => typeof v === 'string') ? maskArgv(value as string[]) : value;
      for (const item of argv) out.push(this.#copy(item, seen));
      return out;
    }
    if (value instanceof Date) return new Date(value.getTime());
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof RegExp) return value;
    if (value instanceof Map) {
      const out = new Map<unknown, unknown>();
      seen.set(value, out);
      for (const [k, v] of value) out.set(k, isSecretKey(k) && typeof v === 'string' ? maskString(v) : this.#copy(v, seen));
      return out;
    }
    if (value instanceof Set) {
      const out = new Set<unknown>();
      seen.set(value, out);
      for (const v of value) out.add(this.#copy(v, seen));
      return out;
    }

    const out = Object.create(Object.getPrototypeOf(value) as object | null) as Record<PropertyKey, unknown>;
    seen.set(value, out);
    // Errors keep message and stack as own non-enumerable properties.
    const keys = Reflect.ownKeys(value).filter((k) => value instanceof Error || Object.prototype.propertyIsEnumerable.call(value, k));
    for (const key of keys) {
      const desc = Object.getOwnPropertyDescriptor(value, key);
      if (!desc || !('value' in desc)) continue;
      const v: unknown = desc.value;
      const copied = isSecretKey(key) && typeof v === 'string' ? maskString(v) : this.#copy(v, seen);
      Object.defineProperty(out, key, { ...desc, value: copied });
    }
    if (value instanceof Error && 'cause' in value && !keys.includes('cause')) out.cause = this.#copy(value.cause, seen);
    return out;
  }
}

function collectKeyedSecrets(value: unknown, found: string[], seen: WeakSet<object>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Map) {
    for (const [k, v] of value) {
      if (isSecretKey(k) && typeof v === 'string') found.push(v);
      else collectKeyedSecrets(v, found, seen);
    }
    return;
  }
  if (ArrayBuffer.isView(value) || value instanceof Date || value instanceof RegExp) return;
  const entries = Array.isArray(value) || value instanceof Set ? [...value].map((v) => ['', v] as const) : Object.entries(value);
  for (const [k, v] of entries) {
    if (isSecretKey(k) && typeof v === 'string') found.push(v);
    else collectKeyedSecrets(v, found, seen);
  }
}

/** In an argv array, the value after `--password` / `-p` (MySQL) is a separate element. */
function maskArgv(argv: string[]): string[] {
  const mysql = /(?:^|\/)(?:mysql\w*|mariadb(?:-[a-z]+)?)$/.test(argv[0] ?? '');
  return argv.map((arg, i) => {
    const prev = i > 0 ? argv[i - 1]! : '';
    if (/^--[\w-]*(?:password|passwd|pass|secret|token|api-?key|passphrase)$/i.test(prev) && !arg.startsWith('-')) return maskString(arg);
    if (mysql && /^-p.+/.test(arg)) return `-p${REDACTED}`;
    return arg;
  });
}

function isSecretKey(key: unknown): boolean {
  return typeof key === 'string' && SECRET_KEY_RE.test(key.toLowerCase().replace(/[_-]/g, ''));
}

function maskString(v: string): string {
  // An empty value says "not set", which is worth keeping and hides nothing.
  return v === '' ? v : REDACTED;
}

/** `***`, inside the same quotes as the value had. */
function quoteLike(value: string): string {
  const q = value[0];
  if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) return `${q}${REDACTED}${q}`;
  return REDACTED;
}

/** MySQL's "(using password: YES)" and a shell's PWD=/path are not secrets. */
function keepValue(key: string, value: string): boolean {
  if (value === REDACTED || value === `'${REDACTED}'` || value === `"${REDACTED}"`) return true;
  if (/^pass(?:word)?$/i.test(key) && (value === 'YES' || value === 'NO')) return true;
  if (/^pwd$/i.test(key) && value.startsWith('/')) return true;
  return false;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
