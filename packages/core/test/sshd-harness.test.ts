/**
 * The test sshd from @healer/test-utils, checked with the real OpenSSH
 * client: a key login works, strict host-key checking passes against its
 * known_hosts file, the passphrase key is refused without its passphrase,
 * killAll() takes the sessions down, restart() serves again, stop() frees the port.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, sshOptions, type RunningSshd } from '@healer/test-utils';

const run = promisify(execFile);

function sshArgs(sshd: RunningSshd, identityFile = sshd.identityFile): string[] {
  return [
    '-i', identityFile,
    '-p', String(sshd.port),
    '-o', `UserKnownHostsFile=${sshd.knownHostsFile}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'ConnectTimeout=10',
    '-F', 'none',
    `${sshd.user}@${sshd.host}`,
  ];
}

async function ssh(sshd: RunningSshd, command: string[], identityFile?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('ssh', [...sshArgs(sshd, identityFile), ...command], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** A live (not zombie) process with this pid exists. */
async function alive(pid: number): Promise<boolean> {
  const { stdout } = await run('ps', ['-o', 'stat=', '-p', String(pid)]).catch(() => ({ stdout: '' }));
  return stdout.trim() !== '' && !stdout.trim().startsWith('Z');
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('test sshd harness', () => {
  let sshd: RunningSshd;
  beforeAll(async () => {
    sshd = await startSshd({ maxSessions: 7 });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('describes itself: loopback port, keys, fingerprint, known_hosts line', async () => {
    expect(sshd.host).toBe('127.0.0.1');
    expect(sshd.port).toBeGreaterThan(0);
    expect(sshd.hostPublicKey).toMatch(/^ssh-ed25519 AAAA/);
    expect(sshd.hostFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const { stdout } = await run('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', sshd.knownHostsFile]);
    expect(stdout).toContain(sshd.hostPublicKey.split(' ').slice(0, 2).join(' '));
    expect(sshOptions(sshd, { maxShells: 2 })).toEqual({
      host: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      identityFile: sshd.identityFile,
      knownHostsFile: sshd.knownHostsFile,
      hostKeyPolicy: 'strict',
      maxShells: 2,
    });
  });

  it('lets the real ssh client log in with the key and strict host-key checking', async () => {
    const r = await ssh(sshd, ['echo', 'ok']);
    expect(r).toMatchObject({ code: 0, stdout: 'ok\n' });
  });

  it('serves the key the server really holds: a wrong known_hosts entry is refused by ssh', async () => {
    const { stdout: otherKey } = await run('sh', ['-c', `ssh-keygen -q -t ed25519 -N '' -f "$1/other" && cat "$1/other.pub"`, 'sh', sshd.dir]);
    const wrong = { ...sshd, knownHostsFile: `${sshd.dir}/wrong_known_hosts` };
    await run('sh', ['-c', 'printf "%s\\n" "$1" > "$2"', 'sh', `[127.0.0.1]:${sshd.port} ${otherKey.trim()}`, wrong.knownHostsFile]);
    const r = await ssh(wrong, ['echo', 'ok']);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('needs the passphrase for the passphrase key', async () => {
    expect(sshd.passphrase.length).toBeGreaterThan(0);
    const r = await ssh(sshd, ['echo', 'ok'], sshd.passphraseIdentityFile);
    expect(r.code).toBe(255);
    const { stdout } = await run('ssh-keygen', ['-y', '-P', sshd.passphrase, '-f', sshd.passphraseIdentityFile]);
    expect(stdout).toMatch(/^ssh-ed25519 /);
  });

  it('applies authorized_keys changes at once', async () => {
    const { stdout: pub } = await run('ssh-keygen', ['-y', '-f', sshd.identityFile]);
    await sshd.authorizedKeys.set([]);
    expect((await ssh(sshd, ['echo', 'ok'])).code).toBe(255);
    await sshd.authorizedKeys.add(pub);
    expect((await ssh(sshd, ['echo', 'ok'])).stdout).toBe('ok\n');
  });

  it('killAll() ends a running session with its command; restart() serves again on the same port', async () => {
    const child = spawn('ssh', [...sshArgs(sshd), 'sleep', '37.4242'], { stdio: 'ignore' });
    const ended = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 10_000;
    while ((await run('pgrep', ['-f', '^sleep 37.4242']).catch(() => ({ stdout: '' }))).stdout === '') {
      if (Date.now() > deadline) throw new Error('the remote sleep never started');
      await new Promise((r) => setTimeout(r, 50));
    }
    const pid = sshd.pid();
    expect(pid).not.toBeNull();
    await sshd.killAll();
    expect(sshd.pid()).toBeNull();
    expect(await ended).toBe(255);
    // The remote command went down with its session.
    expect((await run('pgrep', ['-f', '^sleep 37.4242']).catch(() => ({ stdout: '' }))).stdout).toBe('');
    expect(await alive(pid!)).toBe(false);
    expect((await ssh(sshd, ['echo', 'ok'])).code).toBe(255);

    await sshd.restart();
    expect(sshd.pid()).not.toBeNull();
    expect((await ssh(sshd, ['echo', 'again'])).stdout).toBe('again\n');
  });

  it('stop() frees the port and removes the folder', async () => {
    const other = await startSshd();
    expect(await bindable(other.port)).toBe(false);
    await other.stop();
    expect(await bindable(other.port)).toBe(true);
    expect(existsSync(other.dir)).toBe(false);
  });
});
