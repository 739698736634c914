/**
 * The shared executor conformance suite and the hostile-string corpus, run
 * against SshExecutor and a real OpenSSH sshd on loopback: the test folder is
 * a temp folder on this machine, reached over SSH. The conformance suite runs
 * in both modes (persistent shells, the default, and the exec-channel
 * fallback); the hostile corpus runs in full on persistent shells and as one
 * parallel batch over exec channels (a new SSH session per command).
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshExecutor, type SshExecutorOptions } from '@healer/core';
import { sshOptions, startSshd, type RunningSshd } from '@healer/test-utils';
import { commandToShell } from '../src/exec/quote.js';
import { isHealerError } from '../src/errors.js';
import { describeExecutorSuite, type ExecutorSetup } from './executor-suite.js';
import { describeHostileStrings, HOSTILE_STRINGS, materializeHostileString } from './hostile-strings.js';

let sshd: RunningSshd;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

function sshSetup(prefix: string, extra: Partial<SshExecutorOptions> = {}): ExecutorSetup {
  return async () => {
    const dir = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), prefix)));
    const exec = new SshExecutor(sshOptions(sshd, extra));
    return {
      exec,
      dir,
      async cleanup() {
        await exec.close();
        await fsp.rm(dir, { recursive: true, force: true });
      },
    };
  };
}

describeExecutorSuite('SshExecutor (persistent shells)', sshSetup('healer-ssh-exec-'));
describeExecutorSuite('SshExecutor (exec channels)', sshSetup('healer-ssh-exec-ch-', { forceExecChannels: true }));
describeHostileStrings('SshExecutor (persistent shells)', sshSetup('healer-ssh-hostile-'));

describe('SshExecutor transport mode', () => {
  it.each([
    ['persistent-shell', {}],
    ['exec-channel', { forceExecChannels: true }],
  ] as const)('runs the suites above in %s mode, and says so', async (mode, extra) => {
    const exec = new SshExecutor(sshOptions(sshd, extra));
    try {
      expect((await exec.run(['echo', 'ok'])).stdout).toBe('ok\n');
      expect(exec.host).toBe(`ssh://${sshd.user}@127.0.0.1:${sshd.port}`);
      expect(exec.info()).toMatchObject({ kind: 'ssh', host: exec.host, mode });
    } finally {
      await exec.close();
    }
  });
});

// The full corpus runs above on persistent shells; over exec channels (a new SSH session per command, each through
// the login shell and its rc file) the strings go in batches, each batch once per way a command line is built: every
// string must come back byte-identical in its place, a NUL must be refused, and nothing may run.
describe('Hostile strings: SshExecutor (exec channels), every string at once', () => {
  it('arrives byte-identical as an argument, an env value and inside sh -c, and never runs', async () => {
    const fx = await sshSetup('healer-ssh-hostile-ch-', { forceExecChannels: true })();
    try {
      const canaryDir = `${fx.dir}/canary`;
      const homeDir = `${fx.dir}/home`;
      await fx.exec.mkdir(canaryDir);
      await fx.exec.mkdir(homeDir);
      const opts = { cwd: canaryDir, env: { HOME: homeDir } };
      const failures: string[] = [];
      const all = HOSTILE_STRINGS.map((entry) => ({ label: entry.label, s: materializeHostileString(entry, `${canaryDir}/CANARY-${Date.now()}`) }));
      // A NUL cannot be in a command line: refused before any session opens.
      for (const { label, s } of all.filter((x) => x.s.includes('\0'))) {
        const ways = [
          () => fx.exec.run(['printf', '%s', s], opts),
          () => fx.exec.run({ script: 'printf %s "$HEALER_HOSTILE"' }, { ...opts, env: { HOME: homeDir, HEALER_HOSTILE: s } }),
        ];
        for (const attempt of ways) {
          const e = await attempt().then(() => null, (err: unknown) => err);
          if (!isHealerError(e, 'COMMAND_INVALID')) failures.push(`${label}: a NUL was not refused (${String(e).slice(0, 120)})`);
        }
      }
      const clean = all.filter((x) => !x.s.includes('\0'));
      const batches = Array.from({ length: Math.ceil(clean.length / 16) }, (_, i) => clean.slice(i * 16, i * 16 + 16));
      // Each string printed with a NUL after it: the output splits back into the strings, in order.
      const FORMAT = '%s\\0';
      const check = (batch: typeof clean, way: string, out: Uint8Array): void => {
        const parts = Buffer.from(out).toString('latin1').split('\0').slice(0, -1);
        if (parts.length !== batch.length) failures.push(`${way}: ${parts.length} strings came back for ${batch.length} (${batch.map((b) => b.label).join(', ')})`);
        batch.forEach(({ label, s }, i) => {
          if (parts[i] !== undefined && !Buffer.from(parts[i]!, 'latin1').equals(Buffer.from(s, 'utf8'))) failures.push(`${label} / ${way}: got ${JSON.stringify(parts[i]!.slice(0, 80))}`);
        });
      };
      await Promise.all(
        batches.map(async (batch) => {
          const strings = batch.map((b) => b.s);
          const env = Object.fromEntries(strings.map((s, i) => [`HEALER_HOSTILE_${i}`, s]));
          const envScript = `printf '${FORMAT}' ${strings.map((_, i) => `"$HEALER_HOSTILE_${i}"`).join(' ')}`;
          const ways: Array<[string, () => Promise<{ stdoutBytes: Uint8Array }>]> = [
            ['argv', () => fx.exec.run(['printf', FORMAT, ...strings], opts)],
            ['env value', () => fx.exec.run({ script: envScript }, { ...opts, env: { HOME: homeDir, ...env } })],
            ['sh -c commandToShell(argv)', () => fx.exec.run(['sh', '-c', commandToShell(['printf', FORMAT, ...strings])], opts)],
          ];
          for (const [way, attempt] of ways) {
            try {
              check(batch, way, (await attempt()).stdoutBytes);
            } catch (e) {
              failures.push(`${batch[0]!.label}.. / ${way}: ${String(e).slice(0, 200)}`);
            }
          }
        }),
      );
      expect(failures).toEqual([]);
      expect(await fx.exec.list(canaryDir)).toEqual([]);
      expect(await fx.exec.list(homeDir)).toEqual([]);
    } finally {
      await fx.cleanup();
    }
  }, 120_000);
});
