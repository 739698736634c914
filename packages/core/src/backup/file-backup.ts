/**
 * The file part of a backup: save the trees an action may change into
 * `<backupRoot>/<executionId>/<id>/files.tar` with a manifest of every entry,
 * and put them back exactly (removing what was added since).
 *
 * Everything goes through the {@link Executor} with a fixed number of commands
 * (one `find`, one batched `sha256sum`, one `tar`), so it costs the same over
 * SSH for ten files or ten thousand.
 */
import { posix } from 'node:path';
import type { BackupManifest } from '../contract/backup.js';
import type { Executor } from '../contract/executor.js';
import { HealerError, errorMessage } from '../errors.js';
import { isPathWithin, validatePath } from '../exec/paths.js';
import { restoreCheckedFiles, type RestoreFileOptions } from './restore-files.js';
import { archiveName, resolveRoots, runOrThrow, scanTree, type TreeCommandOptions } from './tree.js';

export { hashTree } from './tree.js';
export type { ScanTreeOptions, TreeCommandOptions } from './tree.js';
export { verifyRestore, verifyPartFiles, checkPartFiles } from './verify.js';
export type { VerifyRestoreResult } from './verify.js';
export { applyStagedFiles, discardStaged, driftError, findFileDrift, stageFileBackup } from './restore-files.js';
export type { RestoreFileOptions, StagedFiles } from './restore-files.js';

/** Default retention of a backup: 7 days. */
export const DEFAULT_BACKUP_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export interface CreateFileBackupOptions extends TreeCommandOptions {
  /** The backup's id; also its folder name. */
  id: string;
  executionId: string;
  actionId: string;
  appId: string;
  /** The application root (absolute). Every path must lie inside it. */
  appRoot: string;
  /** Where backups live on the target. Default {@link defaultBackupRoot}(appRoot). */
  backupRoot?: string;
  /** Files or folders, absolute or relative to `appRoot`. Folders are saved whole. May be empty (a parts-only backup). */
  paths: readonly string[];
  /** How long the backup is kept. Default 7 days. */
  retentionMs?: number;
  /** The clock. Default the current time. */
  now?: Date | (() => Date);
}

/** `<parent of appRoot>/.healer-backups`: beside the app, so a backup of the whole app never contains itself. */
export function defaultBackupRoot(appRoot: string): string {
  validatePath(appRoot, 'application root');
  return posix.join(posix.dirname(appRoot), '.healer-backups');
}

/**
 * Save `paths` into `<backupRoot>/<executionId>/<id>` (mode 0700): the
 * content in `files.tar` (modes, owners and symlinks kept), and a
 * `manifest.json` listing every entry with its sha256. A path that does not
 * exist is recorded as `absent`, so a restore removes it.
 *
 * Throws `PATH_OUTSIDE_ROOTS` (nothing created) for a path outside the app
 * root, and `BACKUP_FAILED` with the command's stderr (the partial folder
 * removed) when saving fails.
 */
export async function createFileBackup(exec: Executor, options: CreateFileBackupOptions): Promise<BackupManifest> {
  const appRoot = validatePath(options.appRoot, 'application root');
  const backupRoot = validatePath(options.backupRoot ?? defaultBackupRoot(appRoot), 'backup root');
  checkSegment(options.id, 'backup id');
  checkSegment(options.executionId, 'execution id');
  const roots = resolveRoots(appRoot, options.paths);
  for (const r of roots) {
    if (isPathWithin(backupRoot, r)) {
      throw new HealerError('INVALID_ARGUMENT', `Cannot back up ${r}: it is inside the backup root ${backupRoot}.`);
    }
  }
  const retentionMs = options.retentionMs ?? DEFAULT_BACKUP_RETENTION_MS;
  if (!Number.isFinite(retentionMs) || retentionMs < 0) {
    throw new HealerError('INVALID_ARGUMENT', `retentionMs must be a non-negative number; got ${retentionMs}.`);
  }
  const createdAt = typeof options.now === 'function' ? options.now() : (options.now ?? new Date());
  const execDir = posix.join(backupRoot, options.executionId);
  const dir = posix.join(execDir, options.id);
  const commandOptions: TreeCommandOptions = pickCommandOptions(options);

  if ((await exec.stat(dir)) !== null) {
    throw new HealerError('BACKUP_FAILED', `The backup folder ${dir} already exists.`, { details: { dir } });
  }
  try {
    await exec.mkdir(dir, { mode: 0o700 });
    const files = await scanTree(exec, roots, { ...commandOptions, exclude: backupRoot });
    const saved = files.filter((e) => e.type !== 'absent');
    if (saved.length > 0) {
      // An explicit list without recursion: the archive holds exactly what the manifest lists.
      await runOrThrow(
        exec,
        [
          'tar', '--create', '--file', posix.join(dir, 'files.tar'), '--format=posix', '--numeric-owner',
          '--no-recursion', '--null', '--verbatim-files-from', '-C', '/', '--files-from', '-',
        ],
        { ...commandOptions, input: saved.map((e) => `${archiveName(e.path)}\0`).join('') },
        'tar',
      );
    }
    const manifest: BackupManifest = {
      id: options.id,
      executionId: options.executionId,
      actionId: options.actionId,
      appId: options.appId,
      host: exec.host,
      appRoot,
      dir,
      createdAt: createdAt.toISOString(),
      expiresAt: new Date(createdAt.getTime() + retentionMs).toISOString(),
      roots,
      files,
      parts: [],
    };
    await exec.writeFile(posix.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    return manifest;
  } catch (e) {
    await exec.remove(dir).catch(() => undefined);
    // Only succeeds when empty: another backup of the same execution may live there.
    await exec.run(['rmdir', '--', execDir]).catch(() => undefined);
    throw new HealerError('BACKUP_FAILED', `Backup ${options.id} of ${appRoot} failed: ${errorMessage(e)}`, {
      cause: e,
      details: { backupId: options.id, dir, ...stderrOf(e) },
    });
  }
}

/**
 * Put the saved trees back, checked before anything is written: drift from
 * what the action left (`ROLLBACK_DRIFT` unless `force`), then the archive
 * extracted into a staging folder and hashed against the manifest
 * (`BACKUP_TAMPERED`, nothing changed), then moved into place and verified
 * (`RESTORE_FAILED` listing the mismatches). Without `manifest.left` (the
 * action was never verified) everything saved is put back and what was added
 * since is removed; with it, only what the action changed.
 *
 * Throws `BACKUP_NOT_FOUND` when the archive is gone, before touching anything.
 */
export async function restoreFileBackup(exec: Executor, manifest: BackupManifest, options: RestoreFileOptions = {}): Promise<void> {
  checkManifest(exec, manifest);
  const commandOptions: RestoreFileOptions = pickCommandOptions(options);
  if (options.force !== undefined) commandOptions.force = options.force;
  await restoreCheckedFiles(exec, manifest, commandOptions);
}

/** Refuse a manifest from another host or naming paths outside its app root. @internal */
export function checkManifest(exec: Executor, manifest: BackupManifest): void {
  if (manifest.host !== exec.host) {
    throw new HealerError('INVALID_ARGUMENT', `Backup ${manifest.id} was taken on ${manifest.host}, not on ${exec.host}.`);
  }
  const appRoot = validatePath(manifest.appRoot, 'application root');
  validatePath(manifest.dir, 'backup folder');
  for (const r of manifest.roots) {
    validatePath(r, 'backup root path');
    if (!isPathWithin(appRoot, r)) throw new HealerError('PATH_OUTSIDE_ROOTS', `Backup ${manifest.id} names ${r}, outside ${appRoot}.`);
  }
  for (const e of manifest.files) {
    // Names under a root may hold line breaks (they are passed NUL-separated), never NUL.
    if (typeof e.path !== 'string' || e.path.includes('\0') || !manifest.roots.some((r) => isPathWithin(r, e.path))) {
      throw new HealerError('STATE_CORRUPT', `Backup ${manifest.id} lists ${JSON.stringify(e.path)}, outside its roots.`);
    }
  }
}

function checkSegment(value: string, what: string): void {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (typeof value !== 'string' || value === '' || value === '.' || value === '..' || /[/\0-\x1f\x7f]/.test(value)) {
    throw new HealerError('INVALID_ARGUMENT', `The ${what} must be a plain folder name; got ${JSON.stringify(value)}.`);
  }
}

function pickCommandOptions(options: TreeCommandOptions): TreeCommandOptions {
  const out: TreeCommandOptions = {};
  if (options.timeoutMs !== undefined) out.timeoutMs = options.timeoutMs;
  if (options.signal !== undefined) out.signal = options.signal;
  return out;
}

function stderrOf(e: unknown): Record<string, unknown> {
  const d = (e as { details?: { stderr?: unknown } } | null)?.details;
  return typeof d?.stderr === 'string' ? { stderr: d.stderr } : {};
}
