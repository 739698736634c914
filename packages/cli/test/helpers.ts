/**
 * Running the built `healer` as a real process against a real testapp folder
 * served by a real HTTP server, with a temp state folder and config file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestapp, testappFiles, writeTree, type RunningTestapp } from '@healer/test-utils';

/** The built CLI (run `pnpm build` first). */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
/** The test-only plugin module, loaded by path from the config file. */
export const TESTAPP_PLUGIN = fileURLToPath(new URL('../../test-utils/dist/testapp-plugin.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** Start `node dist/bin.js ...args` as a child process. */
export function spawnHealer(args: readonly string[], options: RunOptions): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Wait for a child started by {@link spawnHealer} to end, with its output. */
export function collect(child: ChildProcess, timeoutMs = 60_000): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`healer did not end within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function runHealer(args: readonly string[], options: RunOptions): Promise<CliResult> {
  return collect(spawnHealer(args, options), options.timeoutMs);
}

/** Parse a run's stdout as JSON, with the run's output in the error when it is not. */
export function jsonOf<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code})\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
}

/** Settings that keep the shared checks from judging this busy test machine: only the app's own health counts. */
export const CALM_SHARED_CHECKS = {
  loadWarnPerCpu: 1000,
  loadFailPerCpu: 2000,
  memoryWarnAvailablePercent: 0,
  memoryFailAvailablePercent: 0,
  diskWarnPercent: 100,
  diskFailPercent: 101,
  inodesWarnPercent: 100,
  inodesFailPercent: 101,
  httpLatencyWarnMs: 30_000,
};

export interface FixtureOptions {
  /** The status in testapp.json: 'ok' is healthy. Default 'broken'. */
  status?: string;
  /** The testapp plugin's configuration (`resetWorks`, `slowApplyMs`). */
  pluginConfig?: Record<string, unknown>;
  /** More top-level configuration keys. */
  config?: Record<string, unknown>;
}

export interface Fixture {
  /** The temp folder holding everything below. */
  root: string;
  /** The application folder (its own folder: backups go to `<root>/.healer-backups`). */
  app: string;
  /** HEALER_HOME. */
  home: string;
  configFile: string;
  server: RunningTestapp;
  /** `healer --config <configFile> ...args` with HEALER_HOME set, from `root`. */
  run(args: readonly string[], options?: Partial<RunOptions>): Promise<CliResult>;
  spawn(args: readonly string[]): ChildProcess;
  setStatus(status: string): Promise<void>;
  cleanup(): Promise<void>;
}

export async function makeFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'healer-cli-')));
  const app = join(root, 'app');
  const home = join(root, 'home');
  await mkdir(app);
  await writeTree(app, testappFiles(options.status ?? 'broken'));
  const server = await startTestapp(app);
  const configFile = join(root, 'healer.config.json');
  const config = {
    plugins: [{ module: TESTAPP_PLUGIN, ...(options.pluginConfig ? { config: options.pluginConfig } : {}) }],
    apps: { [app]: { url: server.url, ...CALM_SHARED_CHECKS } },
    ...options.config,
  };
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const env = { HEALER_HOME: home };
  return {
    root,
    app,
    home,
    configFile,
    server,
    run: (args, o = {}) => runHealer(['--config', configFile, ...args], { cwd: root, ...o, env: { ...env, ...o.env } }),
    spawn: (args) => spawnHealer(['--config', configFile, ...args], { cwd: root, env }),
    setStatus: (status) => writeTree(app, { 'testapp.json': testappFiles(status)['testapp.json']! }),
    async cleanup() {
      await server.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Every journal event recorded so far in a state folder, by execution id (read straight from disk). */
export async function readJournals(home: string): Promise<Map<string, { type: string; actionId?: string }[]>> {
  const out = new Map<string, { type: string; actionId?: string }[]>();
  let ids: string[] = [];
  try {
    ids = await readdir(join(home, 'executions'));
  } catch {
    return out;
  }
  for (const id of ids) {
    const text = await readFile(join(home, 'executions', id, 'timeline.jsonl'), 'utf8').catch(() => '');
    const events = text
      .split('\n')
      .filter((l) => l.trim())
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as { type: string; actionId?: string }];
        } catch {
          return [];
        }
      });
    out.set(id, events);
  }
  return out;
}

export async function httpStatus(url: string): Promise<number> {
  const res = await fetch(url);
  await res.text();
  return res.status;
}

/**
 * Three `healer heal` at once on one app, each through another spelling of its
 * folder: its real path, a symlink to it, and `<root>/./app/`. `flags` go
 * before the command (e.g. `--host ...`).
 */
export async function healThroughThreeSpellings(f: Fixture, flags: readonly string[] = []): Promise<CliResult[]> {
  const link = join(f.root, 'link-to-app');
  await symlink(f.app, link);
  const spellings = [f.app, link, `${f.root}/./app/`];
  return Promise.all(spellings.map((path) => collect(f.spawn([...flags, 'heal', path, '--mode', 'auto', '--json']))));
}
