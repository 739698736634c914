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
import type { BackupFileEntry, BackupManifest } from '../contract/backup.js';
import type { Executor } from '../contract/executor.js';
import { HealerError, errorMessage } from '../errors.js';
import { isPathWithin, validatePath } from '../exec/paths.js';
import { archiveName, listTree, outermostRoots, resolveRoots, runOrThrow, runsAsRoot, scanTree, type TreeCommandOptions } from './tree.js';
import { backupRootOf, verifyRestore } from './verify.js';

export { hashTree } from './tree.js';
export type { ScanTreeOptions, TreeCommandOptions } from './tree.js';
export { verifyRestore, verifyPartFiles, checkPartFiles } from './verify.js';
export type { VerifyRestoreResult } from './verify.js';

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
 * Put the saved trees back as they were: remove what was added since (and
 * anything whose type changed, e.g. a file that became a folder), extract
 * the archive with modes (and owners when root), remove roots that were
 * absent, then {@link verifyRestore}.
 *
 * Throws `BACKUP_NOT_FOUND` when the archive is gone and `RESTORE_FAILED`
 * (nothing changed) when it cannot be read; both before touching anything.
 * Throws `RESTORE_FAILED` listing the mismatches when the result differs
 * from the manifest.
 */
export async function restoreFileBackup(exec: Executor, manifest: BackupManifest, options: TreeCommandOptions = {}): Promise<void> {
  checkManifest(exec, manifest);
  const commandOptions = pickCommandOptions(options);
  const backupRoot = backupRootOf(manifest);
  const tarPath = posix.join(manifest.dir, 'files.tar');
  const want = new Map(manifest.files.map((e) => [e.path, e]));
  const savedRoots = outermostRoots(manifest.roots).filter((r) => isSaved(want.get(r)));
  const fail = (message: string, extra: Record<string, unknown> = {}, cause?: unknown): HealerError =>
    new HealerError('RESTORE_FAILED', `Restore of backup ${manifest.id}: ${message}`, { cause, details: { backupId: manifest.id, ...extra } });

  if (savedRoots.length > 0) {
    if ((await exec.stat(tarPath)) === null) {
      throw new HealerError('BACKUP_NOT_FOUND', `The archive of backup ${manifest.id} is missing: ${tarPath}.`, { details: { backupId: manifest.id, path: tarPath } });
    }
    // Read the whole archive before removing anything: a damaged one must leave the app as it is.
    try {
      await runOrThrow(exec, ['tar', '--list', '--file', tarPath, '--no-recursion', '--no-wildcards', '--', ...savedRoots.map(archiveName)], commandOptions, 'tar --list');
    } catch (e) {
      throw fail(`the archive cannot be read, nothing was changed: ${errorMessage(e)}`, stderrOf(e), e);
    }
  }

  const problems: string[] = [];
  let current: BackupFileEntry[];
  try {
    current = await listTree(exec, manifest.roots, { ...commandOptions, exclude: backupRoot });
  } catch (e) {
    throw fail(`cannot list the current files, nothing was changed: ${errorMessage(e)}`, stderrOf(e), e);
  }
  const doomed = topmost(current.filter((c) => c.type !== 'absent' && (want.get(c.path)?.type ?? 'absent') !== c.type).map((c) => c.path));
  for (const p of doomed) {
    if (!manifest.roots.some((r) => isPathWithin(r, p)) || isPathWithin(backupRoot, p)) {
      throw fail(`refusing to remove ${JSON.stringify(p)}: outside the backed-up roots.`);
    }
  }
  if (doomed.length > 0) {
    try {
      await runOrThrow(exec, ['xargs', '-0', '-r', 'rm', '-rf', '--one-file-system', '--'], { ...commandOptions, input: doomed.map((p) => `${p}\0`).join('') }, 'rm');
    } catch (e) {
      problems.push(errorMessage(e));
    }
  }
  if (savedRoots.length > 0) {
    const owner = (await runsAsRoot(exec)) ? '--same-owner' : '--no-same-owner';
    try {
      await runOrThrow(
        exec,
        ['tar', '--extract', '--file', tarPath, '-C', '/', '--preserve-permissions', '--numeric-owner', owner, '--no-wildcards', '--', ...savedRoots.map(archiveName)],
        commandOptions,
        'tar --extract',
      );
    } catch (e) {
      problems.push(errorMessage(e));
    }
  }

  const { ok, mismatches } = await verifyRestore(exec, manifest, commandOptions);
  if (!ok || problems.length > 0) {
    throw fail(
      [...problems, ...(mismatches.length > 0 ? [`${mismatches.length} mismatch(es): ${mismatches.join('; ')}`] : [])].join('; '),
      { mismatches, errors: problems },
    );
  }
}

/** Paths of which none lies inside another one of the list (removing those removes the rest). */
function topmost(paths: readonly string[]): string[] {
  const set = new Set(paths);
  return [...set].sort().filter((p) => !hasAncestorIn(set, p));
}

function hasAncestorIn(set: ReadonlySet<string>, path: string): boolean {
  for (let up = posix.dirname(path); ; up = posix.dirname(up)) {
    if (up !== path && set.has(up)) return true;
    if (up === '/') return false;
  }
}

function isSaved(e: BackupFileEntry | undefined): boolean {
  return e !== undefined && e.type !== 'absent';
}

function checkManifest(exec: Executor, manifest: BackupManifest): void {
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
