/**
 * The embedded default transport: child processes and node:fs on this machine.
 */
import { spawn } from 'node:child_process';
import { constants as fsc, promises as fsp, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type {
  Command,
  DirEntry,
  Executor,
  FileStat,
  FileType,
  RunOptions,
  RunResult,
  WriteFileOptions,
} from '../contract/executor.js';
import { HealerError, isHealerError } from '../errors.js';
import type { TransportInfo } from '../ssh/options.js';
import { validatePath } from './paths.js';
import { notRegularFileError, READ_FILE_LIMIT, tooLargeError } from './read-limits.js';
import { inheritedEnv, toArgv, validateEnv } from './command.js';

export interface LocalExecutorOptions {
  /** Prefix commands run with `{ sudo: true }` with `sudo -n`. Default false (run as is). */
  sudo?: boolean;
  /** Default per-command timeout. Default 60 000 ms. */
  defaultTimeoutMs?: number;
  /** Default output cap per stream. Default 4 MiB. */
  defaultMaxOutputBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_OUTPUT = 4 * 1024 * 1024;
const KILL_GRACE_MS = 2_000;

export class LocalExecutor implements Executor {
  readonly host = 'local';
  readonly #options: Required<LocalExecutorOptions>;

  constructor(options: LocalExecutorOptions = {}) {
    this.#options = {
      sudo: options.sudo ?? false,
      defaultTimeoutMs: options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      defaultMaxOutputBytes: options.defaultMaxOutputBytes ?? DEFAULT_MAX_OUTPUT,
    };
  }

  // async so that an invalid command rejects rather than throwing synchronously.
  async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
    let argv = toArgv(command);
    validateEnv(options.env);
    if (options.sudo && this.#options.sudo) argv = ['sudo', '-n', '--', ...argv];
    if (options.cwd !== undefined) validatePath(options.cwd, 'working directory');
    const timeoutMs = options.timeoutMs ?? this.#options.defaultTimeoutMs;
    const cap = options.maxOutputBytes ?? this.#options.defaultMaxOutputBytes;
    const started = performance.now();

    return new Promise<RunResult>((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new HealerError('ABORTED', `Not started: ${argv[0]} was cancelled.`));
        return;
      }
      const child = spawn(argv[0]!, argv.slice(1), {
        cwd: options.cwd,
        env: { ...inheritedEnv(process.env), ...options.env },
        // Own process group, so a timeout kills everything the command started.
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      // detached: the child leads a new process group, whose id is its pid.
      if (child.pid !== undefined) options.onStart?.({ pid: child.pid, pgid: child.pid });
      const out = new CappedBuffer(cap);
      const err = new CappedBuffer(cap);
      let timedOut = false;
      let killTimer: NodeJS.Timeout | undefined;

      const killGroup = (sig: NodeJS.Signals): void => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, sig);
        } catch {
          // the group is already gone
        }
      };
      const stop = (): void => {
        killGroup('SIGTERM');
        killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, timeoutMs);
      const onAbort = (): void => stop();
      options.signal?.addEventListener('abort', onAbort, { once: true });

      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.stdin.on('error', () => {
        // the command may exit without reading its input
      });
      if (options.input !== undefined) child.stdin.end(options.input);
      else child.stdin.end();

      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        // spawn reports a missing working directory as ENOENT too.
        if (e.code === 'ENOENT' && options.cwd !== undefined && !isDirectory(options.cwd)) {
          reject(new HealerError('FILE_NOT_FOUND', `Cannot run ${argv[0]}: the working directory ${options.cwd} does not exist.`, { cause: e }));
        } else if (e.code === 'ENOENT') {
          resolve(finish(127, null, Buffer.alloc(0), Buffer.from(`${argv[0]}: command not found\n`), false, false, started));
        } else {
          reject(new HealerError('COMMAND_FAILED', `Could not start ${argv[0]}: ${e.message}`, { cause: e }));
        }
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        options.signal?.removeEventListener('abort', onAbort);
        // Leave no stray member of the group behind (a backgrounded grandchild).
        if (timedOut || options.signal?.aborted) killGroup('SIGKILL');
        resolve(finish(code, signal, out.bytes(), err.bytes(), timedOut, out.truncated || err.truncated, started));
      });
    });
  }

  async readFile(path: string, options: { maxBytes?: number } = {}): Promise<Uint8Array> {
    validatePath(path);
    const max = options.maxBytes;
    if (max !== undefined && (!Number.isSafeInteger(max) || max < 0)) {
      throw new HealerError('INVALID_ARGUMENT', `maxBytes must be a non-negative integer; got ${String(max)}.`);
    }
    let fh: fsp.FileHandle;
    try {
      // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
      fh = await fsp.open(path, fsc.O_RDONLY | fsc.O_NONBLOCK);
    } catch (e) {
      throw fsError(e, path, 'read');
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw notRegularFileError(path);
      if (max === undefined && st.size > READ_FILE_LIMIT) throw tooLargeError(path, st.size);
      // Never more than the limit, even when the file grows while it is read. The size is only a
      // hint: files under /proc report 0.
      return await readUpTo(fh, max ?? READ_FILE_LIMIT, st.size, max === undefined ? path : null);
    } catch (e) {
      throw isHealerError(e) ? e : fsError(e, path, 'read');
    } finally {
      await fh.close();
    }
  }

  async writeFile(path: string, data: string | Uint8Array, options: WriteFileOptions = {}): Promise<void> {
    validatePath(path);
    // A bounded prefix of the name: the temp name must fit in NAME_MAX even when the target's name does.
    const hint = Array.from(basename(path)).slice(0, 40).join('');
    const tmp = join(dirname(path), `.${hint}.healer-${randomBytes(6).toString('hex')}.tmp`);
    try {
      let mode = options.mode;
      let owner: { uid: number; gid: number } | undefined;
      if (mode === undefined) {
        const st = await fsp.lstat(path).catch(() => null);
        if (st?.isFile()) {
          mode = st.mode & 0o7777;
          owner = { uid: st.uid, gid: st.gid };
        }
      }
      const fh = await fsp.open(tmp, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, mode ?? 0o644);
      try {
        await fh.writeFile(data);
        if (mode !== undefined) await fh.chmod(mode);
        if (owner && process.getuid?.() === 0) await fh.chown(owner.uid, owner.gid);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, path);
    } catch (e) {
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      throw fsError(e, path, 'write');
    }
  }

  async stat(path: string): Promise<FileStat | null> {
    validatePath(path);
    try {
      const st = await fsp.lstat(path);
      return {
        path,
        type: fileType(st),
        size: st.size,
        mode: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
        mtimeMs: st.mtimeMs,
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw fsError(e, path, 'stat');
    }
  }

  async list(path: string): Promise<DirEntry[]> {
    validatePath(path);
    try {
      const entries = await fsp.readdir(path, { withFileTypes: true });
      return entries
        .map((d) => ({ name: d.name, type: fileType(d) }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (e) {
      throw fsError(e, path, 'list');
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== null;
  }

  async mkdir(path: string, options: { mode?: number } = {}): Promise<void> {
    validatePath(path);
    try {
      await fsp.mkdir(path, { recursive: true, mode: options.mode ?? 0o755 });
    } catch (e) {
      throw fsError(e, path, 'create folder');
    }
  }

  async remove(path: string): Promise<void> {
    validatePath(path);
    if (path === '/') throw new HealerError('PATH_INVALID', 'Refusing to remove the root folder.');
    try {
      await fsp.rm(path, { recursive: true, force: true });
    } catch (e) {
      throw fsError(e, path, 'remove');
    }
  }

  async rename(from: string, to: string): Promise<void> {
    validatePath(from);
    validatePath(to);
    try {
      await fsp.rename(from, to);
    } catch (e) {
      throw fsError(e, from, 'rename');
    }
  }

  async chmod(path: string, mode: number): Promise<void> {
    validatePath(path);
    try {
      await fsp.chmod(path, mode);
    } catch (e) {
      throw fsError(e, path, 'chmod');
    }
  }

  info(): TransportInfo {
    return { kind: 'local', host: 'local', mode: 'process', notes: [] };
  }

  async close(): Promise<void> {
    // nothing held open between calls
  }
}

function finish(
  exitCode: number | null,
  signal: NodeJS.Signals | null,
  stdout: Buffer,
  stderr: Buffer,
  timedOut: boolean,
  truncated: boolean,
  started: number,
): RunResult {
  return {
    exitCode,
    signal,
    stdout: stdout.toString('utf8'),
    stderr: stderr.toString('utf8'),
    stdoutBytes: new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.byteLength),
    timedOut,
    truncated,
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
  };
}

/** Keeps at most `cap` bytes of a stream. */
class CappedBuffer {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    const room = this.cap - this.#size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    if (chunk.length > room) {
      this.#chunks.push(chunk.subarray(0, room));
      this.#size += room;
      this.truncated = true;
      return;
    }
    this.#chunks.push(chunk);
    this.#size += chunk.length;
  }
  bytes(): Buffer {
    return Buffer.concat(this.#chunks, this.#size);
  }
}

/**
 * Read from the start up to `limit` bytes. With `refuseAbove` (a path), more
 * than `limit` bytes is an error instead of a prefix.
 */
async function readUpTo(fh: fsp.FileHandle, limit: number, sizeHint: number, refuseAbove: string | null): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  let chunkSize = Math.max(1, Math.min(sizeHint + 1, limit + 1, 16 * 1024 * 1024));
  for (;;) {
    const want = Math.min(chunkSize, limit + 1 - total);
    if (want <= 0) break;
    const chunk = Buffer.alloc(want);
    const { bytesRead } = await fh.read(chunk, 0, want, total);
    if (bytesRead === 0) break;
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
    chunkSize = Math.max(chunkSize, 64 * 1024);
  }
  if (total > limit) {
    if (refuseAbove !== null) throw tooLargeError(refuseAbove, null);
    return Buffer.concat(chunks, total).subarray(0, limit);
  }
  return Buffer.concat(chunks, total);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function fileType(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): FileType {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  return 'other';
}

function fsError(e: unknown, path: string, verb: string): HealerError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new HealerError('FILE_NOT_FOUND', `Cannot ${verb} ${path}: no such file or folder.`, { cause: e });
  return new HealerError('COMMAND_FAILED', `Cannot ${verb} ${path}: ${(e as Error).message}`, { cause: e, details: { code } });
}
