/**
 * Batched reads for discovery: the files every candidate's detection will
 * look at are fetched in ONE command (a tar stream of the ones that exist),
 * then detection is served from that snapshot. Over SSH this turns thousands
 * of small reads into one round trip.
 * @internal
 */
import type { Command, DirEntry, Executor, FileStat, RunOptions, RunResult, WriteFileOptions } from '../contract/executor.js';
import { HealerError } from '../errors.js';
import { validatePath } from '../exec/paths.js';

export interface PrefetchedFile {
  stat: FileStat;
  /** File contents (files only). */
  content?: Uint8Array;
}

export interface Snapshot {
  /** Every path asked for: a path asked for and not in `files` did not exist (or was unreadable). */
  requested: ReadonlySet<string>;
  files: ReadonlyMap<string, PrefetchedFile>;
}

/** Fetch `paths` (files, folders, links; absent ones are simply missing) in one `tar` command. */
export async function prefetchFiles(exec: Executor, paths: readonly string[], options: { maxBytes?: number; signal?: AbortSignal } = {}): Promise<Snapshot> {
  const requested = new Set(paths.map((p) => validatePath(p)));
  if (requested.size === 0) return { requested, files: new Map() };
  const result = await exec.run(['tar', '--null', '--no-recursion', '--ignore-failed-read', '--absolute-names', '--format=gnu', '-T', '-', '-c', '-f', '-'], {
    input: [...requested].map((p) => `${p}\0`).join(''),
    maxOutputBytes: options.maxBytes ?? 64 * 1024 * 1024,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // tar exits 2 when it skipped unreadable paths; what it did write is complete.
  if (result.truncated || result.timedOut || (result.exitCode !== 0 && result.exitCode !== 2 && result.exitCode !== 1)) {
    // Too big or failed: no snapshot, every read goes to the target as usual.
    return { requested: new Set(), files: new Map() };
  }
  return { requested, files: parseTar(result.stdoutBytes) };
}

const BLOCK = 512;

/** Parse a GNU/ustar archive into stats and contents. Long names ('L') supported. */
export function parseTar(bytes: Uint8Array): Map<string, PrefetchedFile> {
  const files = new Map<string, PrefetchedFile>();
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  let longName: string | null = null;
  let longLink: string | null = null;
  while (offset + BLOCK <= buf.length) {
    const header = buf.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = readNumber(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 48);
    const dataStart = offset + BLOCK;
    const data = buf.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = cString(data);
      continue;
    }
    if (type === 'K') {
      longLink = cString(data);
      continue;
    }
    let name = longName ?? joinName(cString(header.subarray(345, 500)), cString(header.subarray(0, 100)));
    longName = null;
    const linkTarget = longLink ?? cString(header.subarray(157, 257));
    longLink = null;
    if (name.length > 1 && name.endsWith('/')) name = name.slice(0, -1);
    const kind = type === '0' || type === '\0' || type === '7' ? 'file' : type === '5' ? 'directory' : type === '2' ? 'symlink' : 'other';
    const stat: FileStat = {
      path: name,
      type: kind,
      size: kind === 'symlink' ? Buffer.byteLength(linkTarget) : size,
      mode: readNumber(header, 100, 8) & 0o7777,
      uid: readNumber(header, 108, 8),
      gid: readNumber(header, 116, 8),
      mtimeMs: readNumber(header, 136, 12) * 1000,
    };
    files.set(name, kind === 'file' ? { stat, content: new Uint8Array(data) } : { stat });
  }
  return files;
}

function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return Buffer.from(end === -1 ? b : b.subarray(0, end)).toString('utf8');
}

function joinName(prefix: string, name: string): string {
  return prefix ? `${prefix}/${name}` : name;
}

/** Octal ASCII, or GNU base-256 when the high bit of the first byte is set. */
function readNumber(header: Uint8Array, at: number, length: number): number {
  const field = header.subarray(at, at + length);
  if ((field[0] ?? 0) & 0x80) {
    let n = (field[0]! & 0x7f);
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const text = cString(field).trim();
  return text ? parseInt(text, 8) : 0;
}

/**
 * An executor that answers reads of snapshotted paths from the snapshot and
 * passes everything else through. Used for detection only; writes pass
 * through unchanged (detection never writes).
 */
export class SnapshotExecutor implements Executor {
  constructor(
    private readonly inner: Executor,
    private readonly snapshot: Snapshot,
  ) {}

  get host(): string {
    return this.inner.host;
  }

  run(command: Command, options?: RunOptions): Promise<RunResult> {
    return this.inner.run(command, options);
  }

  async readFile(path: string, options?: { maxBytes?: number }): Promise<Uint8Array> {
    if (this.snapshot.requested.has(path)) {
      const hit = this.snapshot.files.get(path);
      if (!hit) throw new HealerError('FILE_NOT_FOUND', `Cannot read ${path}: no such file or folder.`);
      if (hit.content) return options?.maxBytes !== undefined ? hit.content.subarray(0, options.maxBytes) : hit.content;
    }
    return this.inner.readFile(path, options);
  }

  async stat(path: string): Promise<FileStat | null> {
    if (this.snapshot.requested.has(path)) {
      const hit = this.snapshot.files.get(path);
      // tar does not keep a folder's size: ask the target for folders.
      if (!hit) return null;
      if (hit.stat.type !== 'directory') return hit.stat;
    }
    return this.inner.stat(path);
  }

  async exists(path: string): Promise<boolean> {
    if (this.snapshot.requested.has(path)) return this.snapshot.files.has(path);
    return this.inner.exists(path);
  }

  list(path: string): Promise<DirEntry[]> {
    return this.inner.list(path);
  }
  writeFile(path: string, data: string | Uint8Array, options?: WriteFileOptions): Promise<void> {
    return this.inner.writeFile(path, data, options);
  }
  mkdir(path: string, options?: { mode?: number }): Promise<void> {
    return this.inner.mkdir(path, options);
  }
  remove(path: string): Promise<void> {
    return this.inner.remove(path);
  }
  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }
  chmod(path: string, mode: number): Promise<void> {
    return this.inner.chmod(path, mode);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
