/** What a backup holds, kept in state and next to the artifacts. */

export interface BackupFileEntry {
  /** Absolute path on the target. */
  path: string;
  /** `absent`: the path did not exist at backup time; restore removes it. */
  type: 'file' | 'directory' | 'symlink' | 'absent';
  size?: number;
  sha256?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** For symlinks. */
  linkTarget?: string;
}

export interface BackupPartRecord {
  /** The part's name in the plugin's backup strategy. */
  name: string;
  plugin: string;
  /** Files of this part, relative to the backup folder, with their sha256. */
  files: Array<{ path: string; sha256: string; size: number }>;
  /** Anything the part needs to restore (never secrets). */
  meta: Record<string, unknown>;
  /**
   * What the action left, recorded right after it was verified: item (an
   * option name, a table) -> fingerprint, from the part's `fingerprint()`.
   * A rollback checks these still hold, and the part restores only these items.
   */
  left?: Record<string, string>;
}

/** The backed-up paths as the action left them, recorded right after it was verified. */
export interface LeftState {
  recordedAt: string;
  /** Every path of the backup (and any the action added), as found after the action; `absent` when gone. */
  files: BackupFileEntry[];
}

export interface BackupManifest {
  id: string;
  executionId: string;
  actionId: string;
  appId: string;
  host: string;
  appRoot: string;
  /** The folder holding the artifacts on the target. */
  dir: string;
  createdAt: string;
  expiresAt: string;
  /** The paths asked for (absolute); folders are whole trees. */
  roots: string[];
  /** Every file, folder and link under `roots`, as found. */
  files: BackupFileEntry[];
  parts: BackupPartRecord[];
  /**
   * What the action left (set once it was verified). A rollback then first
   * checks that nothing drifted since, and restores only what the action changed.
   */
  left?: LeftState;
}
