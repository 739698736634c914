import type { DirEntry, FileStat, WriteFileOptions } from './executor.js';

export interface StatOptions {
  /** Follow symlinks (like `stat`, not `lstat`). Default false. */
  followSymlinks?: boolean;
}

/**
 * File operations as checks and actions see them: reads go anywhere the
 * transport can read; every write must land under one of `writeRoots`
 * (the app root and the backup root), or it is refused with `PATH_OUTSIDE_ROOTS`.
 */
export interface HealerFs {
  readonly writeRoots: readonly string[];
  readFile(path: string, options?: { maxBytes?: number }): Promise<Uint8Array>;
  /** UTF-8 text, or null when the file does not exist. */
  readText(path: string, options?: { maxBytes?: number }): Promise<string | null>;
  writeFile(path: string, data: string | Uint8Array, options?: WriteFileOptions): Promise<void>;
  /**
   * The entry itself, like `lstat`: a symlink is `type: 'symlink'`, and null
   * when nothing is there. With `{ followSymlinks: true }`, a symlink is
   * followed to what it finally leads to (its type, size, mode, owner, mtime;
   * `path` stays the one asked for), and null when that does not exist (a
   * dangling link or a loop).
   */
  stat(path: string, options?: StatOptions): Promise<FileStat | null>;
  list(path: string): Promise<DirEntry[]>;
  exists(path: string): Promise<boolean>;
  mkdir(path: string, options?: { mode?: number }): Promise<void>;
  remove(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
}
