import { mkdtemp, rm, statfs } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFacts } from '../src/checks/facts.js';
import type { Command, Executor, RunOptions, RunResult } from '../src/contract/executor.js';
import { isHealerError } from '../src/errors.js';
import { toArgv } from '../src/exec/command.js';
import { LocalExecutor } from '../src/exec/local-executor.js';

/** A real LocalExecutor that records what runs and can pretend some programs are missing. */
class RecordingExecutor implements Executor {
  readonly host = 'local';
  readonly runs: string[][] = [];
  readonly reads: string[] = [];
  readonly #inner = new LocalExecutor();
  constructor(private readonly missing: ReadonlySet<string> = new Set()) {}

  async run(command: Command, options?: RunOptions): Promise<RunResult> {
    const argv = toArgv(command);
    this.runs.push(argv);
    if (this.missing.has(argv[0]!)) {
      // What a shell or LocalExecutor reports for a program that is not installed.
      return { exitCode: 127, signal: null, stdout: '', stderr: `${argv[0]}: not found\n`, stdoutBytes: new Uint8Array(), timedOut: false, truncated: false, durationMs: 0 };
    }
    return this.#inner.run(command, options);
  }
  readFile(path: string, options?: { maxBytes?: number }) {
    this.reads.push(path);
    return this.#inner.readFile(path, options);
  }
  writeFile = this.#inner.writeFile.bind(this.#inner);
  stat = this.#inner.stat.bind(this.#inner);
  list = this.#inner.list.bind(this.#inner);
  exists = this.#inner.exists.bind(this.#inner);
  mkdir = this.#inner.mkdir.bind(this.#inner);
  remove = this.#inner.remove.bind(this.#inner);
  rename = this.#inner.rename.bind(this.#inner);
  chmod = this.#inner.chmod.bind(this.#inner);
  close = this.#inner.close.bind(this.#inner);

  count(...prefix: string[]): number {
    return this.runs.filter((argv) => prefix.every((p, i) => argv[i] === p)).length;
  }
}

let dir: string;
let server: Server;
let serverPort: number;

beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'healer-facts-'));
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverPort = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe('createFacts on the real host', () => {
  it('disk(): sane totals for the filesystem of a folder, matching statfs', async () => {
    const disk = await createFacts(new LocalExecutor()).disk(dir);
    expect(disk.totalBytes).toBeGreaterThan(disk.availableBytes);
    expect(disk.availableBytes).toBeGreaterThan(0);
    expect(disk.usedPercent).toBeGreaterThan(0);
    expect(disk.usedPercent).toBeLessThan(100);
    expect(disk.mount.startsWith('/')).toBe(true);
    const st = await statfs(dir);
    expect(disk.totalBytes).toBe(st.blocks * st.bsize);
    if (st.files > 0) {
      expect(disk.inodesTotal).toBe(st.files);
      expect(disk.inodesFree).toBeGreaterThan(0);
      expect(disk.inodesUsedPercent).toBeGreaterThan(0);
    } else {
      expect(disk.inodesTotal).toBe(0);
      expect(disk.inodesUsedPercent).toBe(0);
    }
  });

  it('disk(): a missing folder is a coded error, a relative path is refused', async () => {
    const facts = createFacts(new LocalExecutor());
    const err = await facts.disk(join(dir, 'does-not-exist')).catch((e: unknown) => e);
    expect(isHealerError(err, 'COMMAND_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/df failed on local/);
    await expect(facts.disk('relative/path')).rejects.toMatchObject({ code: 'PATH_INVALID' });
  });

  it('memory(): total > available > 0, total as the OS reports it', async () => {
    const mem = await createFacts(new LocalExecutor()).memory();
    expect(mem.totalBytes).toBeGreaterThan(mem.availableBytes);
    expect(mem.availableBytes).toBeGreaterThan(0);
    expect(Math.abs(mem.totalBytes - os.totalmem()) / os.totalmem()).toBeLessThan(0.01);
    expect(mem.swapFreeBytes).toBeLessThanOrEqual(mem.swapTotalBytes);
  });

  it('load(): non-negative averages and a CPU count the OS agrees with', async () => {
    const load = await createFacts(new LocalExecutor()).load();
    for (const v of [load.load1, load.load5, load.load15]) expect(v).toBeGreaterThanOrEqual(0);
    expect(load.cpus).toBeGreaterThanOrEqual(1);
    expect(load.cpus).toBeLessThanOrEqual(os.cpus().length);
  });

  it('load(): falls back to getconf when nproc is missing', async () => {
    const exec = new RecordingExecutor(new Set(['nproc']));
    const load = await createFacts(exec).load();
    expect(exec.count('getconf', '_NPROCESSORS_ONLN')).toBe(1);
    expect(load.cpus).toBeGreaterThanOrEqual(1);
  });

  it('uname(): matches what Node reports', async () => {
    const u = await createFacts(new LocalExecutor()).uname();
    expect(u).toEqual({ kernel: os.type(), release: os.release(), machine: os.machine(), hostname: os.hostname() });
  });

  it('listeningPorts(): a server opened by this test shows up, owned by this process when visible', async () => {
    const ports = await createFacts(new LocalExecutor()).listeningPorts();
    const mine = ports.find((p) => p.port === serverPort);
    expect(mine).toMatchObject({ protocol: 'tcp', address: '127.0.0.1', port: serverPort });
    if (mine?.pid !== undefined) expect(mine.pid).toBe(process.pid);
    // A port nobody listens on is absent.
    expect(ports.some((p) => p.port === 0)).toBe(false);
  });

  it('listeningPorts(): without ss, /proc/net/tcp still finds the server', async () => {
    const exec = new RecordingExecutor(new Set(['ss']));
    const ports = await createFacts(exec).listeningPorts();
    expect(exec.reads).toEqual(expect.arrayContaining(['/proc/net/tcp', '/proc/net/tcp6']));
    expect(ports).toContainEqual({ protocol: 'tcp', address: '127.0.0.1', port: serverPort });
  });

  it('processes(): includes this process with its parent and command', async () => {
    const list = await createFacts(new LocalExecutor()).processes();
    const me = list.find((p) => p.pid === process.pid);
    expect(me).toBeDefined();
    expect(me!.ppid).toBe(process.ppid);
    expect(me!.user).toBe(os.userInfo().username);
    expect(me!.rssBytes).toBeGreaterThan(0);
    expect(me!.command).toMatch(/node/);
  });

  it('commandVersion(): first line of the output, null when missing, an error when it fails', async () => {
    const facts = createFacts(new LocalExecutor());
    expect(await facts.commandVersion(process.execPath)).toBe(process.version);
    expect(await facts.commandVersion('healer-no-such-command-3f9a')).toBeNull();
    // Version text on stderr (as `nginx -v` prints it) is used when stdout is empty.
    expect(await facts.commandVersion('sh', ['-c', 'echo "nginx version: nginx/1.24.0" >&2'])).toBe('nginx version: nginx/1.24.0');
    await expect(facts.commandVersion('sh', ['-c', 'echo broken >&2; exit 3'])).rejects.toMatchObject({ code: 'COMMAND_FAILED' });
  });
});

describe('createFacts memoization', () => {
  it('runs df once per variant for 10 calls, concurrent or not', async () => {
    const exec = new RecordingExecutor();
    const facts = createFacts(exec);
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => facts.disk(dir)));
    for (let i = 0; i < 5; i++) await facts.disk(dir);
    expect(new Set(concurrent).size).toBe(1);
    expect(exec.count('df', '-P', '-B1')).toBe(1);
    expect(exec.count('df', '-P', '-i')).toBe(1);
    expect(exec.count('df')).toBe(2);
  });

  it('reads /proc/meminfo once and shares probes between callers', async () => {
    const exec = new RecordingExecutor();
    const facts = createFacts(exec);
    await Promise.all([facts.memory(), facts.memory(), facts.load(), facts.load(), facts.processes(), facts.processes()]);
    expect(exec.reads.filter((p) => p === '/proc/meminfo')).toHaveLength(1);
    expect(exec.reads.filter((p) => p === '/proc/loadavg')).toHaveLength(1);
    expect(exec.count('ps')).toBe(1);
  });

  it('a new facts object probes again (one per run)', async () => {
    const exec = new RecordingExecutor();
    await createFacts(exec).disk(dir);
    await createFacts(exec).disk(dir);
    expect(exec.count('df', '-P', '-B1')).toBe(2);
  });

  it('get(): concurrent callers share one probe; a rejection is not kept', async () => {
    const facts = createFacts(new LocalExecutor());
    let calls = 0;
    const failing = async (): Promise<number> => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      throw new Error(`boom ${calls}`);
    };
    const [a, b] = await Promise.allSettled([facts.get('test:flaky', failing), facts.get('test:flaky', failing)]);
    expect(calls).toBe(1);
    expect(a).toMatchObject({ status: 'rejected', reason: { message: 'boom 1' } });
    expect(b).toMatchObject({ status: 'rejected', reason: { message: 'boom 1' } });
    // The next call probes again, and a success is then kept.
    expect(await facts.get('test:flaky', async () => ++calls)).toBe(2);
    expect(await facts.get('test:flaky', async () => ++calls)).toBe(2);
    expect(calls).toBe(2);
  });

  it('get(): a probe that throws synchronously becomes a rejection', async () => {
    const facts = createFacts(new LocalExecutor());
    const probe = (): Promise<number> => {
      throw new Error('sync');
    };
    await expect(facts.get('test:sync', probe)).rejects.toThrow('sync');
  });
});
