/**
 * Host-key checking against a real OpenSSH sshd: ssh2's `hostVerifier` gets
 * the key the server really sends, known_hosts lines come from the real
 * `ssh-keyscan`, hashed ones from `ssh-keygen -H`. Only the handshake is
 * needed: the verifier runs before authentication.
 */
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, type ServerHostKeyAlgorithm } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type RunningSshd } from '@healer/test-utils';
import { isHealerError } from '../src/errors.js';
import { createHostVerifier, fingerprintOf, knownHostKeyTypes, type HostKeyOutcome, type VerifyHostKeyOptions } from '../src/ssh/known-hosts.js';

const run = promisify(execFile);

let sshd: RunningSshd;
let dir: string;
/** `ssh-keyscan` output for the daemon: one line per host key type. */
let scanned: string[];
/** Fingerprints of the daemon's host keys by type, from `ssh-keygen -lf`. */
const fingerprints = new Map<string, string>();
/** An ed25519 public key line the daemon does not have. */
let otherEd25519: string;

interface Handshake {
  /** True when the handshake completed, i.e. the verifier accepted. */
  accepted: boolean;
  outcome: HostKeyOutcome;
  /** The key ssh2 handed to the verifier. */
  key: Buffer;
  /** ssh2's own error when the handshake failed. */
  clientError?: Error;
}

/** Open an ssh2 connection up to the end of the key exchange, with {@link createHostVerifier} deciding. */
function handshake(options: Omit<VerifyHostKeyOptions, 'key' | 'host' | 'port'>, serverHostKey?: ServerHostKeyAlgorithm[]): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let outcome: HostKeyOutcome | undefined;
    let key: Buffer | undefined;
    let settled = false;
    const finish = (accepted: boolean, clientError?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      if (outcome === undefined || key === undefined) reject(clientError ?? new Error('the host verifier never ran'));
      else resolve({ accepted, outcome, key, ...(clientError ? { clientError } : {}) });
    };
    const timer = setTimeout(() => finish(false, new Error('handshake timed out')), 10_000);
    const verifier = createHostVerifier({ host: sshd.host, port: sshd.port, ...options }, (o) => {
      outcome = o;
    });
    client.on('handshake', () => finish(true));
    client.on('error', (e) => finish(false, e));
    client.connect({
      host: sshd.host,
      port: sshd.port,
      username: 'nobody',
      readyTimeout: 10_000,
      ...(serverHostKey ? { algorithms: { serverHostKey } } : {}),
      hostVerifier: (k: Buffer, verify: (ok: boolean) => void) => {
        key = k;
        verifier(k, verify);
      },
    });
  });
}

function refusedWith(h: Handshake, code: string): { message: string; details: Record<string, unknown> } {
  expect(h.accepted).toBe(false);
  expect(h.clientError?.message).toMatch(/Host denied/);
  if (h.outcome.ok) throw new Error(`accepted: ${h.outcome.verification.status}`);
  const err = h.outcome.error;
  if (!isHealerError(err)) throw err;
  expect(err.code).toBe(code);
  return { message: err.message, details: err.details ?? {} };
}

let fileCounter = 0;
async function knownHosts(lines: string[]): Promise<string> {
  const file = join(dir, `known_hosts_${++fileCounter}`);
  await fsp.writeFile(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

async function keygenFinds(name: string, file: string): Promise<boolean> {
  try {
    await run('ssh-keygen', ['-F', name, '-f', file]);
    return true;
  } catch (e) {
    if ((e as { code?: number }).code === 1) return false;
    throw e;
  }
}

beforeAll(async () => {
  dir = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'healer-host-keys-')));
  const extra = { ecdsa: join(dir, 'host_ecdsa'), rsa: join(dir, 'host_rsa'), other: join(dir, 'other_ed25519') };
  await Promise.all([
    run('ssh-keygen', ['-q', '-t', 'ecdsa', '-b', '256', '-N', '', '-f', extra.ecdsa]),
    run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', extra.rsa]),
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', extra.other]),
  ]);
  otherEd25519 = (await fsp.readFile(`${extra.other}.pub`, 'utf8')).trim();
  sshd = await startSshd({ extraConfig: [`HostKey ${extra.ecdsa}`, `HostKey ${extra.rsa}`] });
  for (const pub of [`${sshd.hostKeyFile}.pub`, `${extra.ecdsa}.pub`, `${extra.rsa}.pub`]) {
    const type = (await fsp.readFile(pub, 'utf8')).split(' ')[0]!;
    const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', pub]);
    fingerprints.set(type, stdout.split(' ')[1]!);
  }
  const { stdout } = await run('ssh-keyscan', ['-p', String(sshd.port), '127.0.0.1']);
  scanned = stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
});

afterAll(async () => {
  await sshd?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

describe('host keys against a real sshd', () => {
  it('ssh-keyscan gives one [127.0.0.1]:port line per host key type', () => {
    expect(scanned.map((l) => l.split(' ').slice(0, 2).join(' ')).sort()).toEqual(
      ['ecdsa-sha2-nistp256', 'ssh-ed25519', 'ssh-rsa'].map((t) => `[127.0.0.1]:${sshd.port} ${t}`).sort(),
    );
  });

  it('known through a plain [127.0.0.1]:port entry: accepted, for each key type the server offers', async () => {
    const file = await knownHosts(scanned);
    const offers: [ServerHostKeyAlgorithm, string][] = [
      ['ssh-ed25519', 'ssh-ed25519'],
      ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256'],
      ['rsa-sha2-512', 'ssh-rsa'],
    ];
    for (const [algorithm, type] of offers) {
      const h = await handshake({ knownHostsFile: file }, [algorithm]);
      expect(h.outcome).toEqual({ ok: true, verification: { status: 'known', fingerprint: fingerprints.get(type) } });
      expect(fingerprintOf(h.key)).toBe(fingerprints.get(type));
      expect(h.accepted).toBe(true);
    }
  });

  it('known through an entry hashed by ssh-keygen -H: accepted', async () => {
    const file = await knownHosts(scanned);
    await run('ssh-keygen', ['-H', '-f', file]);
    const text = await fsp.readFile(file, 'utf8');
    expect(text).not.toContain('127.0.0.1');
    expect(text).toMatch(/^\|1\|/);
    const h = await handshake({ knownHostsFile: file });
    expect(h.outcome).toEqual({ ok: true, verification: { status: 'known', fingerprint: sshd.hostFingerprint } });
    expect(h.accepted).toBe(true);
  });

  it('unknown host: refused with HOST_KEY_UNKNOWN, the presented fingerprint and the advice', async () => {
    const file = await knownHosts([`127.0.0.1 ${scanned[0]!.split(' ').slice(1).join(' ')}`, `[127.0.0.1]:${sshd.port + 1} ${otherEd25519}`]);
    const r = refusedWith(await handshake({ knownHostsFile: file }), 'HOST_KEY_UNKNOWN');
    expect(r.message).toContain(sshd.hostFingerprint);
    expect(r.message).toContain('pin it');
    expect(r.message).toContain("hostKeyPolicy: 'accept-new'");
    expect(r.details).toMatchObject({ host: '127.0.0.1', port: sshd.port, file, presentedFingerprint: sshd.hostFingerprint });
    const absent = refusedWith(await handshake({ knownHostsFile: join(dir, 'absent', 'known_hosts') }), 'HOST_KEY_UNKNOWN');
    expect(absent.details.presentedFingerprint).toBe(sshd.hostFingerprint);
  });

  it('accept-new: the line is recorded, ssh-keygen -F finds it, and the next connection is known', async () => {
    const file = join(dir, 'new-home', '.ssh', 'known_hosts');
    const first = await handshake({ knownHostsFile: file, policy: 'accept-new' });
    expect(first.accepted).toBe(true);
    expect(first.outcome).toEqual({ ok: true, verification: { status: 'added', fingerprint: sshd.hostFingerprint } });
    const keyLine = scanned.find((l) => l.includes(' ssh-ed25519 '))!;
    expect(await fsp.readFile(file, 'utf8')).toBe(`${keyLine}\n`);
    expect(await keygenFinds(`[127.0.0.1]:${sshd.port}`, file)).toBe(true);
    expect((await fsp.stat(file)).mode & 0o777).toBe(0o600);

    const second = await handshake({ knownHostsFile: file, policy: 'accept-new' });
    expect(second.outcome).toEqual({ ok: true, verification: { status: 'known', fingerprint: sshd.hostFingerprint } });
    const strict = await handshake({ knownHostsFile: file });
    expect(strict.accepted).toBe(true);
    expect(await fsp.readFile(file, 'utf8')).toBe(`${keyLine}\n`);

    // The recorded type is offered first; a server presenting another type is not learned silently.
    expect(await knownHostKeyTypes({ host: '127.0.0.1', port: sshd.port, knownHostsFile: file })).toEqual(['ssh-ed25519']);
    const otherType = refusedWith(await handshake({ knownHostsFile: file, policy: 'accept-new' }, ['ecdsa-sha2-nistp256']), 'HOST_KEY_UNKNOWN');
    expect(otherType.details.knownKeyTypes).toEqual(['ssh-ed25519']);
    expect(await fsp.readFile(file, 'utf8')).toBe(`${keyLine}\n`);
  });

  it('changed key: refused with HOST_KEY_CHANGED naming both fingerprints, even with accept-new', async () => {
    const file = await knownHosts([`[127.0.0.1]:${sshd.port} ${otherEd25519}`]);
    await run('ssh-keygen', ['-H', '-f', file]);
    const recorded = fingerprintOf(Buffer.from(otherEd25519.split(' ')[1]!, 'base64'));
    const before = await fsp.readFile(file, 'utf8');
    for (const policy of ['strict', 'accept-new'] as const) {
      const r = refusedWith(await handshake({ knownHostsFile: file, policy }), 'HOST_KEY_CHANGED');
      expect(r.message).toContain(recorded);
      expect(r.message).toContain(sshd.hostFingerprint);
      expect(r.message).toContain('no command was run');
      expect(r.details).toMatchObject({ recordedFingerprint: recorded, presentedFingerprint: sshd.hostFingerprint, port: sshd.port });
    }
    expect(await fsp.readFile(file, 'utf8')).toBe(before);
  });

  it('pinned fingerprint: the right one is accepted, a wrong one refused with both', async () => {
    const right = await handshake({ fingerprint: sshd.hostFingerprint, knownHostsFile: join(dir, 'absent') });
    expect(right.accepted).toBe(true);
    expect(right.outcome).toEqual({ ok: true, verification: { status: 'pinned', fingerprint: sshd.hostFingerprint } });

    const wrongPin = fingerprintOf(Buffer.from(otherEd25519.split(' ')[1]!, 'base64'));
    const r = refusedWith(await handshake({ fingerprint: wrongPin, knownHostsFile: await knownHosts(scanned) }), 'HOST_KEY_CHANGED');
    expect(r.message).toContain(`the pinned fingerprint is ${wrongPin}`);
    expect(r.message).toContain(sshd.hostFingerprint);
    expect(r.message).toContain('The connection was refused; no command was run.');
    expect(r.details).toMatchObject({ expectedFingerprint: wrongPin, presentedFingerprint: sshd.hostFingerprint });
  });

  it('a revoked host key is rejected', async () => {
    const edLine = scanned.find((l) => l.includes(' ssh-ed25519 '))!;
    const file = await knownHosts([...scanned, `@revoked * ${edLine.split(' ').slice(1).join(' ')}`]);
    const r = refusedWith(await handshake({ knownHostsFile: file }), 'HOST_KEY_REJECTED');
    expect(r.details.presentedFingerprint).toBe(sshd.hostFingerprint);
  });
});
