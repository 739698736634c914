import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHealerError } from '../errors.js';
import {
  entryMatchesHost,
  fingerprintOf,
  formatKnownHostsLine,
  keyTypeOf,
  knownHostKeyTypes,
  knownHostsName,
  parseKnownHosts,
  resolveKnownHostsFile,
  verifyHostKey,
  type KnownHostEntry,
} from './known-hosts.js';

const run = promisify(execFile);

interface TestKey {
  /** `type base64` from the .pub file, without comment. */
  line: string;
  type: string;
  blob: Buffer;
  pubFile: string;
}

let dir: string;
const keys: Record<'ed' | 'ed2' | 'ecdsa' | 'ecdsa384' | 'rsa', TestKey> = {} as never;

async function keygen(name: keyof typeof keys, args: string[]): Promise<void> {
  const file = join(dir, name);
  await run('ssh-keygen', ['-q', ...args, '-N', '', '-C', `test-${name}`, '-f', file]);
  const pub = (await fsp.readFile(`${file}.pub`, 'utf8')).trim();
  const [type, b64] = pub.split(' ') as [string, string];
  keys[name] = { line: `${type} ${b64}`, type, blob: Buffer.from(b64, 'base64'), pubFile: `${file}.pub` };
}

/** A fresh file in the temp folder with `lines`, each ending in a newline. */
let fileCounter = 0;
async function knownHosts(lines: string[]): Promise<string> {
  const file = join(dir, `known_hosts_${++fileCounter}`);
  await fsp.writeFile(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  const err = await p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  if (!isHealerError(err)) throw err;
  return { code: err.code, message: err.message, details: err.details ?? {} };
}

/** Whether `ssh-keygen -F name -f file` finds a line. */
async function keygenFinds(name: string, file: string): Promise<boolean> {
  try {
    await run('ssh-keygen', ['-F', name, '-f', file]);
    return true;
  } catch (e) {
    if ((e as { code?: number }).code === 1) return false;
    throw e;
  }
}

const matches = (entries: KnownHostEntry[], host: string, port: number): boolean =>
  entries.some((e) => entryMatchesHost(e, knownHostsName(host, port)));

beforeAll(async () => {
  dir = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'healer-known-hosts-')));
  await Promise.all([
    keygen('ed', ['-t', 'ed25519']),
    keygen('ed2', ['-t', 'ed25519']),
    keygen('ecdsa', ['-t', 'ecdsa', '-b', '256']),
    keygen('ecdsa384', ['-t', 'ecdsa', '-b', '384']),
    keygen('rsa', ['-t', 'rsa', '-b', '2048']),
  ]);
});

afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('fingerprintOf / keyTypeOf', () => {
  it('print what ssh-keygen -lf prints, for every key type', async () => {
    for (const key of Object.values(keys)) {
      const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', key.pubFile]);
      expect(fingerprintOf(key.blob)).toBe(stdout.split(' ')[1]);
      expect(fingerprintOf(key.blob)).not.toMatch(/=$/);
      expect(keyTypeOf(key.blob)).toBe(key.type);
    }
    expect(keys.ecdsa.type).toBe('ecdsa-sha2-nistp256');
    expect(keys.ecdsa384.type).toBe('ecdsa-sha2-nistp384');
    expect(keys.rsa.type).toBe('ssh-rsa');
  });

  it('keyTypeOf refuses what is not a wire-format key', () => {
    for (const bad of [Buffer.alloc(0), Buffer.from([0, 0, 0]), Buffer.from([0, 0, 0, 9, 0x73]), Buffer.from([0, 0, 0, 2, 0x20, 0x0a])]) {
      expect(() => keyTypeOf(bad)).toThrow(/not an SSH wire-format public key/);
    }
  });
});

describe('parseKnownHosts', () => {
  it('reads markers, patterns, hashed entries and comments, and skips blank, comment and malformed lines', () => {
    const { ed, ecdsa, rsa } = keys;
    const salt = Buffer.alloc(20, 1).toString('base64');
    const hash = Buffer.alloc(20, 2).toString('base64');
    const text = [
      '# a comment',
      '',
      `web1.example.com,10.0.0.1 ${ed.line} admin@laptop`,
      `  [db.example.com]:2222 ${ecdsa.line}\r`,
      `@revoked * ${rsa.line}`,
      `@cert-authority *.example.com ${ed.line} ca`,
      `|1|${salt}|${hash} ${ed.line}`,
      `@bogus host ${ed.line}`,
      'host-without-key ssh-ed25519',
      `bad-base64 ssh-ed25519 not*base64`,
      `type-mismatch ssh-rsa ${ed.line.split(' ')[1]}`,
      `|1|c2hvcnQ=|${hash} ${ed.line}`,
      `|2|${salt}|${hash} ${ed.line}`,
      '   # indented comment',
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => ({ ...e, key: e.key.toString('base64'), hashed: e.hashed && { salt: e.hashed.salt.toString('base64'), hash: e.hashed.hash.toString('base64') } }))).toEqual([
      { line: 3, patterns: ['web1.example.com', '10.0.0.1'], keyType: 'ssh-ed25519', key: ed.line.split(' ')[1], comment: 'admin@laptop', hashed: undefined },
      { line: 4, patterns: ['[db.example.com]:2222'], keyType: 'ecdsa-sha2-nistp256', key: ecdsa.line.split(' ')[1], comment: '', hashed: undefined },
      { line: 5, marker: 'revoked', patterns: ['*'], keyType: 'ssh-rsa', key: rsa.line.split(' ')[1], comment: '', hashed: undefined },
      { line: 6, marker: 'cert-authority', patterns: ['*.example.com'], keyType: 'ssh-ed25519', key: ed.line.split(' ')[1], comment: 'ca', hashed: undefined },
      { line: 7, patterns: [], keyType: 'ssh-ed25519', key: ed.line.split(' ')[1], comment: '', hashed: { salt, hash } },
    ]);
    expect(entries[0]!.key.equals(ed.blob)).toBe(true);
  });

  it('matches plain patterns, wildcards, negation and ports as ssh-keygen -F does', async () => {
    const lines = [
      `web*.example.com,!web3.example.com ${keys.ed.line}`,
      `h?.lan ${keys.ed.line}`,
      `[db.example.com]:2222 ${keys.ed.line}`,
      `[cache.example.com]:* ${keys.ed.line}`,
      `MiXed.Example.ORG ${keys.ed.line}`,
      `plain22.example.com ${keys.ed.line}`,
      `[bracket22.example.com]:22 ${keys.ed.line}`,
      `!only-negated.example.com ${keys.ed.line}`,
      `10.0.0.* ${keys.ed.line}`,
    ];
    const file = await knownHosts(lines);
    const entries = parseKnownHosts(await fsp.readFile(file, 'utf8'));
    const cases: [string, number, boolean][] = [
      ['web1.example.com', 22, true],
      ['web3.example.com', 22, false],
      ['web1.example.com', 2200, false],
      ['h1.lan', 22, true],
      ['h12.lan', 22, false],
      ['db.example.com', 2222, true],
      ['db.example.com', 22, false],
      ['db.example.com', 2223, false],
      ['cache.example.com', 6000, true],
      ['cache.example.com', 22, false],
      ['mixed.example.org', 22, true],
      ['MIXED.example.org', 22, true],
      ['plain22.example.com', 22, true],
      ['plain22.example.com', 2022, false],
      ['bracket22.example.com', 22, false],
      ['only-negated.example.com', 22, false],
      ['other.example.com', 22, false],
      ['10.0.0.7', 22, true],
      ['10.0.1.7', 22, false],
    ];
    for (const [host, port, expected] of cases) {
      expect({ host, port, ours: matches(entries, host, port) }).toEqual({ host, port, ours: expected });
      expect({ host, port, keygen: await keygenFinds(knownHostsName(host, port), file) }).toEqual({ host, port, keygen: expected });
    }
  });

  it('matches entries hashed by ssh-keygen -H for the host string ssh-keygen -F finds', async () => {
    const file = await knownHosts([
      `web1.example.com,10.0.0.1 ${keys.ed.line}`,
      `[db.example.com]:2222 ${keys.ecdsa.line}`,
      `Upper.Example.com ${keys.rsa.line}`,
    ]);
    await run('ssh-keygen', ['-H', '-f', file]);
    const text = await fsp.readFile(file, 'utf8');
    const entries = parseKnownHosts(text);
    expect(entries).toHaveLength(4);
    expect(entries.every((e) => e.hashed !== undefined && e.patterns.length === 0)).toBe(true);
    expect(text).not.toMatch(/example|10\.0\.0\.1/);

    const cases: [string, number, string | null][] = [
      ['web1.example.com', 22, 'ssh-ed25519'],
      ['10.0.0.1', 22, 'ssh-ed25519'],
      ['db.example.com', 2222, 'ecdsa-sha2-nistp256'],
      ['db.example.com', 22, null],
      ['upper.example.com', 22, 'ssh-rsa'],
      ['web2.example.com', 22, null],
    ];
    for (const [host, port, type] of cases) {
      const found = entries.filter((e) => entryMatchesHost(e, knownHostsName(host, port))).map((e) => e.keyType);
      expect({ host, port, found }).toEqual({ host, port, found: type === null ? [] : [type] });
      expect(await keygenFinds(knownHostsName(host, port), file)).toBe(type !== null);
    }
  });
});

describe('verifyHostKey against known_hosts', () => {
  it('accepts a known key (plain, bracketed, hashed) and reports its fingerprint', async () => {
    const plain = await knownHosts([`# mine`, `other.example.com ${keys.ed2.line}`, `web.example.com ${keys.ed.line}`]);
    expect(await verifyHostKey({ host: 'web.example.com', port: 22, key: keys.ed.blob, knownHostsFile: plain })).toEqual({
      status: 'known',
      fingerprint: fingerprintOf(keys.ed.blob),
    });
    const bracketed = await knownHosts([`[web.example.com]:2222 ${keys.ecdsa.line}`]);
    expect((await verifyHostKey({ host: 'web.example.com', port: 2222, key: keys.ecdsa.blob, knownHostsFile: bracketed })).status).toBe('known');
    const hashed = await knownHosts([`[web.example.com]:2222 ${keys.rsa.line}`]);
    await run('ssh-keygen', ['-H', '-f', hashed]);
    expect((await verifyHostKey({ host: 'WEB.example.com', port: 2222, key: keys.rsa.blob, knownHostsFile: hashed })).status).toBe('known');
  });

  it('refuses a changed key of the same type with both fingerprints, even with accept-new', async () => {
    const file = await knownHosts([`[web.example.com]:2222 ${keys.ed.line}`]);
    const before = await fsp.readFile(file, 'utf8');
    for (const policy of ['strict', 'accept-new'] as const) {
      const r = await refusal(verifyHostKey({ host: 'web.example.com', port: 2222, key: keys.ed2.blob, knownHostsFile: file, policy }));
      expect(r.code).toBe('HOST_KEY_CHANGED');
      expect(r.message).toContain(fingerprintOf(keys.ed.blob));
      expect(r.message).toContain(fingerprintOf(keys.ed2.blob));
      expect(r.message).toContain('The connection was refused; no command was run.');
      expect(r.details).toMatchObject({
        host: 'web.example.com',
        port: 2222,
        file,
        recordedFingerprint: fingerprintOf(keys.ed.blob),
        presentedFingerprint: fingerprintOf(keys.ed2.blob),
      });
    }
    expect(await fsp.readFile(file, 'utf8')).toBe(before);
  });

  it('treats a host whose only same-type entry is revoked as changed, and a revoked key as rejected anywhere', async () => {
    const file = await knownHosts([`@revoked web.example.com ${keys.ed.line}`, `@revoked other.example.com ${keys.ecdsa.line}`, `web.example.com ${keys.ecdsa.line}`]);
    const changed = await refusal(verifyHostKey({ host: 'web.example.com', port: 22, key: keys.ed2.blob, knownHostsFile: file, policy: 'accept-new' }));
    expect(changed.code).toBe('HOST_KEY_CHANGED');
    expect(changed.message).toContain('(revoked)');
    const revoked = await refusal(verifyHostKey({ host: 'web.example.com', port: 22, key: keys.ed.blob, knownHostsFile: file }));
    expect(revoked.code).toBe('HOST_KEY_REJECTED');
    expect(revoked.message).toContain('@revoked');
    expect(revoked.details).toMatchObject({ host: 'web.example.com', port: 22, file, presentedFingerprint: fingerprintOf(keys.ed.blob), line: 1 });
    // Listed for this host too, but revoked (for another host) wins.
    const alsoRevoked = await refusal(verifyHostKey({ host: 'web.example.com', port: 22, key: keys.ecdsa.blob, knownHostsFile: file }));
    expect(alsoRevoked.code).toBe('HOST_KEY_REJECTED');
  });

  it('refuses an unknown key with the fingerprint and the advice, and leaves the file alone', async () => {
    const file = await knownHosts([`other.example.com ${keys.ed.line}`, `@cert-authority * ${keys.ed.line}`]);
    const r = await refusal(verifyHostKey({ host: 'web.example.com', port: 2222, key: keys.ed.blob, knownHostsFile: file }));
    expect(r.code).toBe('HOST_KEY_UNKNOWN');
    expect(r.message).toContain(fingerprintOf(keys.ed.blob));
    expect(r.message).toContain(`fingerprint: '${fingerprintOf(keys.ed.blob)}'`);
    expect(r.message).toContain(`add the key to ${file}`);
    expect(r.message).toContain("hostKeyPolicy: 'accept-new'");
    expect(r.message).toContain('no command was run');
    expect(r.details).toEqual({ host: 'web.example.com', port: 2222, file, keyType: 'ssh-ed25519', presentedFingerprint: fingerprintOf(keys.ed.blob) });

    const missing = join(dir, 'no-such-folder', 'known_hosts');
    expect((await refusal(verifyHostKey({ host: 'web.example.com', port: 22, key: keys.ed.blob, knownHostsFile: missing }))).code).toBe('HOST_KEY_UNKNOWN');
    await expect(fsp.stat(join(dir, 'no-such-folder'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a new key type for a host known by other types, even with accept-new', async () => {
    const file = await knownHosts([`web.example.com ${keys.ed.line}`, `web.example.com ${keys.ecdsa.line}`]);
    const r = await refusal(verifyHostKey({ host: 'web.example.com', port: 22, key: keys.rsa.blob, knownHostsFile: file, policy: 'accept-new' }));
    expect(r.code).toBe('HOST_KEY_UNKNOWN');
    expect(r.details.knownKeyTypes).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
    expect(await fsp.readFile(file, 'utf8')).not.toContain(keys.rsa.line);
    expect(await knownHostKeyTypes({ host: 'web.example.com', port: 22, knownHostsFile: file })).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
    expect(await knownHostKeyTypes({ host: 'web.example.com', port: 2222, knownHostsFile: file })).toEqual([]);
  });

  it('accept-new appends one line, creating the folder 0700 and the file 0600, then knows the key', async () => {
    const sshDir = join(dir, 'fresh-home', '.ssh');
    const file = join(sshDir, 'known_hosts');
    const first = await verifyHostKey({ host: 'web.example.com', port: 2222, key: keys.ed.blob, knownHostsFile: file, policy: 'accept-new' });
    expect(first).toEqual({ status: 'added', fingerprint: fingerprintOf(keys.ed.blob) });
    expect(await fsp.readFile(file, 'utf8')).toBe(`[web.example.com]:2222 ${keys.ed.line}\n`);
    expect((await fsp.stat(sshDir)).mode & 0o777).toBe(0o700);
    expect((await fsp.stat(file)).mode & 0o777).toBe(0o600);
    expect(await keygenFinds('[web.example.com]:2222', file)).toBe(true);
    expect((await verifyHostKey({ host: 'web.example.com', port: 2222, key: keys.ed.blob, knownHostsFile: file })).status).toBe('known');
    expect((await refusal(verifyHostKey({ host: 'web.example.com', port: 2222, key: keys.ed2.blob, knownHostsFile: file, policy: 'accept-new' }))).code).toBe('HOST_KEY_CHANGED');
  });

  it('accept-new keeps existing lines byte for byte, adds a missing final newline, and writes port 22 plainly', async () => {
    const file = join(dir, 'no-final-newline');
    const original = `# keep me\r\n|1|AAAAAAAAAAAAAAAAAAAAAAAAAAA=|BBBBBBBBBBBBBBBBBBBBBBBBBBB= ${keys.ed2.line}\nother ${keys.ecdsa.line} trailing comment`;
    await fsp.writeFile(file, original, { mode: 0o644 });
    await verifyHostKey({ host: 'Web.Example.com', port: 22, key: keys.rsa.blob, knownHostsFile: file, policy: 'accept-new' });
    expect(await fsp.readFile(file, 'utf8')).toBe(`${original}\nweb.example.com ${keys.rsa.line}\n`);
    expect((await fsp.stat(file)).mode & 0o777).toBe(0o644);
    expect(formatKnownHostsLine('::1', 2222, keys.ed.blob)).toBe(`[::1]:2222 ${keys.ed.line}`);
  });

  it('accept-new from parallel connections records the key once', async () => {
    const file = join(dir, 'parallel_known_hosts');
    const results = await Promise.all(
      Array.from({ length: 6 }, () => verifyHostKey({ host: '127.0.0.1', port: 4022, key: keys.ed.blob, knownHostsFile: file, policy: 'accept-new' })),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['added', 'known', 'known', 'known', 'known', 'known']);
    expect(await fsp.readFile(file, 'utf8')).toBe(`[127.0.0.1]:4022 ${keys.ed.line}\n`);
  });

  it('refuses host names that could write other entries into the file', async () => {
    const file = join(dir, 'injection');
    for (const host of [`evil.com ${keys.ed.line}\n*`, '*', 'a,b', '!x', '[h]:22', '', 'h\u0000', '|1|x|y']) {
      const r = await refusal(verifyHostKey({ host, port: 22, key: keys.ed.blob, knownHostsFile: file, policy: 'accept-new' }));
      expect(r.code).toBe('INVALID_ARGUMENT');
    }
    for (const port of [0, 65536, 22.5, Number.NaN]) {
      expect((await refusal(verifyHostKey({ host: 'h', port, key: keys.ed.blob, knownHostsFile: file, policy: 'accept-new' }))).code).toBe('INVALID_ARGUMENT');
    }
    await expect(fsp.stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses when the file exists but cannot be read', async () => {
    const r = await refusal(verifyHostKey({ host: 'h', port: 22, key: keys.ed.blob, knownHostsFile: dir, policy: 'accept-new' }));
    expect(r.code).toBe('HOST_KEY_UNKNOWN');
    expect(r.message).toContain(`Cannot read the known_hosts file ${dir}`);
    expect(r.details).toEqual({ file: dir });
  });

  it('expands ~/ and defaults to ~/.ssh/known_hosts', () => {
    expect(resolveKnownHostsFile(undefined)).toBe(join(os.homedir(), '.ssh', 'known_hosts'));
    expect(resolveKnownHostsFile('~/kh')).toBe(join(os.homedir(), 'kh'));
    expect(resolveKnownHostsFile('relative/kh')).toBe('relative/kh');
  });
});

describe('verifyHostKey with a pinned fingerprint', () => {
  it('accepts the right fingerprint without reading entries for the host', async () => {
    const file = await knownHosts([`web.example.com ${keys.ed2.line}`]);
    const fp = fingerprintOf(keys.ed.blob);
    expect(await verifyHostKey({ host: 'web.example.com', port: 22, key: keys.ed.blob, fingerprint: fp, knownHostsFile: file })).toEqual({ status: 'pinned', fingerprint: fp });
    expect((await verifyHostKey({ host: 'web.example.com', port: 22, key: keys.ed.blob, fingerprint: `${fp}=`, knownHostsFile: join(dir, 'absent') })).status).toBe('pinned');
    // The pin is the authority: an unreadable known_hosts does not stand in its way.
    expect((await verifyHostKey({ host: 'web.example.com', port: 22, key: keys.ed.blob, fingerprint: fp, knownHostsFile: dir })).status).toBe('pinned');
  });

  it('refuses another key naming both fingerprints, the pinned one as expected', async () => {
    const pinned = fingerprintOf(keys.ed.blob);
    const r = await refusal(verifyHostKey({ host: 'web.example.com', port: 2222, key: keys.ecdsa.blob, fingerprint: pinned, knownHostsFile: join(dir, 'absent') }));
    expect(r.code).toBe('HOST_KEY_CHANGED');
    expect(r.message).toContain(`the pinned fingerprint is ${pinned}`);
    expect(r.message).toContain(`presented ecdsa-sha2-nistp256 ${fingerprintOf(keys.ecdsa.blob)}`);
    expect(r.message).toContain('The connection was refused; no command was run.');
    expect(r.details).toMatchObject({ host: 'web.example.com', port: 2222, expectedFingerprint: pinned, presentedFingerprint: fingerprintOf(keys.ecdsa.blob) });
  });

  it('still refuses a revoked key, and refuses a fingerprint that is not SHA256', async () => {
    const file = await knownHosts([`@revoked * ${keys.ed.line}`]);
    const fp = fingerprintOf(keys.ed.blob);
    expect((await refusal(verifyHostKey({ host: 'h', port: 22, key: keys.ed.blob, fingerprint: fp, knownHostsFile: file }))).code).toBe('HOST_KEY_REJECTED');
    const { stdout } = await run('ssh-keygen', ['-l', '-E', 'md5', '-f', keys.ed.pubFile]);
    const md5 = stdout.split(' ')[1]!;
    expect(md5).toMatch(/^MD5:/);
    for (const bad of [md5, fp.slice(7), 'SHA256:short', '']) {
      expect((await refusal(verifyHostKey({ host: 'h', port: 22, key: keys.ed.blob, fingerprint: bad }))).code).toBe('INVALID_ARGUMENT');
    }
  });
});
