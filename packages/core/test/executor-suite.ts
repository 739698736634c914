/**
 * The behaviour every {@link Executor} must have, as a reusable vitest suite:
 * `describeExecutorSuite('LocalExecutor', setup)` here, the SSH transport later.
 * `setup` gives a fresh executor and an empty, absolute, normalized folder on
 * the target that the suite may fill; `cleanup` removes it.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Executor, StartedProcess } from '../src/contract/executor.js';
import { stopProcessGroups } from '../src/engine/process-groups.js';
import { canonicalFuturePath, canonicalPath } from '../src/exec/canonical-path.js';
import { isHealerError } from '../src/errors.js';

/** What a suite needs from the transport under test. */
export interface ExecutorFixture {
  exec: Executor;
  /** An empty folder on the target (absolute, normalized) the tests may write in. */
  dir: string;
  cleanup(): Promise<void>;
}

export type ExecutorSetup = () => Promise<ExecutorFixture>;

/** Resolve to the HealerError code a promise rejects with (fails the test if it resolves). */
export async function rejectionCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return isHealerError(e) ? e.code : `not a HealerError: ${String(e)}`;
  }
  return 'resolved';
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

export function describeExecutorSuite(name: string, setup: ExecutorSetup): void {
  describe(`Executor conformance: ${name}`, () => {
    let fx: ExecutorFixture;
    let exec: Executor;
    let counter = 0;
    /** A fresh path under the test folder. */
    const fresh = (label: string): string => `${fx.dir}/${label}-${++counter}`;

    beforeAll(async () => {
      fx = await setup();
      exec = fx.exec;
    });
    afterAll(async () => {
      await fx?.cleanup();
    });

    /** Wait until no process on the target matches `marker`, or give up after `ms`. */
    async function survivors(marker: string, ms = 5_000): Promise<string> {
      // `[s]leep` matches the sleeps but not this pgrep, nor a shell that wraps it.
      const pattern = `[${marker[0]}]${marker.slice(1).replaceAll('.', '\\.')}`;
      const deadline = Date.now() + ms;
      for (;;) {
        const r = await exec.run(['pgrep', '-af', pattern]);
        if (r.exitCode === 1) return '';
        if (r.exitCode !== 0) throw new Error(`pgrep failed (${r.exitCode}): ${r.stderr}`);
        if (Date.now() > deadline) return r.stdout;
        await new Promise((res) => setTimeout(res, 100));
      }
    }

    describe('run: exit codes and output', () => {
      it('reports the exit code', async () => {
        expect((await exec.run(['true'])).exitCode).toBe(0);
        expect((await exec.run(['false'])).exitCode).toBe(1);
        expect((await exec.run(['sh', '-c', 'exit 3'])).exitCode).toBe(3);
        const r = await exec.run(['sh', '-c', 'exit 255']);
        expect(r).toMatchObject({ exitCode: 255, signal: null, timedOut: false, truncated: false });
        expect(r.durationMs).toBeGreaterThanOrEqual(0);
      });

      it('keeps stdout and stderr apart', async () => {
        const r = await exec.run(['sh', '-c', 'echo out1; echo err1 >&2; echo out2; echo err2 >&2']);
        expect(r.stdout).toBe('out1\nout2\n');
        expect(r.stderr).toBe('err1\nerr2\n');
        expect(bytesEqual(r.stdoutBytes, text('out1\nout2\n'))).toBe(true);
      });

      it('returns binary stdout byte for byte (all 256 byte values)', async () => {
        const all = Uint8Array.from({ length: 256 }, (_, i) => i);
        const viaStdin = await exec.run(['cat'], { input: all });
        expect(bytesEqual(viaStdin.stdoutBytes, all)).toBe(true);
        // Produced by the command itself, not echoed from our input.
        const octal = Array.from(all, (b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
        const viaPrintf = await exec.run(['printf', octal]);
        expect(bytesEqual(viaPrintf.stdoutBytes, all)).toBe(true);
      });

      it('feeds input to stdin, as text or bytes', async () => {
        expect((await exec.run(['cat'], { input: 'héllo\nworld' })).stdout).toBe('héllo\nworld');
        expect((await exec.run(['wc', '-c'], { input: new Uint8Array([0, 1, 2, 255]) })).stdout.trim()).toBe('4');
        // No input: stdin is at end of file, the command does not hang.
        expect((await exec.run(['cat'], { timeoutMs: 10_000 })).stdout).toBe('');
      });

      it('runs a 1 MiB output through byte-identical', async () => {
        const data = randomBytes(1024 * 1024);
        const path = fresh('mib');
        await exec.writeFile(path, data);
        const r = await exec.run(['cat', '--', path]);
        expect(r.truncated).toBe(false);
        expect(r.stdoutBytes.length).toBe(data.length);
        expect(bytesEqual(r.stdoutBytes, data)).toBe(true);
        const echoed = await exec.run(['cat'], { input: data });
        expect(bytesEqual(echoed.stdoutBytes, data)).toBe(true);
      });

      it('caps stdout and stderr at maxOutputBytes and says so', async () => {
        const r = await exec.run(['sh', '-c', 'head -c 5000 /dev/zero; head -c 7000 /dev/zero >&2'], { maxOutputBytes: 1000 });
        expect(r.exitCode).toBe(0);
        expect(r.truncated).toBe(true);
        expect(r.stdoutBytes.length).toBe(1000);
        expect(r.stderr.length).toBe(1000);
        const under = await exec.run(['sh', '-c', 'head -c 1000 /dev/zero'], { maxOutputBytes: 1000 });
        expect(under.truncated).toBe(false);
        expect(under.stdoutBytes.length).toBe(1000);
      });

      it('carries long arguments byte-identical: 100 000 bytes, 20 000 quotes, both in one command', async () => {
        // Each under the kernel's 128 KiB limit for one argument, as any local command may use them.
        const long = `${'x'.repeat(99_998)}é`;
        const quotes = "'".repeat(20_000);
        for (const s of [long, quotes]) {
          const r = await exec.run(['printf', '%s', s]);
          expect(r.exitCode, r.stderr.slice(0, 200)).toBe(0);
          expect(r.stdout.length).toBe(s.length);
          expect(r.stdout === s).toBe(true);
        }
        const both = await exec.run({ script: 'printf %s "$1" | wc -c; printf %s "$2" | wc -c', args: [long, quotes] });
        expect(both.exitCode, both.stderr.slice(0, 200)).toBe(0);
        expect(both.stdout.split('\n').map((l) => l.trim())).toEqual(['100000', '20000', '']);
      });

      it('gives 50 parallel commands each their own output', async () => {
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            exec.run(['sh', '-c', 'sleep 0.05; printf "%s" "$1"; printf "e%s" "$1" >&2', 'sh', `cmd-${i}-${'x'.repeat(i * 100)}`]),
          ),
        );
        results.forEach((r, i) => {
          expect(r.exitCode).toBe(0);
          expect(r.stdout).toBe(`cmd-${i}-${'x'.repeat(i * 100)}`);
          expect(r.stderr).toBe(`ecmd-${i}-${'x'.repeat(i * 100)}`);
        });
      });
    });

    describe('run: commands, cwd and env', () => {
      it('runs a script with its args as $1..$n, never spliced into the text', async () => {
        const r = await exec.run({ script: 'printf "%s|" "$0" "$#" "$@"', args: ['a b', '', '$HOME', "'"] });
        expect(r.stdout).toBe("sh|4|a b||$HOME|'|");
        expect((await exec.run({ script: 'echo no args: $#' })).stdout).toBe('no args: 0\n');
      });

      it('answers 127 for a command that does not exist', async () => {
        const argv = await exec.run(['healer-no-such-command-4b1d']);
        expect(argv.exitCode).toBe(127);
        const script = await exec.run({ script: 'healer-no-such-command-4b1d' });
        expect(script.exitCode).toBe(127);
      });

      it('refuses an empty command and NUL bytes with COMMAND_INVALID', async () => {
        expect(await rejectionCode(exec.run([]))).toBe('COMMAND_INVALID');
        expect(await rejectionCode(exec.run(['printf', 'a\0b']))).toBe('COMMAND_INVALID');
        expect(await rejectionCode(exec.run({ script: 'true', args: ['\0'] }))).toBe('COMMAND_INVALID');
      });

      it('runs in the given working directory', async () => {
        const dir = fresh('cwd dir');
        await exec.mkdir(dir);
        await exec.writeFile(`${dir}/marker.txt`, 'here');
        expect((await exec.run(['cat', 'marker.txt'], { cwd: dir })).stdout).toBe('here');
        const physical = (await exec.run(['realpath', '-e', '--', dir])).stdout.trim();
        expect((await exec.run(['pwd', '-P'], { cwd: dir })).stdout.trim()).toBe(physical);
      });

      it('refuses a missing working directory with FILE_NOT_FOUND and an invalid one with PATH_INVALID', async () => {
        expect(await rejectionCode(exec.run(['true'], { cwd: `${fx.dir}/no-such-dir` }))).toBe('FILE_NOT_FOUND');
        expect(await rejectionCode(exec.run(['true'], { cwd: 'relative' }))).toBe('PATH_INVALID');
        expect(await rejectionCode(exec.run(['true'], { cwd: `${fx.dir}/../x` }))).toBe('PATH_INVALID');
      });

      it('sets env for that command only, keeping the rest of the environment', async () => {
        const value = "a b $HOME 'q' \"dq\" \\ \n é";
        const r = await exec.run(['sh', '-c', 'printf "%s" "$HEALER_SUITE_VAR"; command -v sh >/dev/null && printf ok'], {
          env: { HEALER_SUITE_VAR: value },
        });
        expect(r.stdout).toBe(`${value}ok`);
        const after = await exec.run(['sh', '-c', 'printf "%s" "${HEALER_SUITE_VAR-unset}"']);
        expect(after.stdout).toBe('unset');
      });

      it('refuses an invalid variable name with COMMAND_INVALID', async () => {
        expect(await rejectionCode(exec.run(['true'], { env: { 'A-B': 'x' } }))).toBe('COMMAND_INVALID');
        expect(await rejectionCode(exec.run(['true'], { env: { 'A=B': 'x' } }))).toBe('COMMAND_INVALID');
        expect(await rejectionCode(exec.run(['true'], { env: { A: 'x\0' } }))).toBe('COMMAND_INVALID');
      });
    });

    describe('canonicalPath', () => {
      it('gives one spelling for a folder, a symlink to it, and a path with /./ or a trailing slash', async () => {
        const real = fresh('site');
        await exec.mkdir(real);
        await exec.writeFile(`${real}/index.php`, '<?php\n');
        const link = fresh('site-link');
        expect((await exec.run(['ln', '-s', real, link])).exitCode).toBe(0);
        const canonical = await canonicalPath(exec, real);
        expect(await canonicalPath(exec, link)).toBe(canonical);
        expect(await canonicalPath(exec, `${link}/index.php`)).toBe(`${canonical}/index.php`);
        expect(await canonicalPath(exec, real.replace(/\/([^/]+)$/, '/./$1/'))).toBe(canonical);
        expect(await rejectionCode(canonicalPath(exec, fresh('missing')))).toBe('FILE_NOT_FOUND');
        expect(await canonicalFuturePath(exec, `${link}/not-yet/bk`)).toBe(`${canonical}/not-yet/bk`);
      });

      it('falls back to cd -P for a folder when realpath lacks -e/-z (BusyBox)', async () => {
        const real = fresh('site');
        await exec.mkdir(real);
        const link = fresh('site-link');
        expect((await exec.run(['ln', '-s', real, link])).exitCode).toBe(0);
        const noGnuRealpath: Executor = Object.assign(Object.create(null) as Executor, {
          host: exec.host,
          run: (command: Parameters<Executor['run']>[0], options?: Parameters<Executor['run']>[1]) =>
            exec.run(Array.isArray(command) && command[0] === 'realpath' ? ['sh', '-c', 'echo "realpath: unrecognized option: e" >&2; exit 1'] : command, options),
          stat: (path: string) => exec.stat(path),
        });
        expect(await canonicalPath(noGnuRealpath, link)).toBe(await canonicalPath(exec, real));
      });
    });

    describe('run: onStart and process groups', () => {
      it('reports the process group once, while the command runs; the command and its children are in it', async () => {
        const seen: StartedProcess[] = [];
        let settled = false;
        const running = exec
          .run(['sh', '-c', 'sleep 1 & echo "$(ps -o pgid= -p $$) $(ps -o pgid= -p $!)"; wait'], { onStart: (p) => seen.push(p) })
          .finally(() => (settled = true));
        const deadline = Date.now() + 5_000;
        while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(settled).toBe(false);
        const r = await running;
        expect(seen).toHaveLength(1);
        const { pid, pgid } = seen[0]!;
        expect(pid).toBeGreaterThan(1);
        expect(pgid).toBe(pid);
        expect(r.stdout.trim().split(/\s+/).map(Number)).toEqual([pgid, pgid]);
      });

      it('lets stopProcessGroups stop a group its command left running, then says it is gone', async () => {
        const marker = `sleep 32.${randomInt(100_000, 999_999)}`;
        let pgid: number | null = null;
        const running = exec.run(['sh', '-c', `${marker} & ${marker}`], { onStart: (p) => (pgid = p.pgid), timeoutMs: 60_000 });
        const deadline = Date.now() + 5_000;
        while (pgid === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(pgid).not.toBeNull();
        const stopped = await stopProcessGroups(exec, [{ host: exec.host, pgid: pgid! }]);
        expect(stopped).toEqual({ stopped: [pgid], left: [] });
        expect((await running).exitCode).not.toBe(0);
        expect(await survivors(marker, 1_000)).toBe('');
        // Already gone, or recorded on another host: nothing signalled here, the other host's group is left.
        expect(await stopProcessGroups(exec, [{ host: exec.host, pgid: pgid! }])).toEqual({ stopped: [], left: [] });
        expect(await stopProcessGroups(exec, [{ host: 'ssh://elsewhere:22', pgid: 4242 }])).toEqual({ stopped: [], left: [{ host: 'ssh://elsewhere:22', pgid: 4242 }] });
      });
    });

    describe('run: timeout and abort', () => {
      it('kills the whole process group on timeout', async () => {
        const marker = `sleep 30.${randomInt(100_000, 999_999)}`;
        const started = Date.now();
        const r = await exec.run(['sh', '-c', `${marker} & ${marker}`], { timeoutMs: 300 });
        expect(r.timedOut).toBe(true);
        expect(r.exitCode).toBeNull();
        expect(r.signal).not.toBeNull();
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(await survivors(marker)).toBe('');
      });

      it('kills the whole process group when the signal aborts', async () => {
        const marker = `sleep 31.${randomInt(100_000, 999_999)}`;
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 300);
        const started = Date.now();
        const r = await exec.run(['sh', '-c', `${marker} & ${marker}`], { signal: controller.signal });
        expect(r.exitCode).toBeNull();
        expect(r.signal).not.toBeNull();
        expect(r.timedOut).toBe(false);
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(await survivors(marker)).toBe('');
      });

      it('does not start a command whose signal is already aborted', async () => {
        const path = fresh('not-started');
        const controller = new AbortController();
        controller.abort();
        expect(await rejectionCode(exec.run(['touch', '--', path], { signal: controller.signal }))).toBe('ABORTED');
        expect(await exec.exists(path)).toBe(false);
      });
    });

    describe('files: read and write', () => {
      it('writes and reads text and bytes', async () => {
        const path = fresh('file.txt');
        await exec.writeFile(path, 'héllo\n');
        expect(bytesEqual(await exec.readFile(path), text('héllo\n'))).toBe(true);
        const all = Uint8Array.from({ length: 256 }, (_, i) => i);
        await exec.writeFile(path, all);
        expect(bytesEqual(await exec.readFile(path), all)).toBe(true);
        await exec.writeFile(path, '');
        expect((await exec.readFile(path)).length).toBe(0);
      });

      it('writes a file whose name is as long as the file system allows (255 bytes)', async () => {
        const dir = fresh('long-name');
        await exec.mkdir(dir);
        const path = `${dir}/${'é'.repeat(127)}x`;
        await exec.writeFile(path, 'long');
        await exec.writeFile(path, 'longer');
        expect(Buffer.from(await exec.readFile(path)).toString()).toBe('longer');
        expect((await exec.list(dir)).map((e) => e.name)).toEqual([`${'é'.repeat(127)}x`]);
      });

      it('answers FILE_NOT_FOUND for an absent file and a write into an absent folder', async () => {
        expect(await rejectionCode(exec.readFile(fresh('absent')))).toBe('FILE_NOT_FOUND');
        expect(await rejectionCode(exec.writeFile(`${fresh('absent-dir')}/f`, 'x'))).toBe('FILE_NOT_FOUND');
      });

      it('returns at most maxBytes bytes, the whole file when it is smaller', async () => {
        const path = fresh('max');
        await exec.writeFile(path, '0123456789');
        expect(Buffer.from(await exec.readFile(path, { maxBytes: 4 })).toString()).toBe('0123');
        expect(Buffer.from(await exec.readFile(path, { maxBytes: 10 })).toString()).toBe('0123456789');
        expect(Buffer.from(await exec.readFile(path, { maxBytes: 1000 })).toString()).toBe('0123456789');
      });

      it('reads regular files only: a link to /dev/zero, a FIFO and a folder are refused at once', async () => {
        const link = fresh('zero-link');
        const fifo = fresh('fifo');
        const folder = fresh('folder');
        expect((await exec.run(['ln', '-s', '/dev/zero', link])).exitCode).toBe(0);
        expect((await exec.run(['mkfifo', fifo])).exitCode).toBe(0);
        await exec.mkdir(folder);
        const started = Date.now();
        for (const path of [link, fifo, folder]) {
          const err = await exec.readFile(path).catch((e: unknown) => e);
          expect(isHealerError(err, 'INVALID_ARGUMENT'), `${path}: ${String(err)}`).toBe(true);
          expect((err as Error).message).toBe(`Cannot read ${path}: it is not a regular file (a folder, device, FIFO or socket).`);
          expect(await rejectionCode(exec.readFile(path, { maxBytes: 10 }))).toBe('INVALID_ARGUMENT');
        }
        expect(Date.now() - started).toBeLessThan(10_000);
      });

      it('refuses a whole-file read above 64 MiB, and gives its prefix with maxBytes', async () => {
        const big = fresh('big');
        await exec.writeFile(big, 'head');
        expect((await exec.run(['truncate', '-s', String(64 * 1024 * 1024 + 1), big])).exitCode).toBe(0);
        const err = await exec.readFile(big).catch((e: unknown) => e);
        expect(isHealerError(err, 'INVALID_ARGUMENT'), String(err)).toBe(true);
        expect((err as Error).message).toMatch(/67108864/);
        expect(Buffer.from(await exec.readFile(big, { maxBytes: 4 })).toString()).toBe('head');
        await exec.remove(big);
      });

      it('writes atomically: a concurrent reader only ever sees a whole version', async () => {
        const dir = fresh('atomic');
        await exec.mkdir(dir);
        const path = `${dir}/data.bin`;
        const size = 2 * 1024 * 1024;
        const versions = [Buffer.alloc(size, 'a'), Buffer.alloc(size, 'b')];
        await exec.writeFile(path, versions[0]!);
        let writing = true;
        const writer = (async () => {
          for (let i = 1; i <= 12; i++) await exec.writeFile(path, versions[i % 2]!);
          writing = false;
        })();
        let reads = 0;
        while (writing) {
          const [got, seen] = await Promise.all([exec.readFile(path), exec.run(['cat', '--', path])]);
          for (const bytes of [got, seen.stdoutBytes]) {
            expect(bytes.length).toBe(size);
            expect(bytesEqual(bytes, versions[0]!) || bytesEqual(bytes, versions[1]!)).toBe(true);
          }
          reads++;
        }
        await writer;
        expect(reads).toBeGreaterThan(0);
        // No temp file left behind.
        expect((await exec.list(dir)).map((e) => e.name)).toEqual(['data.bin']);
      });

      it('keeps the mode of an existing file, and uses the given mode otherwise', async () => {
        const path = fresh('mode');
        await exec.writeFile(path, 'one', { mode: 0o640 });
        expect((await exec.stat(path))?.mode).toBe(0o640);
        await exec.chmod(path, 0o600);
        await exec.writeFile(path, 'two');
        expect((await exec.stat(path))?.mode).toBe(0o600);
        await exec.writeFile(path, 'three', { mode: 0o604 });
        expect((await exec.stat(path))?.mode).toBe(0o604);
        expect(Buffer.from(await exec.readFile(path)).toString()).toBe('three');
      });
    });

    describe('files: stat, list, exists', () => {
      it('stats files, folders and symlinks without following the link; null when absent', async () => {
        const dir = fresh('stat');
        await exec.mkdir(dir);
        await exec.writeFile(`${dir}/f`, '12345', { mode: 0o640 });
        await exec.run(['ln', '-s', `${dir}/f`, `${dir}/link`]);
        await exec.run(['ln', '-s', `${dir}/nowhere`, `${dir}/dangling`]);
        const file = await exec.stat(`${dir}/f`);
        expect(file).toMatchObject({ path: `${dir}/f`, type: 'file', size: 5, mode: 0o640 });
        expect(typeof file?.uid).toBe('number');
        expect(typeof file?.gid).toBe('number');
        expect(Math.abs((file?.mtimeMs ?? 0) - Date.now())).toBeLessThan(10 * 60_000);
        expect((await exec.stat(dir))?.type).toBe('directory');
        expect((await exec.stat(`${dir}/link`))?.type).toBe('symlink');
        expect((await exec.stat(`${dir}/dangling`))?.type).toBe('symlink');
        expect(await exec.stat(`${dir}/absent`)).toBeNull();
        expect(await exec.stat(`${dir}/f/below-a-file`)).toBeNull();
      });

      it('lists a folder with entry types', async () => {
        const dir = fresh('list');
        await exec.mkdir(`${dir}/sub`);
        await exec.writeFile(`${dir}/b.txt`, 'b');
        await exec.writeFile(`${dir}/a b.txt`, 'a');
        await exec.run(['ln', '-s', 'b.txt', `${dir}/ln`]);
        const entries = await exec.list(dir);
        expect([...entries].sort((x, y) => (x.name < y.name ? -1 : 1))).toEqual([
          { name: 'a b.txt', type: 'file' },
          { name: 'b.txt', type: 'file' },
          { name: 'ln', type: 'symlink' },
          { name: 'sub', type: 'directory' },
        ]);
        expect(await exec.list(`${dir}/sub`)).toEqual([]);
        expect(await rejectionCode(exec.list(`${dir}/absent`))).toBe('FILE_NOT_FOUND');
      });

      it('tells whether a path exists (a dangling symlink exists)', async () => {
        const dir = fresh('exists');
        await exec.mkdir(dir);
        await exec.run(['ln', '-s', `${dir}/nowhere`, `${dir}/dangling`]);
        expect(await exec.exists(dir)).toBe(true);
        expect(await exec.exists(`${dir}/dangling`)).toBe(true);
        expect(await exec.exists(`${dir}/nowhere`)).toBe(false);
      });
    });

    describe('files: mkdir, remove, rename, chmod', () => {
      it('creates folders with their parents, and accepts an existing one', async () => {
        const dir = `${fresh('mkdir')}/a/b/c`;
        await exec.mkdir(dir);
        expect((await exec.stat(dir))?.type).toBe('directory');
        await exec.mkdir(dir);
        const withMode = `${fresh('mkdir-mode')}`;
        await exec.mkdir(withMode, { mode: 0o700 });
        expect((await exec.stat(withMode))?.mode).toBe(0o700);
      });

      it('removes a file, a whole tree, a symlink but not its target; absent is fine', async () => {
        const dir = fresh('remove');
        await exec.mkdir(`${dir}/tree/deep/er`);
        await exec.writeFile(`${dir}/tree/deep/er/f`, 'x');
        await exec.writeFile(`${dir}/keep`, 'k');
        await exec.run(['ln', '-s', `${dir}/keep`, `${dir}/link`]);
        await exec.remove(`${dir}/tree`);
        expect(await exec.exists(`${dir}/tree`)).toBe(false);
        await exec.remove(`${dir}/link`);
        expect(await exec.exists(`${dir}/link`)).toBe(false);
        expect(Buffer.from(await exec.readFile(`${dir}/keep`)).toString()).toBe('k');
        await exec.remove(`${dir}/keep`);
        expect(await exec.exists(`${dir}/keep`)).toBe(false);
        await exec.remove(`${dir}/never-existed`);
      });

      it('renames files and folders, replacing an existing file', async () => {
        const dir = fresh('rename');
        await exec.mkdir(`${dir}/d1`);
        await exec.writeFile(`${dir}/d1/f`, 'inner');
        await exec.rename(`${dir}/d1`, `${dir}/d2`);
        expect(await exec.exists(`${dir}/d1`)).toBe(false);
        expect(Buffer.from(await exec.readFile(`${dir}/d2/f`)).toString()).toBe('inner');
        await exec.writeFile(`${dir}/old`, 'new content');
        await exec.writeFile(`${dir}/target`, 'old content');
        await exec.rename(`${dir}/old`, `${dir}/target`);
        expect(Buffer.from(await exec.readFile(`${dir}/target`)).toString()).toBe('new content');
        expect(await rejectionCode(exec.rename(`${dir}/absent`, `${dir}/x`))).toBe('FILE_NOT_FOUND');
      });

      it('changes permission bits', async () => {
        const path = fresh('chmod');
        await exec.writeFile(path, 'x');
        await exec.chmod(path, 0o751);
        expect((await exec.stat(path))?.mode).toBe(0o751);
        await exec.chmod(path, 0o4755);
        expect((await exec.stat(path))?.mode).toBe(0o4755);
        expect(await rejectionCode(exec.chmod(fresh('absent'), 0o644))).toBe('FILE_NOT_FOUND');
      });
    });

    describe('files: invalid paths', () => {
      it('refuses relative, dot-dot, trailing-slash, NUL and newline paths with PATH_INVALID everywhere', async () => {
        const bad = ['relative/file', `${fx.dir}/../escape`, `${fx.dir}/./x`, `${fx.dir}/`, `${fx.dir}/a\0b`, `${fx.dir}/a\nb`, ''];
        const good = fresh('good');
        await exec.writeFile(good, 'g');
        for (const p of bad) {
          const label = JSON.stringify(p);
          const calls: Array<[string, () => Promise<unknown>]> = [
            ['readFile', () => exec.readFile(p)],
            ['writeFile', () => exec.writeFile(p, 'x')],
            ['stat', () => exec.stat(p)],
            ['list', () => exec.list(p)],
            ['exists', () => exec.exists(p)],
            ['mkdir', () => exec.mkdir(p)],
            ['remove', () => exec.remove(p)],
            ['rename from', () => exec.rename(p, `${fx.dir}/renamed`)],
            ['rename to', () => exec.rename(good, p)],
            ['chmod', () => exec.chmod(p, 0o600)],
          ];
          for (const [method, call] of calls) expect(await rejectionCode(call()), `${method} ${label}`).toBe('PATH_INVALID');
        }
        expect(Buffer.from(await exec.readFile(good)).toString()).toBe('g');
        expect(await exec.exists(`${fx.dir}/renamed`)).toBe(false);
      });
    });
  });
}
