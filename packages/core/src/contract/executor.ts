/**
 * The transport contract. An {@link Executor} is the only way Healer code
 * touches a target: local child processes, or a remote host over SSH.
 */

import type { TransportInfo } from '../ssh/options.js';

/** A shell script for the rare cases an argv is not enough. Arguments are passed as `$1..$n`, never spliced into the text. */
export interface Script {
  /** POSIX `sh` source. Must not contain untrusted text: pass such values through `args`. */
  readonly script: string;
  /** Values available to the script as `"$1"`, `"$2"`, ... */
  readonly args?: readonly string[];
}

/** A command: an argv array (`['ls', '-l', path]`), or a {@link Script}. */
export type Command = readonly string[] | Script;

export interface RunOptions {
  /** Working directory (absolute). */
  cwd?: string;
  /** Extra environment variables for this command only. */
  env?: Record<string, string>;
  /** Kill the command (its whole process group) after this long. Default 60 000 ms. */
  timeoutMs?: number;
  /** Keep at most this many bytes of stdout and of stderr each. Default 4 MiB. */
  maxOutputBytes?: number;
  /** Bytes written to the command's stdin. */
  input?: string | Uint8Array;
  /** Aborting kills the command like a timeout. */
  signal?: AbortSignal;
  /** Run through `sudo -n` when the transport is configured for it. */
  sudo?: boolean;
  /**
   * Called once the command has started, with its pid and its process group
   * (the command runs in a group of its own: `pgid` is null only when the host
   * cannot give it one, e.g. no `setsid`). Must not throw. Recovery uses the
   * group to stop what a killed run left behind.
   */
  onStart?: (started: StartedProcess) => void;
}

/** A started command, as {@link RunOptions.onStart} reports it. */
export interface StartedProcess {
  pid: number;
  /** Its process group, which also holds everything it started (unless they left it). */
  pgid: number | null;
}

export interface RunResult {
  /** Exit code, or null when killed by a signal. */
  exitCode: number | null;
  /** The signal that ended the command, if any. */
  signal: string | null;
  /** stdout decoded as UTF-8. */
  stdout: string;
  stderr: string;
  /** The raw stdout bytes (binary-safe). */
  stdoutBytes: Uint8Array;
  timedOut: boolean;
  /** True when stdout or stderr went over `maxOutputBytes` and was cut. */
  truncated: boolean;
  durationMs: number;
}

export type FileType = 'file' | 'directory' | 'symlink' | 'other';

export interface FileStat {
  path: string;
  type: FileType;
  size: number;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
}

export interface DirEntry {
  name: string;
  type: FileType;
}

export interface WriteFileOptions {
  /** Permission bits for a new file; an existing file keeps its mode unless given. */
  mode?: number;
}

/**
 * Runs commands and touches files on one host. Paths are absolute and
 * normalized; anything else is refused with `PATH_INVALID`.
 */
export interface Executor {
  /** `'local'` or a host id such as `ssh://deploy@web1:22`. */
  readonly host: string;
  run(command: Command, options?: RunOptions): Promise<RunResult>;
  /**
   * Read a file; `FILE_NOT_FOUND` when absent. With `maxBytes`, at most the
   * first `maxBytes` bytes come back (a guard against huge files): never write
   * such a prefix back as if it were the whole file.
   */
  readFile(path: string, options?: { maxBytes?: number }): Promise<Uint8Array>;
  /** Write atomically: a temp file in the same folder, then rename. */
  writeFile(path: string, data: string | Uint8Array, options?: WriteFileOptions): Promise<void>;
  /** Stat without following a final symlink; null when absent. */
  stat(path: string): Promise<FileStat | null>;
  list(path: string): Promise<DirEntry[]>;
  exists(path: string): Promise<boolean>;
  mkdir(path: string, options?: { mode?: number }): Promise<void>;
  /** Remove a file or a folder tree. Absent is not an error. */
  remove(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  /** Release connections and processes. */
  close(): Promise<void>;
  /** How the transport runs commands (for a run's details); optional for custom executors. */
  info?(): TransportInfo;
}
