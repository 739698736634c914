/**
 * Reads and metadata over SFTP on the executor's connection: no remote
 * process per call (a stat costs tens of microseconds on loopback instead of
 * about 2 ms for a shell command). Writes stay shell scripts (atomic temp +
 * rename keeping mode and owner, and `sudo`-capable).
 *
 * SFTP v3 carries whole seconds only: `mtimeMs` read this way is a multiple
 * of 1000.
 * @internal
 */
import type { Client, FileEntryWithStats, SFTPWrapper, Stats } from 'ssh2';
import type { DirEntry, FileStat, FileType } from '../contract/executor.js';
import { HealerError } from '../errors.js';
import { notRegularFileError, READ_FILE_LIMIT, tooLargeError } from '../exec/read-limits.js';

/** SFTP status codes (RFC draft-ietf-secsh-filexfer-02). */
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;
const READ_CHUNK = 256 * 1024;

/** Open the SFTP subsystem on `client`; the reason in words when the server will not (a forced command, no subsystem). */
export function openSftp(client: Client, timeoutMs: number): Promise<{ sftp: SFTPWrapper } | { error: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      resolve({ error: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    timer.unref();
    try {
      client.sftp((err, sftp) => {
        clearTimeout(timer);
        if (settled) {
          sftp?.end();
          return;
        }
        settled = true;
        if (err) {
          resolve({ error: err.message });
          return;
        }
        sftp.on('error', () => undefined);
        resolve({ sftp });
      });
    } catch (e) {
      clearTimeout(timer);
      settled = true;
      resolve({ error: (e as Error).message });
    }
  });
}

export async function sftpReadFile(sftp: SFTPWrapper, path: string, maxBytes: number | undefined): Promise<Uint8Array> {
  // stat follows links: a device or FIFO is refused before the server opens it (a FIFO open would wait).
  const st = await call<Stats>((cb) => sftp.stat(path, cb)).catch((e: unknown) => {
    throw sftpError(e, path, 'read');
  });
  if (!st.isFile()) throw notRegularFileError(path);
  if (maxBytes === undefined && st.size > READ_FILE_LIMIT) throw tooLargeError(path, st.size);
  const handle = await call<Buffer>((cb) => sftp.open(path, 'r', cb)).catch((e: unknown) => {
    throw sftpError(e, path, 'read');
  });
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    const limit = maxBytes ?? READ_FILE_LIMIT + 1;
    while (size < limit) {
      const want = Math.min(READ_CHUNK, limit - size);
      const buf = Buffer.allocUnsafe(want);
      const n = await new Promise<number>((resolve, reject) =>
        sftp.read(handle, buf, 0, want, size, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead))),
      ).catch((e: unknown) => {
        throw sftpError(e, path, 'read');
      });
      if (n === 0) break;
      chunks.push(n === want ? buf : buf.subarray(0, n));
      size += n;
    }
    if (maxBytes === undefined && size > READ_FILE_LIMIT) throw tooLargeError(path, null);
    return Buffer.concat(chunks, size);
  } finally {
    await call<void>((cb) => sftp.close(handle, cb)).catch(() => undefined);
  }
}

/** lstat; null when absent (also when a parent is not a folder, as ENOTDIR maps to "no such file"). */
export async function sftpStat(sftp: SFTPWrapper, path: string): Promise<FileStat | null> {
  try {
    const st = await call<Stats>((cb) => sftp.lstat(path, cb));
    return {
      path,
      type: typeOfStats(st),
      size: st.size,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      mtimeMs: st.mtime * 1000,
    };
  } catch (e) {
    if (codeOf(e) === NO_SUCH_FILE) return null;
    throw sftpError(e, path, 'stat');
  }
}

/** Entries of a folder (not `.` and `..`), sorted as LocalExecutor sorts them. */
export async function sftpList(sftp: SFTPWrapper, path: string): Promise<DirEntry[]> {
  let list: FileEntryWithStats[];
  try {
    list = await call<FileEntryWithStats[]>((cb) => sftp.readdir(path, cb));
  } catch (e) {
    // OpenSSH answers "no such file" for ENOTDIR too; LocalExecutor says it is not a folder.
    if (codeOf(e) === NO_SUCH_FILE && (await sftpStat(sftp, path)) !== null) {
      throw new HealerError('COMMAND_FAILED', `Cannot list ${path}: not a folder.`);
    }
    throw sftpError(e, path, 'list');
  }
  return list
    .filter((e) => e.filename !== '.' && e.filename !== '..')
    .map((e) => ({ name: e.filename, type: typeOfStats(e.attrs) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function typeOfStats(st: Stats): FileType {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  return 'other';
}

function codeOf(e: unknown): unknown {
  return (e as { code?: unknown } | null)?.code;
}

function sftpError(e: unknown, path: string, verb: string): HealerError {
  if (e instanceof HealerError) return e;
  const code = codeOf(e);
  if (code === NO_SUCH_FILE) return new HealerError('FILE_NOT_FOUND', `Cannot ${verb} ${path}: no such file or folder.`, { cause: e });
  const why = code === PERMISSION_DENIED ? 'permission denied' : (e as Error).message;
  // Not a numeric SFTP status: the channel or the connection went away.
  const failure = typeof code === 'number' ? 'COMMAND_FAILED' : 'CONNECTION_FAILED';
  return new HealerError(failure, `Cannot ${verb} ${path} over SFTP: ${why}.`, { cause: e, details: { sftpCode: code } });
}

function call<T>(fn: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      fn((err, value) => (err ? reject(err) : resolve(value)));
    } catch (e) {
      reject(e);
    }
  });
}
