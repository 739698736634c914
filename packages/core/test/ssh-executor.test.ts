/**
 * SshExecutor internals against a real OpenSSH sshd on loopback: persistent
 * shells and their speed, framing, timeouts that kill the remote process
 * group, the exec-channel fallback, sudo, connection loss and reconnection,
 * connection and authentication errors. (The shared Executor conformance
 * suite runs over SSH in its own file.)
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshOptions, startSshd, type RunningSshd } from '@healer/test-utils';
import type { RunResult } from '../src/contract/executor.js';
import { isHealerError } from '../src/errors.js';
import type { SshExecutorOptions } from '../src/ssh/options.js';
import { INLINE_INPUT_MAX_BYTES, SshExecutor } from '../src/ssh/index.js';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The HealerError a promise rejects with (code and message). */
async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (e) {
    return isHealerError(e) ? { code: e.code, message: e.message } : { code: 'not a HealerError', message: String(e) };
  }
  return { code: 'resolved', message: '' };
}

/** Processes on this machine (the sshd is local) whose command line matches `pattern`, other than pgrep itself. */
async function processesMatching(pattern: string): Promise<string> {
  try {
    const { stdout } = await run('pgrep', ['-af', pattern]);
    return stdout.trim();
  } catch {
    return '';
  }
}

/** Wait until no process matches, or return what is left after `ms`. */
async function survivors(pattern: string, ms = 5_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = await processesMatching(pattern);
    if (left === '' || Date.now() > deadline) return left;
    await sleep(100);
  }
}

/** Connections the daemon is serving: one child of the listener per connection. */
async function connectionsOf(sshd: RunningSshd): Promise<number> {
  try {
    const { stdout } = await run('pgrep', ['-P', String(sshd.pid())]);
    return stdout.trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

async function tempDir(label: string): Promise<string> {
  return fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), `healer-ssh-${label}-`)));
}

describe('SshExecutor over a persistent shell', () => {
  let sshd: RunningSshd;
  let dir: string;
  const executors: SshExecutor[] = [];
  const open = (overrides: Partial<SshExecutorOptions> = {}): SshExecutor => {
    const exec = new SshExecutor(sshOptions(sshd, overrides));
    executors.push(exec);
    return exec;
  };

  beforeAll(async () => {
    sshd = await startSshd();
    dir = await tempDir('shell');
  });
  afterAll(async () => {
    await Promise.all(executors.map((e) => e.close()));
    await sshd?.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('runs a command and names the host and the mode', async () => {
    const exec = open();
    expect(exec.host).toBe(`ssh://${sshd.user}@127.0.0.1:${sshd.port}`);
    const r = await exec.run(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r).toMatchObject({ exitCode: 3, signal: null, stdout: 'out\n', stderr: 'err\n', timedOut: false, truncated: false });
    expect(exec.info()).toEqual({ kind: 'ssh', host: exec.host, mode: 'persistent-shell', notes: [] });
  });

  it('gives the same results on an open shell as on an exec channel per command (their speed: bench/ssh.mjs)', async () => {
    const shell = open({ maxShells: 1 });
    const perChannel = open({ forceExecChannels: true });
    const commands = [['true'], ['false'], ['printf', '%s|', 'a b', "it's", ''], ['sh', '-c', 'echo out; echo err >&2; exit 3']];
    const results = async (exec: SshExecutor) => {
      const out = [];
      for (const c of commands) {
        const r = await exec.run(c);
        out.push([r.exitCode, r.stdout, r.stderr]);
      }
      return out;
    };
    expect(await results(shell)).toEqual(await results(perChannel));
    expect(await results(shell)).toEqual([[0, '', ''], [1, '', ''], [0, "a b|it's||", ''], [3, 'out\n', 'err\n']]);
    expect([shell.info().mode, perChannel.info().mode]).toEqual(['persistent-shell', 'exec-channel']);
  });

  it('kills the timed-out command process group on the remote side, and the same shell runs the next command', async () => {
    const exec = open({ maxShells: 1 });
    // The command runs as `sh -c` under a wrapper whose parent is the persistent shell.
    const shellPid = (await exec.run({ script: 'ps -o ppid= -p $PPID' })).stdout;
    const marker = `sleep 40.${randomInt(100_000, 999_999)}`;
    const started = Date.now();
    const r = await exec.run(['sh', '-c', `${marker} & ${marker}; echo never`], { timeoutMs: 300 });
    expect(r).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGTERM', stdout: '' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await survivors(`[${marker[0]}]${marker.slice(1)}`)).toBe('');
    const next = await exec.run({ script: 'echo next; ps -o ppid= -p $PPID' });
    expect(next.stdout).toBe(`next\n${shellPid}`);
  });

  it('kills with SIGKILL a command that ignores SIGTERM, through an idle shell of the pool', async () => {
    const exec = open({ maxShells: 2 });
    await Promise.all([exec.run(['sleep', '0.1']), exec.run(['sleep', '0.1'])]);
    const marker = `sleep 41.${randomInt(100_000, 999_999)}`;
    const started = Date.now();
    const r = await exec.run(['sh', '-c', `trap '' TERM; ${marker}`], { timeoutMs: 200 });
    expect(r).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(await survivors(`[${marker[0]}]${marker.slice(1)}`)).toBe('');
    expect((await exec.run(['echo', 'ok'])).stdout).toBe('ok\n');
  });

  it('gives 50 parallel commands their own output on at most maxShells shells', async () => {
    const exec = open({ maxShells: 4 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        exec.run({
          script: 'sleep 0.02; printf "%s|%s" "$1" "$(ps -o ppid= -p $PPID)"; printf "e%s" "$1" >&2',
          args: [`cmd-${i}-${'x'.repeat(i * 50)}`],
        }),
      ),
    );
    const shells = new Set<string>();
    results.forEach((r, i) => {
      const [out, ppid] = r.stdout.split('|');
      expect(out).toBe(`cmd-${i}-${'x'.repeat(i * 50)}`);
      expect(r.stderr).toBe(`ecmd-${i}-${'x'.repeat(i * 50)}`);
      shells.add(ppid!);
    });
    expect(shells.size).toBeGreaterThanOrEqual(2);
    expect(shells.size).toBeLessThanOrEqual(4);
  });

  it('round-trips 1 MiB of random bytes: output, input (inline and on its own channel), readFile, writeFile', async () => {
    const exec = open();
    const data = randomBytes(1024 * 1024);
    const path = join(dir, 'random.bin');
    await fsp.writeFile(path, data);
    const same = (r: RunResult | Uint8Array, expected: Buffer): boolean =>
      Buffer.from(r instanceof Uint8Array ? r : r.stdoutBytes).equals(expected);

    const out = await exec.run(['cat', '--', path]);
    expect(out.stdoutBytes.length).toBe(data.length);
    expect(same(out, data)).toBe(true);
    // Inline in the script, then on an exec channel of its own.
    expect(same(await exec.run(['cat'], { input: data }), data)).toBe(true);
    const big = randomBytes(INLINE_INPUT_MAX_BYTES + 1);
    expect(same(await exec.run(['cat'], { input: big }), big)).toBe(true);
    expect(same(await exec.readFile(path), data)).toBe(true);
    await exec.writeFile(join(dir, 'written.bin'), data);
    expect((await fsp.readFile(join(dir, 'written.bin'))).equals(data)).toBe(true);
    expect(exec.info().mode).toBe('persistent-shell');
  });

  it('cannot be ended early by output that looks like a frame marker', async () => {
    const exec = open();
    const fake = `HEALER${'0'.repeat(32)}E0\nHEALER${randomBytes(16).toString('hex')}E0\n`;
    const r = await exec.run(['sh', '-c', 'printf "%s" "$1"; sleep 0.2; printf tail; printf "%s" "$1" >&2; exit 4', 'sh', fake]);
    expect(r.stdout).toBe(`${fake}tail`);
    expect(r.stderr).toBe(fake);
    expect(r.exitCode).toBe(4);
  });

  it('never lets a command read the shell stdin, and keeps a late background write out of the next command', async () => {
    const exec = open({ maxShells: 1 });
    const [reader, after] = await Promise.all([
      exec.run(['sh', '-c', 'cat; echo read-done'], { timeoutMs: 5_000 }),
      exec.run(['echo', 'queued behind it']),
    ]);
    expect(reader).toMatchObject({ stdout: 'read-done\n', timedOut: false });
    expect(after.stdout).toBe('queued behind it\n');

    const first = await exec.run(['sh', '-c', '(sleep 0.3; echo stray; echo stray-err >&2) & echo first']);
    expect(first.stdout).toBe('first\n');
    const second = await exec.run(['sh', '-c', 'sleep 0.6; echo second']);
    expect(second.stdout).toBe('second\n');
    expect(second.stderr).toBe('');
  });

  it('does not start a command cancelled while it waits for a free shell', async () => {
    const exec = open({ maxShells: 1 });
    const marker = join(dir, `never-${randomInt(1_000_000)}`);
    // The one shell open and idle first: the busy command takes it at once, the next one waits.
    await exec.run(['true']);
    const busy = exec.run(['sleep', '0.5']);
    const controller = new AbortController();
    const queued = exec.run(['touch', '--', marker], { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect((await rejection(queued)).code).toBe('ABORTED');
    expect((await busy).exitCode).toBe(0);
    expect((await exec.run(['echo', 'still fine'])).stdout).toBe('still fine\n');
    await expect(fsp.access(marker)).rejects.toThrow();
  });

  it('caps each stream and says so', async () => {
    const exec = open();
    const r = await exec.run(['sh', '-c', 'head -c 300000 /dev/zero; head -c 5000 /dev/zero >&2; exit 2'], { maxOutputBytes: 1234 });
    expect(r).toMatchObject({ exitCode: 2, truncated: true });
    expect(r.stdoutBytes.length).toBe(1234);
    expect(r.stderr.length).toBe(1234);
  });

  it('closes an idle connection after idleTimeoutMs and reconnects on the next call', async () => {
    const exec = open({ idleTimeoutMs: 300 });
    const before = await connectionsOf(sshd);
    expect((await exec.run(['echo', 'one'])).stdout).toBe('one\n');
    expect(await connectionsOf(sshd)).toBe(before + 1);
    const deadline = Date.now() + 5_000;
    while ((await connectionsOf(sshd)) > before && Date.now() < deadline) await sleep(100);
    expect(await connectionsOf(sshd)).toBe(before);
    expect((await exec.run(['echo', 'two'])).stdout).toBe('two\n');
    // Closed here, not when the idle timer fires during the next test.
    await exec.close();
    while ((await connectionsOf(sshd)) > before && Date.now() < deadline + 5_000) await sleep(50);
  });

  it('leaves no handle open after close()', async () => {
    // Sockets only: timers of other code come and go on their own, and a socket another test closed may still be closing.
    const sockets = (): number => process.getActiveResourcesInfo().filter((t) => t === 'TCPSocketWrap').length;
    await sleep(200);
    const baseline = sockets();
    // The server's count says the connection was made and then closed; a socket of an earlier test that finishes
    // closing meanwhile can only lower the local count, so the local check is "no more than before".
    const connections = await connectionsOf(sshd);
    const exec = new SshExecutor(sshOptions(sshd));
    await exec.run(['true']);
    await exec.readFile(join(dir, 'random.bin'), { maxBytes: 10 });
    expect(await connectionsOf(sshd)).toBe(connections + 1);
    await exec.close();
    const deadline = Date.now() + 2_000;
    while ((sockets() > baseline || (await connectionsOf(sshd)) > connections) && Date.now() < deadline) await sleep(20);
    expect(sockets()).toBeLessThanOrEqual(baseline);
    expect(await connectionsOf(sshd)).toBe(connections);
    expect((await rejection(exec.run(['true']))).code).toBe('CONNECTION_FAILED');
  });
});

describe('SshExecutor with a server limit on sessions', () => {
  let sshd: RunningSshd;
  let exec: SshExecutor;
  beforeAll(async () => {
    sshd = await startSshd({ maxSessions: 3 });
    exec = new SshExecutor(sshOptions(sshd, { maxShells: 4 }));
  });
  afterAll(async () => {
    await exec?.close();
    await sshd?.stop();
  });

  it('shrinks the pool under MaxSessions, keeping a session spare to kill a timed-out command', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => exec.run(['sh', '-c', `sleep 0.1; echo ${i}`])));
    results.forEach((r, i) => expect(r.stdout).toBe(`${i}\n`));
    expect(exec.info().mode).toBe('persistent-shell');
    expect(exec.info().notes.join('\n')).toMatch(/refused another session channel.*at most 2/);

    const marker = `sleep 42.${randomInt(100_000, 999_999)}`;
    const [hung, busy] = await Promise.all([
      exec.run(['sh', '-c', `${marker} & ${marker}`], { timeoutMs: 300 }),
      exec.run(['sh', '-c', 'sleep 1; echo busy']),
    ]);
    expect(hung).toMatchObject({ timedOut: true, exitCode: null });
    expect(busy.stdout).toBe('busy\n');
    expect(await survivors(`[${marker[0]}]${marker.slice(1)}`)).toBe('');
  });
});

describe('SshExecutor fallback to exec channels', () => {
  let sshd: RunningSshd;
  let dir: string;
  let exec: SshExecutor;
  beforeAll(async () => {
    sshd = await startSshd();
    dir = await tempDir('forced');
    // A forced command that runs what the client asks for, except a bare shell.
    const gate = join(dir, 'gate.sh');
    await fsp.writeFile(
      gate,
      '#!/bin/sh\n' +
        'case "$SSH_ORIGINAL_COMMAND" in ""|sh|bash|"sh -i") echo "interactive shells are not allowed here" >&2; exit 1;; esac\n' +
        'exec sh -c "$SSH_ORIGINAL_COMMAND"\n',
      { mode: 0o755 },
    );
    const pub = (await fsp.readFile(`${sshd.identityFile}.pub`, 'utf8')).trim();
    await sshd.authorizedKeys.set([`command="${gate}" ${pub}`]);
    exec = new SshExecutor(sshOptions(sshd));
  });
  afterAll(async () => {
    await exec?.close();
    await sshd?.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('detects that no persistent shell can be had, says why, and runs every command on its own channel', async () => {
    const r = await exec.run(['sh', '-c', 'echo out; echo err >&2; exit 5']);
    expect(r).toMatchObject({ exitCode: 5, stdout: 'out\n', stderr: 'err\n' });
    const info = exec.info();
    expect(info.mode).toBe('exec-channel');
    expect(info.notes.join('\n')).toMatch(/no persistent shell.*interactive shells are not allowed here/);
    const data = randomBytes(100_000);
    expect(Buffer.from((await exec.run(['cat'], { input: data })).stdoutBytes).equals(data)).toBe(true);
    await exec.writeFile(join(dir, 'f.txt'), 'through the gate');
    expect(Buffer.from(await exec.readFile(join(dir, 'f.txt'))).toString()).toBe('through the gate');
    expect((await exec.stat(join(dir, 'f.txt')))?.size).toBe(16);
    expect(await exec.list(dir)).toEqual([
      { name: 'f.txt', type: 'file' },
      { name: 'gate.sh', type: 'file' },
    ]);
    // The forced command refuses the SFTP subsystem too: reads ran as shell commands.
    expect(exec.info().notes.join('\n')).toMatch(/SFTP unavailable/);
  });

  it('still kills a timed-out command group', async () => {
    const marker = `sleep 43.${randomInt(100_000, 999_999)}`;
    const r = await exec.run(['sh', '-c', `${marker} & ${marker}`], { timeoutMs: 300 });
    expect(r).toMatchObject({ timedOut: true, exitCode: null });
    expect(await survivors(`[${marker[0]}]${marker.slice(1)}`)).toBe('');
    expect((await exec.run(['echo', 'after'])).stdout).toBe('after\n');
  });
});

describe('SshExecutor and sudo', () => {
  let sshd: RunningSshd;
  let dir: string;
  let log: string;
  beforeAll(async () => {
    dir = await tempDir('sudo');
    log = join(dir, 'sudo.log');
    // A stand-in for sudo, first in the remote user's PATH: logs its arguments, then runs the command (or wants a password).
    await fsp.mkdir(join(dir, 'bin'));
    await fsp.writeFile(
      join(dir, 'bin', 'sudo'),
      '#!/bin/sh\n' +
        `printf '%s\\n' "$*" >> '${log}'\n` +
        `if [ -e '${join(dir, 'needs-password')}' ]; then echo "sudo: a password is required" >&2; exit 1; fi\n` +
        '[ "$1" = -n ] && shift; [ "$1" = -- ] && shift\n' +
        'exec "$@"\n',
      { mode: 0o755 },
    );
    sshd = await startSshd({ env: { PATH: `${join(dir, 'bin')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` } });
  });
  afterAll(async () => {
    await sshd?.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  });
  const logged = async (): Promise<string[]> => (await fsp.readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);

  it('prefixes sudo -n -- only when both the host and the call ask for it', async () => {
    const plain = new SshExecutor(sshOptions(sshd));
    const withSudo = new SshExecutor(sshOptions(sshd, { sudo: true }));
    try {
      expect((await plain.run(['echo', 'a'], { sudo: true })).stdout).toBe('a\n');
      expect((await withSudo.run(['echo', 'b'])).stdout).toBe('b\n');
      expect(await logged()).toEqual([]);
      expect((await withSudo.run(['echo', "it's"], { sudo: true })).stdout).toBe("it's\n");
      expect(await logged()).toEqual(["-n -- echo it's"]);
    } finally {
      await plain.close();
      await withSudo.close();
    }
  });

  it('runs file operations through sudo with sudoFiles, and maps "a password is required" to SUDO_PASSWORD_REQUIRED', async () => {
    const exec = new SshExecutor(sshOptions(sshd, { sudo: true, sudoFiles: true }));
    try {
      await fsp.rm(log, { force: true });
      await exec.writeFile(join(dir, 'root-file'), 'x');
      expect(Buffer.from(await exec.readFile(join(dir, 'root-file'))).toString()).toBe('x');
      expect((await exec.stat(join(dir, 'root-file')))?.type).toBe('file');
      // write, read and stat: each one sudo call.
      expect((await logged()).filter((l) => l.startsWith('-n -- sh -c '))).toHaveLength(3);
      await fsp.writeFile(join(dir, 'needs-password'), '');
      const e = await rejection(exec.run(['true'], { sudo: true }));
      expect(e.code).toBe('SUDO_PASSWORD_REQUIRED');
      expect(e.message).toMatch(/sudo on .* wants a password to run true/);
      expect((await rejection(exec.writeFile(join(dir, 'root-file'), 'y'))).code).toBe('SUDO_PASSWORD_REQUIRED');
      expect((await exec.run(['echo', 'no sudo asked'])).stdout).toBe('no sudo asked\n');
    } finally {
      await exec.close();
    }
    expect(() => new SshExecutor(sshOptions(sshd, { sudoFiles: true }))).toThrow(/sudoFiles needs sudo/);
  });
});

describe('SshExecutor when the connection drops', () => {
  let sshd: RunningSshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('fails the running and the queued commands clearly, then reconnects on the next call', async () => {
    const exec = new SshExecutor(sshOptions(sshd, { maxShells: 1 }));
    try {
      await exec.run(['true']);
      const running = rejection(exec.run(['sleep', '20']));
      const queued = [rejection(exec.run(['echo', 'q1'])), rejection(exec.run(['echo', 'q2']))];
      await sleep(300);
      const killedAt = Date.now();
      await sshd.killAll();
      const lost = await running;
      expect(lost.code).toBe('CONNECTION_FAILED');
      expect(lost.message).toMatch(new RegExp(`connection to ${sshd.user}@127\\.0\\.0\\.1:${sshd.port} was lost while running sleep`));
      for (const q of await Promise.all(queued)) expect(q.code).toBe('CONNECTION_FAILED');
      expect(Date.now() - killedAt).toBeLessThan(5_000);

      await sshd.restart();
      expect((await exec.run(['echo', 'back'])).stdout).toBe('back\n');
      expect(exec.info().mode).toBe('persistent-shell');
    } finally {
      await exec.close();
    }
  });

  it('retries with backoff while the server is down, and succeeds once it is back', async () => {
    const exec = new SshExecutor(sshOptions(sshd, { reconnectAttempts: 4 }));
    try {
      await exec.run(['true']);
      await sshd.killAll();
      // Let the client see the drop (on loopback the kernel closes the socket at once).
      await sleep(200);
      const started = Date.now();
      const pending = exec.run(['echo', 'eventually']);
      pending.catch(() => undefined);
      await sleep(400);
      await sshd.restart();
      expect((await pending).stdout).toBe('eventually\n');
      // Attempts at 0, 250 and 750 ms: the daemon was back for the third.
      expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    } finally {
      await exec.close();
    }
  });
});

describe('SshExecutor connection and authentication errors', () => {
  let sshd: RunningSshd;
  let dir: string;
  beforeAll(async () => {
    sshd = await startSshd();
    dir = await tempDir('auth');
  });
  afterAll(async () => {
    await sshd?.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  /** Connect and run `true`; the error it fails with. */
  const attempt = async (overrides: Partial<SshExecutorOptions>): Promise<{ code: string; message: string }> => {
    const exec = new SshExecutor(sshOptions(sshd, overrides));
    try {
      return await rejection(exec.run(['true']));
    } finally {
      await exec.close();
    }
  };

  it('logs in with a passphrase-protected key, and says what is wrong with the passphrase', async () => {
    expect(await attempt({ identityFile: sshd.passphraseIdentityFile, passphrase: sshd.passphrase })).toEqual({ code: 'resolved', message: '' });
    const missing = await attempt({ identityFile: sshd.passphraseIdentityFile });
    expect(missing.code).toBe('AUTH_FAILED');
    expect(missing.message).toMatch(/encrypted and no passphrase was given/);
    const wrong = await attempt({ identityFile: sshd.passphraseIdentityFile, passphrase: 'not it' });
    expect(wrong.code).toBe('AUTH_FAILED');
    expect(wrong.message).toMatch(/passphrase .* is wrong/);
    expect(wrong.message).not.toContain('not it');
  });

  it('reports a key the server refuses as AUTH_FAILED, naming user, host, port and method', async () => {
    const key = join(dir, 'stranger');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const e = await attempt({ identityFile: key });
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.message).toBe(`SSH authentication refused for ${sshd.user}@127.0.0.1:${sshd.port} (tried: publickey).`);
  });

  it('reports a refused port and a silent server as CONNECTION_FAILED with the reason', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (server.address() as net.AddressInfo).port;
        server.close(() => resolve(port));
      });
    });
    const refused = await attempt({ port: closedPort });
    expect(refused.code).toBe('CONNECTION_FAILED');
    expect(refused.message).toMatch(/connection was refused/);

    const silent = net.createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const e = await attempt({ port: (silent.address() as net.AddressInfo).port, connectTimeoutMs: 300 });
      expect(e.code).toBe('CONNECTION_FAILED');
      expect(e.message).toMatch(/no SSH session within 300 ms/);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      silent.close();
    }
  });

  it('refuses an unknown host key, and accepts a pinned fingerprint', async () => {
    const empty = join(dir, 'empty_known_hosts');
    await fsp.writeFile(empty, '');
    expect((await attempt({ knownHostsFile: empty })).code).toBe('HOST_KEY_UNKNOWN');
    expect((await attempt({ knownHostsFile: empty, fingerprint: sshd.hostFingerprint })).code).toBe('resolved');
  });

  it('refuses invalid options with CONFIG_INVALID, listing every problem', () => {
    try {
      new SshExecutor({ host: '', user: 'a b', port: 70000, maxShells: 0 });
      expect.unreachable();
    } catch (e) {
      expect(isHealerError(e, 'CONFIG_INVALID')).toBe(true);
      expect((e as Error).message).toMatch(/host.*user.*port.*maxShells/);
    }
  });
});
