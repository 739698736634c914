/**
 * Strict host-key checking for the SSH transport, against an OpenSSH
 * `known_hosts` file or a pinned `SHA256:` fingerprint.
 *
 * Rules (OpenSSH's, except where marked *stricter*):
 * - the host string looked up is `host` for port 22 and `[host]:port`
 *   otherwise, lower-cased; plain patterns (`*`, `?`, `!negation`) and hashed
 *   `|1|salt|hash` entries (HMAC-SHA1 of that string) are matched against it;
 * - `@cert-authority` lines are ignored: host certificates are not used;
 * - a key listed on any `@revoked` line is refused (`HOST_KEY_REJECTED`)
 *   whatever that line's host patterns (*stricter*: OpenSSH scopes it by
 *   host), and also when a fingerprint is pinned;
 * - an entry for the host with the same key type but another key (revoked
 *   entries included) means the key changed (`HOST_KEY_CHANGED`), refused
 *   under every policy;
 * - a host known only by keys of other types is refused as unknown under
 *   every policy (*stricter*: OpenSSH's accept-new would record the new type).
 *   Recording it would let a man in the middle who offers another key type
 *   defeat trust-on-first-use. {@link knownHostKeyTypes} lets the transport
 *   offer the recorded types first, as OpenSSH does;
 * - no entry at all: `HOST_KEY_UNKNOWN`, or with `accept-new` a plain
 *   `host`/`[host]:port` line is appended and the key is trusted.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { HealerError } from '../errors.js';
import type { HostKeyPolicy } from './options.js';

/** One key line of a known_hosts file. */
export interface KnownHostEntry {
  /** 1-based line number in the text. */
  line: number;
  /** `@revoked` or `@cert-authority`; absent on an ordinary line. */
  marker?: 'revoked' | 'cert-authority';
  /** Host patterns of a plain entry, as written (`!` kept); empty for a hashed entry. */
  patterns: string[];
  /** Salt and HMAC-SHA1 of a `|1|salt|hash` entry. */
  hashed?: { salt: Buffer; hash: Buffer };
  /** Key type, e.g. `ssh-ed25519`. */
  keyType: string;
  /** The public key blob in SSH wire format. */
  key: Buffer;
  /** Anything after the key. */
  comment: string;
}

export interface VerifyHostKeyOptions {
  host: string;
  port: number;
  /** Host key blob as the server sent it (ssh2's `hostVerifier` argument). */
  key: Uint8Array;
  /** Default `~/.ssh/known_hosts`; a leading `~/` is expanded. A missing file has no entries. */
  knownHostsFile?: string;
  /** A pinned `SHA256:<base64>`: the key must have this fingerprint; known_hosts is then only read for `@revoked` lines. */
  fingerprint?: string;
  /** Default `strict`. */
  policy?: HostKeyPolicy;
}

export interface HostKeyVerification {
  /** `known`: in known_hosts; `pinned`: matches the pinned fingerprint; `added`: recorded by accept-new. */
  status: 'known' | 'pinned' | 'added';
  /** Fingerprint of the presented key. */
  fingerprint: string;
}

const REFUSED = 'The connection was refused; no command was run.';
const HOST_RE = /^[a-z0-9._%:-]{1,255}$/i;

/** `SHA256:<base64 without padding>`, as `ssh-keygen -lf` prints it. */
export function fingerprintOf(key: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of a wire-format key blob, e.g. `ssh-ed25519`. */
export function keyTypeOf(key: Uint8Array): string {
  const buf = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  const len = buf.length >= 4 ? buf.readUInt32BE(0) : -1;
  const type = len > 0 && len <= 64 && buf.length >= 4 + len ? buf.toString('latin1', 4, 4 + len) : '';
  if (!/^[\x21-\x7e]+$/.test(type)) throw new HealerError('INVALID_ARGUMENT', 'The host key is not an SSH wire-format public key.');
  return type;
}

/** Parse known_hosts text; comments, blank and malformed lines are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const entry = parseLine(raw.replace(/\r$/, ''), i + 1);
    if (entry !== null) entries.push(entry);
  });
  return entries;
}

function parseLine(raw: string, line: number): KnownHostEntry | null {
  const fields = raw.trim().split(/[ \t]+/);
  if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return null;
  let marker: KnownHostEntry['marker'];
  if (fields[0].startsWith('@')) {
    if (fields[0] === '@revoked') marker = 'revoked';
    else if (fields[0] === '@cert-authority') marker = 'cert-authority';
    else return null;
    fields.shift();
  }
  const [hosts, keyType, b64, ...rest] = fields;
  if (hosts === undefined || keyType === undefined || b64 === undefined) return null;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  const key = Buffer.from(b64, 'base64');
  try {
    if (keyTypeOf(key) !== keyType) return null;
  } catch {
    return null;
  }
  const entry: KnownHostEntry = { line, patterns: [], keyType, key, comment: rest.join(' ') };
  if (marker !== undefined) entry.marker = marker;
  if (hosts.startsWith('|')) {
    const m = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(hosts);
    if (m === null) return null;
    const salt = Buffer.from(m[1]!, 'base64');
    const hash = Buffer.from(m[2]!, 'base64');
    if (salt.length !== 20 || hash.length !== 20) return null;
    entry.hashed = { salt, hash };
  } else {
    entry.patterns = hosts.split(',').filter((p) => p !== '');
  }
  return entry;
}

/** The string known_hosts stores for a host: `host` on port 22, `[host]:port` otherwise, lower-cased. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** True when `entry` names `name` (from {@link knownHostsName}); a matching `!pattern` excludes. */
export function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  if (entry.hashed !== undefined) {
    const mac = createHmac('sha1', entry.hashed.salt).update(name).digest();
    return mac.equals(entry.hashed.hash);
  }
  let positive = false;
  for (const pattern of entry.patterns) {
    const negated = pattern.startsWith('!');
    if (!globMatches(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

function globMatches(pattern: string, name: string): boolean {
  const source = [...pattern.toLowerCase()]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(name);
}

/** The key line accept-new appends: `[host]:port type base64` (plain `host` on port 22), without newline. */
export function formatKnownHostsLine(host: string, port: number, key: Uint8Array): string {
  return `${knownHostsName(host, port)} ${keyTypeOf(key)} ${Buffer.from(key).toString('base64')}`;
}

/**
 * Key types recorded (not revoked) for a host, so the transport can offer
 * those host-key algorithms first and a known host presents a known key.
 */
export async function knownHostKeyTypes(options: { host: string; port: number; knownHostsFile?: string }): Promise<string[]> {
  const name = knownHostsName(checkHost(options.host), checkPort(options.port));
  const { entries } = await readEntries(resolveKnownHostsFile(options.knownHostsFile));
  const types = entries.filter((e) => e.marker === undefined && entryMatchesHost(e, name)).map((e) => e.keyType);
  return [...new Set(types)];
}

/** `~/.ssh/known_hosts` when `file` is undefined; a leading `~/` expanded otherwise. */
export function resolveKnownHostsFile(file: string | undefined): string {
  if (file === undefined || file === '') return join(os.homedir(), '.ssh', 'known_hosts');
  return file === '~' || file.startsWith('~/') ? join(os.homedir(), file.slice(1)) : file;
}

/**
 * Decide whether the key a server presented may be trusted; throws
 * `HOST_KEY_UNKNOWN`, `HOST_KEY_CHANGED` or `HOST_KEY_REJECTED` (with
 * `details`: host, port, fingerprint(s), file) when it may not.
 */
export async function verifyHostKey(options: VerifyHostKeyOptions): Promise<HostKeyVerification> {
  const host = checkHost(options.host);
  const port = checkPort(options.port);
  const keyType = keyTypeOf(options.key);
  const key = Buffer.from(options.key);
  const fingerprint = fingerprintOf(key);
  const file = resolveKnownHostsFile(options.knownHostsFile);
  const ctx: Ctx = { host, port, name: knownHostsName(host, port), key, keyType, fingerprint, file };

  if (options.fingerprint !== undefined) {
    const pinned = checkFingerprint(options.fingerprint);
    // The pin is the authority; the file only adds refusals, so an unreadable one is not fatal here.
    const { entries } = await readEntries(file).catch(() => ({ entries: [] as KnownHostEntry[] }));
    refuseRevoked(ctx, entries);
    if (!constantTimeEqual(pinned, fingerprint)) {
      throw new HealerError(
        'HOST_KEY_CHANGED',
        `Host key mismatch for ${ctx.name}: the pinned fingerprint is ${pinned}, but the server presented ${keyType} ${fingerprint}. ` +
          `Someone may be intercepting the connection, or the host was reinstalled. ${REFUSED}`,
        { details: { host, port, expectedFingerprint: pinned, presentedFingerprint: fingerprint, keyType, source: 'pinned' } },
      );
    }
    return { status: 'pinned', fingerprint };
  }

  if (options.policy !== 'accept-new') return check(ctx, (await readEntries(file)).entries, null);
  // Serialised per file, and the file re-read inside, so parallel connections append one line.
  return withFileLock(file, async () => {
    const { entries, text } = await readEntries(file);
    return check(ctx, entries, text);
  });
}

/** What {@link createHostVerifier} reports: ssh2 itself only says "Host denied". */
export type HostKeyOutcome = { ok: true; verification: HostKeyVerification } | { ok: false; error: unknown };

/**
 * An ssh2 `hostVerifier` (leave `hostHash` unset, so it gets the raw key)
 * that runs {@link verifyHostKey} and hands the outcome to `onOutcome` before
 * answering ssh2, so the caller can raise the coded error.
 */
export function createHostVerifier(
  options: Omit<VerifyHostKeyOptions, 'key'>,
  onOutcome: (outcome: HostKeyOutcome) => void,
): (key: Buffer, verify: (accept: boolean) => void) => void {
  return (key, verify) => {
    verifyHostKey({ ...options, key }).then(
      (verification) => {
        onOutcome({ ok: true, verification });
        verify(true);
      },
      (error: unknown) => {
        onOutcome({ ok: false, error });
        verify(false);
      },
    );
  };
}

interface Ctx {
  host: string;
  port: number;
  name: string;
  key: Buffer;
  keyType: string;
  fingerprint: string;
  file: string;
}

/** `fileText` is the file's current text under accept-new, null under strict. */
async function check(ctx: Ctx, entries: KnownHostEntry[], fileText: string | null): Promise<HostKeyVerification> {
  const { host, port, name, key, keyType, fingerprint, file } = ctx;
  refuseRevoked(ctx, entries);
  const matching = entries.filter((e) => e.marker !== 'cert-authority' && entryMatchesHost(e, name));
  if (matching.some((e) => e.marker === undefined && e.key.equals(key))) return { status: 'known', fingerprint };

  const sameType = matching.filter((e) => e.keyType === keyType);
  if (sameType.length > 0) {
    const recorded = sameType.map((e) => ({ line: e.line, fingerprint: fingerprintOf(e.key), revoked: e.marker === 'revoked' }));
    const first = recorded[0]!;
    throw new HealerError(
      'HOST_KEY_CHANGED',
      `HOST KEY CHANGED for ${name}: ${file} (line ${first.line}) records ${keyType} ${first.fingerprint}${first.revoked ? ' (revoked)' : ''}, ` +
        `but the server presented ${fingerprint}. Someone may be intercepting the connection, or the host was reinstalled. ${REFUSED} ` +
        `If the change is expected, check the new fingerprint out of band, remove the old entry (ssh-keygen -R '${name}' -f ${file}) and add the new one.`,
      { details: { host, port, file, keyType, recordedFingerprint: first.fingerprint, presentedFingerprint: fingerprint, recorded } },
    );
  }

  const otherTypes = [...new Set(matching.filter((e) => e.marker === undefined).map((e) => e.keyType))];
  if (otherTypes.length > 0) {
    throw new HealerError(
      'HOST_KEY_UNKNOWN',
      `The server ${name} presented a ${keyType} key (${fingerprint}), but ${file} only records ${otherTypes.join(', ')} keys for it; ` +
        `a new key type is not accepted automatically, even with accept-new. ${REFUSED} ` +
        `After checking the fingerprint out of band, pin it (fingerprint: '${fingerprint}') or add the key to ${file}.`,
      { details: { host, port, file, keyType, presentedFingerprint: fingerprint, knownKeyTypes: otherTypes } },
    );
  }

  if (fileText === null) {
    throw new HealerError(
      'HOST_KEY_UNKNOWN',
      `The host key of ${name} is unknown: the server presented ${keyType} ${fingerprint} and ${file} has no entry for this host. ${REFUSED} ` +
        `After checking the fingerprint out of band, either pin it (fingerprint: '${fingerprint}'), or add the key to ${file} ` +
        `(the line ssh-keyscan -p ${port} ${host} prints), or opt in to trust on first use (hostKeyPolicy: 'accept-new').`,
      { details: { host, port, file, keyType, presentedFingerprint: fingerprint } },
    );
  }

  await fsp.mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const separator = fileText.length > 0 && !fileText.endsWith('\n') ? '\n' : '';
  // One O_APPEND write of the whole line: other lines are never rewritten.
  await fsp.appendFile(file, `${separator}${formatKnownHostsLine(host, port, key)}\n`, { mode: 0o600 });
  return { status: 'added', fingerprint };
}

function refuseRevoked(ctx: Ctx, entries: KnownHostEntry[]): void {
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(ctx.key));
  if (revoked === undefined) return;
  throw new HealerError(
    'HOST_KEY_REJECTED',
    `The host key ${ctx.keyType} ${ctx.fingerprint} presented by ${ctx.name} is marked @revoked in ${ctx.file} (line ${revoked.line}). ${REFUSED}`,
    { details: { host: ctx.host, port: ctx.port, file: ctx.file, keyType: ctx.keyType, presentedFingerprint: ctx.fingerprint, line: revoked.line } },
  );
}

async function readEntries(file: string): Promise<{ entries: KnownHostEntry[]; text: string }> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], text: '' };
    throw new HealerError('HOST_KEY_UNKNOWN', `Cannot read the known_hosts file ${file}, so the host key cannot be checked: ${(e as Error).message}. ${REFUSED}`, {
      cause: e,
      details: { file },
    });
  }
  return { entries: parseKnownHosts(text), text };
}

const locks = new Map<string, Promise<unknown>>();

async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lockKey = resolve(file);
  const previous = locks.get(lockKey) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(fn);
  locks.set(lockKey, next);
  try {
    return await next;
  } finally {
    if (locks.get(lockKey) === next) locks.delete(lockKey);
  }
}

function checkHost(host: string): string {
  // Also what keeps accept-new from writing a second entry or a wildcard into the file.
  if (typeof host !== 'string' || !HOST_RE.test(host)) {
    throw new HealerError('INVALID_ARGUMENT', `Not a host name or address: ${JSON.stringify(host)}.`);
  }
  return host;
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new HealerError('INVALID_ARGUMENT', `Not a TCP port: ${String(port)}.`);
  return port;
}

function checkFingerprint(fingerprint: string): string {
  const fp = typeof fingerprint === 'string' ? fingerprint.trim().replace(/=+$/, '') : '';
  if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(fp)) {
    throw new HealerError('INVALID_ARGUMENT', `A pinned fingerprint must be SHA256:<base64> as ssh-keygen -lf prints it, not ${JSON.stringify(fingerprint)}.`);
  }
  return fp;
}

function constantTimeEqual(a: string, b: string): boolean {
  // Hashing first gives equal lengths, so the comparison time depends on neither value.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
