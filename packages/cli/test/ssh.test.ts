/**
 * The CLI against a remote host: a real OpenSSH sshd on 127.0.0.1, the CLI
 * as a real process, `--host ssh://...` and a named host from the config.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type RunningSshd } from '@healer/test-utils';
import type { Execution } from '@healer/core';
import { healThroughThreeSpellings, httpStatus, jsonOf, makeFixture, type Fixture } from './helpers.js';

let sshd: RunningSshd;
let f: Fixture;
let url: string;
let sshFlags: string[];

beforeAll(async () => {
  sshd = await startSshd();
  f = await makeFixture();
  url = `ssh://${sshd.user}@127.0.0.1:${sshd.port}`;
  sshFlags = ['--host', url, '--identity', sshd.identityFile, '--known-hosts', sshd.knownHostsFile];
}, 60_000);

afterAll(async () => {
  await f?.cleanup();
  await sshd?.stop();
});

interface Found {
  path: string;
  app: { plugin: string } | null;
}

describe('healer --host', () => {
  it('discovers the app over SSH with one search', async () => {
    const res = await f.run([...sshFlags, 'discover', f.root, '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(jsonOf<Found[]>(res).map((x) => [x.path, x.app?.plugin])).toEqual([[f.app, 'testapp']]);
  });

  it('diagnoses and heals over SSH exactly as locally', async () => {
    const diag = await f.run([...sshFlags, 'diagnose', f.app, '--json']);
    expect(diag.code).toBe(2);
    const d = jsonOf<{ transport: { kind: string; mode: string }; status: string }>(diag);
    expect(d.transport).toMatchObject({ kind: 'ssh', mode: 'persistent-shell' });

    const heal = await f.run([...sshFlags, 'heal', f.app, '--mode', 'auto', '--json']);
    expect(heal.code, heal.stdout + heal.stderr).toBe(0);
    expect(jsonOf<{ state: string }>(heal).state).toBe('FIXED');
    expect(await httpStatus(f.server.url)).toBe(200);
    await f.setStatus('broken');
  });

  it('heals one app once through three spellings of its folder (path, symlink, /./): one acts, two BLOCKED', async () => {
    const g = await makeFixture({ pluginConfig: { slowApplyMs: 4000 } });
    try {
      const results = await healThroughThreeSpellings(g, sshFlags);
      const executions = results.map((r) => jsonOf<Execution>(r));
      expect(executions.map((e) => e.state).sort(), results.map((r) => r.stdout + r.stderr).join('\n')).toEqual(['BLOCKED', 'BLOCKED', 'FIXED']);
      expect(new Set(executions.map((e) => e.appId)).size).toBe(1);
      const history = jsonOf<Execution[]>(await g.run(['history', '--json']));
      expect(history.map((e) => e.target.path)).toEqual([g.app, g.app, g.app]);
      expect(history.every((e) => e.target.host === url)).toBe(true);
    } finally {
      await g.cleanup();
    }
  }, 90_000);

  it('uses a named host from the configuration', async () => {
    const config = join(f.root, 'remote.config.json');
    const { plugins } = JSON.parse(await readFile(f.configFile, 'utf8')) as { plugins: unknown[] };
    const web1 = { host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFile: sshd.identityFile, knownHostsFile: sshd.knownHostsFile };
    await writeFile(config, JSON.stringify({ plugins, hosts: { web1 } }));
    // f.run puts the fixture's --config first; the later --config wins.
    const res = await f.run(['--config', config, '--host', 'web1', 'detect', f.app, '--json']);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    expect(jsonOf<{ app: { plugin: string } }>(res).app.plugin).toBe('testapp');
  });

  it('refuses an unknown host key with a clear error and runs nothing', async () => {
    const empty = join(f.root, 'empty_known_hosts');
    await writeFile(empty, '');
    const res = await f.run(['--host', url, '--identity', sshd.identityFile, '--known-hosts', empty, 'diagnose', f.app, '--json']);
    expect(res.code).toBe(3);
    const err = jsonOf<{ error: { code: string; message: string } }>(res).error;
    expect(err.code).toBe('HOST_KEY_UNKNOWN');
    expect(err.message).toContain(sshd.hostFingerprint);
  });

  it('pins a fingerprint instead of known_hosts', async () => {
    const ok = await f.run(['--host', url, '--identity', sshd.identityFile, '--fingerprint', sshd.hostFingerprint, 'detect', f.app, '--json']);
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
  });

  it('asks for an absolute remote path and a valid host', async () => {
    expect((await f.run([...sshFlags, 'diagnose', 'app'])).code).toBe(64);
    expect((await f.run(['--host', 'nosuchhost', 'diagnose', '/srv'])).code).toBe(64);
  });
});
