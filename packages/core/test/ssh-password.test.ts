/**
 * Password logins of the SSH transport against a real OpenSSH sshd: the
 * `password` method, `keyboard-interactive` through PAM, a wrong password,
 * the order against a key, and a server that takes no password. The test
 * daemon checks the password against a throwaway shadow file of its own
 * (see test-utils' sshd): the machine's accounts are not changed.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sshOptions, startSshd, type RunningSshd } from '@healer/test-utils';
import { isHealerError } from '../src/errors.js';
import type { SshExecutorOptions } from '../src/ssh/options.js';
import { SshExecutor } from '../src/ssh/index.js';

const PASSWORD = 'Tr0ub4dor &3 "quoted"';
const WRONG = 'not-the-password-7f3a';

/** Log in with `overrides` (no key unless given) and run `touch <marker>`; the error, or `resolved`. */
async function attempt(sshd: RunningSshd, overrides: Partial<SshExecutorOptions>, marker: string): Promise<{ code: string; message: string }> {
  const { identityFile: _unused, ...base } = sshOptions(sshd);
  const exec = new SshExecutor({ ...base, ...overrides });
  try {
    const r = await exec.run(['touch', marker]);
    return r.exitCode === 0 ? { code: 'resolved', message: '' } : { code: 'exit', message: r.stderr };
  } catch (e) {
    return isHealerError(e) ? { code: e.code, message: e.message } : { code: 'not a HealerError', message: String(e) };
  } finally {
    await exec.close();
  }
}

const exists = (p: string): Promise<boolean> =>
  fsp.stat(p).then(
    () => true,
    () => false,
  );

describe.each([
  { methods: ['password'] as const, label: 'the password method' },
  { methods: ['keyboard-interactive'] as const, label: 'keyboard-interactive (PAM password prompt)' },
])('SshExecutor password login through $label', ({ methods }) => {
  let sshd: RunningSshd;
  let dir: string;
  beforeAll(async () => {
    sshd = await startSshd({ password: PASSWORD, passwordMethods: [...methods] });
    dir = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'healer-ssh-password-')));
  });
  afterAll(async () => {
    await sshd?.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('logs in with the right password and runs the command', async () => {
    const marker = join(dir, 'ok');
    expect(await attempt(sshd, { password: PASSWORD }, marker)).toEqual({ code: 'resolved', message: '' });
    expect(await exists(marker)).toBe(true);
  });

  it('keeps the password out of what the executor shows of itself', async () => {
    const { identityFile: _unused, ...base } = sshOptions(sshd);
    const exec = new SshExecutor({ ...base, password: PASSWORD });
    try {
      await exec.run(['true']);
      const shown = [inspect(exec, { depth: 10, showHidden: true }), JSON.stringify(exec), JSON.stringify(exec.info()), exec.host];
      for (const text of shown) expect(text).not.toContain(PASSWORD);
    } finally {
      await exec.close();
    }
  });

  it('refuses a wrong password with AUTH_FAILED, runs nothing and never prints the password', async () => {
    const marker = join(dir, 'wrong');
    const e = await attempt(sshd, { password: WRONG }, marker);
    expect(e.code).toBe('AUTH_FAILED');
    const sent = methods[0] === 'password' ? 'password' : 'keyboard-interactive password';
    expect(e.message).toBe(`SSH authentication refused for ${sshd.user}@127.0.0.1:${sshd.port} (tried: ${sent}).`);
    expect(e.message).not.toContain(WRONG);
    expect(await exists(marker)).toBe(false);
  });
});

describe('SshExecutor password and key together', () => {
  let sshd: RunningSshd;
  let dir: string;
  const savedAgent = process.env['SSH_AUTH_SOCK'];
  beforeAll(async () => {
    sshd = await startSshd({ password: PASSWORD });
    dir = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'healer-ssh-password-')));
  });
  afterAll(async () => {
    await sshd?.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    if (savedAgent === undefined) delete process.env['SSH_AUTH_SOCK'];
    else process.env['SSH_AUTH_SOCK'] = savedAgent;
  });

  it('tries the key first: a good key logs in whatever the password', async () => {
    const marker = join(dir, 'key-first');
    expect(await attempt(sshd, { identityFile: sshd.identityFile, password: WRONG }, marker)).toEqual({ code: 'resolved', message: '' });
    expect(await exists(marker)).toBe(true);
  });

  it('falls back to the password when the server refuses the key', async () => {
    await sshd.authorizedKeys.set([]);
    try {
      expect(await attempt(sshd, { identityFile: sshd.identityFile, password: PASSWORD }, join(dir, 'fallback'))).toEqual({ code: 'resolved', message: '' });
      const e = await attempt(sshd, { identityFile: sshd.identityFile, password: WRONG }, join(dir, 'both-refused'));
      expect(e.code).toBe('AUTH_FAILED');
      expect(e.message).toMatch(/\(tried: publickey, password\)\.$/);
      expect(await exists(join(dir, 'both-refused'))).toBe(false);
    } finally {
      await sshd.authorizedKeys.set([await fsp.readFile(`${sshd.identityFile}.pub`, 'utf8')]);
    }
  });

  it("does not fall back to the process's own ssh-agent when a password is given", async () => {
    // An agent socket that does not exist: using it would fail the login before the password is sent.
    process.env['SSH_AUTH_SOCK'] = join(dir, 'no-agent.sock');
    expect(await attempt(sshd, { password: PASSWORD }, join(dir, 'no-agent'))).toEqual({ code: 'resolved', message: '' });
  });

  it('refuses an empty password as CONFIG_INVALID', () => {
    expect(() => new SshExecutor({ host: '127.0.0.1', user: 'u', password: '' })).toThrow(/password must be a non-empty string/);
  });
});

describe('SshExecutor password against a server that takes none', () => {
  let sshd: RunningSshd;
  let dir: string;
  beforeAll(async () => {
    sshd = await startSshd();
    dir = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'healer-ssh-password-')));
  });
  afterAll(async () => {
    await sshd?.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('says the server only takes keys, without sending the password', async () => {
    const e = await attempt(sshd, { password: PASSWORD }, join(dir, 'none'));
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.message).toBe(`SSH authentication refused for ${sshd.user}@127.0.0.1:${sshd.port} (tried: nothing; the password was not sent: the server takes no password, only publickey).`);
    expect(e.message).not.toContain(PASSWORD);
    expect(await exists(join(dir, 'none'))).toBe(false);
  });
});
