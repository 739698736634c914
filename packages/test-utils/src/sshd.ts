/**
 * A real OpenSSH `sshd` for tests: started on a free loopback port with a
 * throwaway host key and throwaway user keys, all in a temp folder that
 * `stop()` removes. Needs Debian's `openssh-server` and `openssh-client`, and
 * root (sshd's privilege separation).
 *
 * With `password`, the daemon also takes a password, without touching the
 * machine's accounts: it runs in a private mount namespace (`unshare`) where
 * `/etc/shadow` and `/etc/pam.d/sshd` are throwaway files from the temp
 * folder: a shadow file with the login user's entry alone, holding the test
 * password, and a PAM stack of `pam_unix` alone. The real files
 * stay as they were for every other process, and the namespace (with its
 * mounts) ends with the daemon.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { freePort } from './net.js';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SshExecutorOptions } from '@healer/core';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';

export interface SshdOptions {
  /** sshd `MaxSessions`: channels one connection may open. Default 10. */
  maxSessions?: number;
  /** More `sshd_config` lines, appended as given (not `SetEnv`: sshd takes only the first; use `env`). */
  extraConfig?: string[];
  /** Environment variables of every session (`SetEnv`), besides `HOME` (a folder of the daemon's own). No spaces or quotes in values. */
  env?: Record<string, string>;
  /**
   * Also accept this password for `user` (keys keep working). See the module
   * comment: the system's password of `user` is not changed. Needs
   * util-linux's `unshare` and `openssl`.
   */
  password?: string;
  /**
   * Which methods take {@link password}: `password`, `keyboard-interactive`
   * (through PAM, as many distributions configure sshd), or both. Default both.
   */
  passwordMethods?: Array<'password' | 'keyboard-interactive'>;
}

/** A running sshd and everything a client needs to reach it. */
export interface RunningSshd {
  host: '127.0.0.1';
  port: number;
  /** The login user: the user running the tests. */
  user: string;
  /** The temp folder holding keys, config and logs. */
  dir: string;
  /** A private key without passphrase, authorized for `user`. */
  identityFile: string;
  /** A private key protected by {@link passphrase}, authorized for `user`. */
  passphraseIdentityFile: string;
  passphrase: string;
  /** The password `user` logs in with, when {@link SshdOptions.password} was given; null otherwise. */
  password: string | null;
  /** The daemon's private host key (ed25519). */
  hostKeyFile: string;
  /** The host key's `.pub` line: `ssh-ed25519 AAAA... comment`. */
  hostPublicKey: string;
  /** `SHA256:<base64>` as `ssh-keygen -lf` prints it. */
  hostFingerprint: string;
  /** A known_hosts file with the one `[127.0.0.1]:port` line for this daemon. */
  knownHostsFile: string;
  /** The daemon's authorized_keys file; read by sshd at every login, so changes apply at once. */
  authorizedKeys: {
    /** Append one line. */
    add(line: string): Promise<void>;
    /** Replace the whole file. */
    set(lines: string[]): Promise<void>;
  };
  /** Pid of the listening daemon, or null when it is not running. */
  pid(): number | null;
  /** Start the daemon again on the same port with the same keys (a running one is stopped first; open sessions survive). */
  restart(): Promise<void>;
  /** SIGKILL the daemon and every session process under it: a crashed server. */
  killAll(): Promise<void>;
  /** Kill everything, free the port, remove the temp folder. */
  stop(): Promise<void>;
}

/** Start a throwaway sshd on 127.0.0.1. */
export async function startSshd(options: SshdOptions = {}): Promise<RunningSshd> {
  const dir = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'healer-sshd-')));
  try {
    return await startIn(dir, options);
  } catch (e) {
    await fsp.rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Ready {@link SshExecutorOptions} for a test sshd: key auth, strict checking against its known_hosts file. */
export function sshOptions(sshd: RunningSshd, overrides: Partial<SshExecutorOptions> = {}): SshExecutorOptions {
  return {
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    identityFile: sshd.identityFile,
    knownHostsFile: sshd.knownHostsFile,
    hostKeyPolicy: 'strict',
    ...overrides,
  };
}

async function startIn(dir: string, options: SshdOptions): Promise<RunningSshd> {
  const user = os.userInfo().username;
  const hostKeyFile = join(dir, 'ssh_host_ed25519_key');
  const identityFile = join(dir, 'id_ed25519');
  const passphraseIdentityFile = join(dir, 'id_ed25519_passphrase');
  const passphrase = 'correct horse battery staple';
  const authorizedKeysFile = join(dir, 'authorized_keys');
  const knownHostsFile = join(dir, 'known_hosts');
  const configFile = join(dir, 'sshd_config');

  await Promise.all([
    keygen(hostKeyFile, '', 'healer-test-host'),
    keygen(identityFile, '', 'healer-test-user'),
    keygen(passphraseIdentityFile, passphrase, 'healer-test-user-passphrase'),
  ]);
  const hostPublicKey = (await fsp.readFile(`${hostKeyFile}.pub`, 'utf8')).trim();
  const hostFingerprint = await fingerprintOf(`${hostKeyFile}.pub`);
  const userKeys = await Promise.all([identityFile, passphraseIdentityFile].map(async (f) => (await fsp.readFile(`${f}.pub`, 'utf8')).trim()));
  await fsp.writeFile(authorizedKeysFile, userKeys.join('\n') + '\n', { mode: 0o600 });
  // The sessions' HOME: the login shell reads its rc file from there, so the user's own (which may be slow, print,
  // or take locks a killed command leaves behind) never runs in the tests.
  const homeDir = join(dir, 'home');
  await fsp.mkdir(homeDir, { mode: 0o700 });
  // sshd refuses to start without its privilege-separation folder.
  await fsp.mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const login = options.password === undefined ? null : await passwordLogin(dir, user, options.password, options.passwordMethods);
  const lines = (port: number, extra: string[]): string =>
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeyFile}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeysFile}`,
      'PubkeyAuthentication yes',
      'StrictModes no',
      // sshd keeps the first value of a keyword: these lines cannot be overridden by `extraConfig`.
      ...(login?.config ?? ['UsePAM no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password']),
      `MaxSessions ${options.maxSessions ?? 10}`,
      'MaxStartups 100:30:200',
      'LogLevel ERROR',
      'Subsystem sftp internal-sftp',
      // One line: sshd keeps only the first SetEnv.
      `SetEnv ${Object.entries({ HOME: homeDir, ...options.env }).map(([k, v]) => `${k}=${v}`).join(' ')}`,
      ...extra,
      ...(options.extraConfig ?? []),
      '',
    ].join('\n');
  // Newer OpenSSH penalises clients whose connections end badly (as killAll does on purpose); switch that off where it exists.
  await fsp.writeFile(configFile, lines(22, ['PerSourcePenalties no']));
  const penalties = (await validateConfig(configFile)) === null ? ['PerSourcePenalties no'] : [];
  await fsp.writeFile(configFile, lines(22, penalties));
  const invalid = await validateConfig(configFile);
  if (invalid !== null) throw new Error(`sshd_config rejected: ${invalid}`);

  let daemon: Daemon | null = null;
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    await fsp.writeFile(configFile, lines(port, penalties));
    try {
      daemon = await launch(configFile, port, login?.wrap);
      break;
    } catch (e) {
      // Another process took the port between our probe and sshd's bind: pick another.
      if (!(e instanceof BindError) || attempt >= 5) throw e;
    }
  }
  await fsp.writeFile(knownHostsFile, `[127.0.0.1]:${port} ${hostPublicKey}\n`);

  const killTree = async (): Promise<void> => {
    if (daemon === null) return;
    const current = daemon;
    daemon = null;
    await current.killAll();
  };

  return {
    host: '127.0.0.1',
    port,
    user,
    dir,
    identityFile,
    passphraseIdentityFile,
    passphrase,
    password: options.password ?? null,
    hostKeyFile,
    hostPublicKey,
    hostFingerprint,
    knownHostsFile,
    authorizedKeys: {
      add: (line) => fsp.appendFile(authorizedKeysFile, line.trim() + '\n'),
      set: (all) => fsp.writeFile(authorizedKeysFile, all.map((l) => l.trim() + '\n').join('')),
    },
    pid: () => daemon?.child.pid ?? null,
    async restart() {
      if (daemon !== null) {
        const current = daemon;
        daemon = null;
        await current.terminate();
      }
      // The port was just released by our own daemon; a short retry covers a slow kernel.
      for (let attempt = 1; ; attempt++) {
        try {
          daemon = await launch(configFile, port, login?.wrap);
          return;
        } catch (e) {
          if (!(e instanceof BindError) || attempt >= 20) throw e;
          await sleep(100);
        }
      }
    },
    killAll: killTree,
    async stop() {
      await killTree();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}

class BindError extends Error {}

interface Daemon {
  child: ChildProcess;
  /** SIGTERM the listener only, like `systemctl restart ssh`: sessions survive. */
  terminate(): Promise<void>;
  /** SIGKILL the listener and every process below it. */
  killAll(): Promise<void>;
}

/** Every live daemon of this process, killed if the test process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHook = false;

/** argv that starts `sshd -D -e -f <configFile>` (the same process: every wrapper execs the next). */
type Wrap = (sshdArgv: string[]) => string[];

async function launch(configFile: string, port: number, wrap: Wrap = (argv) => argv): Promise<Daemon> {
  const [program, ...args] = wrap([SSHD, '-D', '-e', '-f', configFile]);
  const child = spawn(program!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-8192);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    live.delete(child);
  });
  live.add(child);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (hasExited) {
      if (/Address already in use|Cannot bind any address/i.test(stderr)) throw new BindError(`sshd could not bind port ${port}: ${stderr.trim()}`);
      throw new Error(`sshd exited at start (code ${child.exitCode}): ${stderr.trim()}`);
    }
    if (await accepts(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sshd did not accept connections on port ${port} within 10 s: ${stderr.trim()}`);
    }
    await sleep(25);
  }

  const pid = child.pid!;
  return {
    child,
    async terminate() {
      if (!hasExited) child.kill('SIGTERM');
      await exited;
    },
    async killAll() {
      // Stop the tree first, so nothing forks or gets reparented while we collect it; then kill it all.
      const stopped = new Set<number>();
      for (let round = 0; round < 20; round++) {
        const found = [pid, ...descendantsOf(pid)].filter((p) => !stopped.has(p));
        if (found.length === 0) break;
        for (const p of found) {
          signal(p, 'SIGSTOP');
          stopped.add(p);
        }
      }
      for (const p of stopped) signal(p, 'SIGKILL');
      await exited;
      for (const p of stopped) await waitGone(p);
    },
  };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** Every process below `root`, from /proc. */
function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name, which may itself hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // A zombie is dead; only its parent's wait() removes it.
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return;
    } catch {
      return;
    }
    await sleep(20);
  }
}

/** The sshd_config lines and the launch wrapper of a daemon that also takes `password` for `user`. */
async function passwordLogin(
  dir: string,
  user: string,
  password: string,
  methods: Array<'password' | 'keyboard-interactive'> = ['password', 'keyboard-interactive'],
): Promise<{ config: string[]; wrap: Wrap }> {
  const shadowFile = join(dir, 'shadow');
  const pamFile = join(dir, 'pam-sshd');
  // One line: the daemon only looks up its login user, and no other account's hash is copied anywhere.
  await fsp.writeFile(shadowFile, `${user}:${await cryptPassword(password)}:19000:0:99999:7:::\n`, { mode: 0o600 });
  // pam_unix checks the password against the (bind-mounted) shadow file; nothing else of the system's PAM stack runs.
  await fsp.writeFile(
    pamFile,
    ['auth required pam_unix.so', 'account required pam_permit.so', 'password required pam_deny.so', 'session required pam_permit.so', ''].join('\n'),
  );
  const yesNo = (m: 'password' | 'keyboard-interactive'): string => (methods.includes(m) ? 'yes' : 'no');
  return {
    config: [
      'UsePAM yes',
      `PasswordAuthentication ${yesNo('password')}`,
      `KbdInteractiveAuthentication ${yesNo('keyboard-interactive')}`,
      // The tests run as root: `prohibit-password` would refuse the very method under test.
      'PermitRootLogin yes',
    ],
    wrap: (argv) => [
      'unshare',
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount --bind "$1" /etc/shadow && mount --bind "$2" /etc/pam.d/sshd && shift 2 && exec "$@"',
      'sshd-password',
      shadowFile,
      pamFile,
      ...argv,
    ],
  };
}

/** SHA-512 crypt(3) hash of `password`, as /etc/shadow holds it (the password goes through stdin, not argv). */
async function cryptPassword(password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', ['passwd', '-6', '-stdin'], (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
    child.stdin!.end(password + '\n');
  });
}

async function keygen(file: string, passphrase: string, comment: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', comment, '-f', file]);
}

async function fingerprintOf(pubFile: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile]);
  const fp = stdout.split(' ')[1];
  if (fp === undefined || !fp.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen -lf output: ${stdout}`);
  return fp;
}

/** null when `sshd -t` accepts the file, its complaint otherwise. */
async function validateConfig(file: string): Promise<string | null> {
  try {
    await run(SSHD, ['-t', '-f', file]);
    return null;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return (err.stderr ?? '').trim() || err.message;
  }
}


function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
