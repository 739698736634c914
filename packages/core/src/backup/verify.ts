/**
 * Checking a target against a backup manifest: after a restore, and for the
 * files a plugin's backup part saved.
 */
import { posix } from 'node:path';
import type { BackupFileEntry, BackupManifest, BackupPartRecord } from '../contract/backup.js';
import type { Executor } from '../contract/executor.js';
import { HealerError, errorMessage } from '../errors.js';
import { isPathWithin } from '../exec/paths.js';
import { formatMode, runsAsRoot, scanTree, type TreeCommandOptions } from './tree.js';

/** What a verification found: `ok` when `mismatches` is empty. */
export interface VerifyRestoreResult {
  ok: boolean;
  /** One line per difference, naming the path (JSON-quoted) and what differs. */
  mismatches: string[];
}

/** The backup root a manifest's folder lives in (`<root>/<executionId>/<id>`). @internal */
export function backupRootOf(manifest: Pick<BackupManifest, 'dir'>): string {
  return posix.dirname(posix.dirname(manifest.dir));
}

/**
 * Re-list and re-hash the manifest's roots (two commands) and compare them
 * with the manifest: the same set of paths, types, sizes, sha256, modes and
 * link targets, and owners when the commands run as root. Files that were
 * added since the backup count as mismatches.
 */
export async function verifyRestore(exec: Executor, manifest: BackupManifest, options: TreeCommandOptions = {}): Promise<VerifyRestoreResult> {
  let actual: BackupFileEntry[];
  let owners: boolean;
  try {
    actual = await scanTree(exec, manifest.roots, { ...options, exclude: backupRootOf(manifest) });
    owners = await runsAsRoot(exec);
  } catch (e) {
    throw new HealerError('RESTORE_FAILED', `Could not verify backup ${manifest.id}: ${errorMessage(e)}`, { cause: e, details: { backupId: manifest.id } });
  }
  const mismatches = compareEntries(manifest.files, actual, { owners });
  return { ok: mismatches.length === 0, mismatches };
}

/**
 * Differences between what a manifest expects and what a listing found.
 * @internal
 */
export function compareEntries(
  expected: readonly BackupFileEntry[],
  actual: readonly BackupFileEntry[],
  options: { owners: boolean },
): string[] {
  const have = new Map(actual.map((e) => [e.path, e]));
  const want = new Map(expected.map((e) => [e.path, e]));
  const out: string[] = [];
  for (const [path, w] of want) {
    const q = JSON.stringify(path);
    const h = have.get(path);
    const found = h !== undefined && h.type !== 'absent' ? h : undefined;
    if (w.type === 'absent') {
      if (found) out.push(`${q}: should be absent, found a ${found.type}`);
      continue;
    }
    if (!found) {
      out.push(`${q}: missing (expected a ${w.type})`);
      continue;
    }
    if (found.type !== w.type) {
      out.push(`${q}: is a ${found.type}, expected a ${w.type}`);
      continue;
    }
    if (w.type === 'file') {
      if (w.size !== undefined && found.size !== w.size) out.push(`${q}: size ${found.size}, expected ${w.size}`);
      if (found.sha256 !== w.sha256) out.push(`${q}: content differs (sha256 ${found.sha256 ?? '?'}, expected ${w.sha256 ?? '?'})`);
    }
    if (w.type === 'symlink' && found.linkTarget !== w.linkTarget) {
      out.push(`${q}: links to ${JSON.stringify(found.linkTarget)}, expected ${JSON.stringify(w.linkTarget)}`);
    }
    if (w.type !== 'symlink' && w.mode !== undefined && found.mode !== w.mode) {
      out.push(`${q}: mode ${formatMode(found.mode)}, expected ${formatMode(w.mode)}`);
    }
    if (options.owners && w.uid !== undefined && (found.uid !== w.uid || found.gid !== w.gid)) {
      out.push(`${q}: owner ${found.uid}:${found.gid}, expected ${w.uid}:${w.gid}`);
    }
  }
  for (const [path, h] of have) {
    if (!want.has(path) && h.type !== 'absent') out.push(`${JSON.stringify(path)}: not in the backup (added since)`);
  }
  return out;
}

/**
 * Check that a backup part's files are still in the backup folder with the
 * sha256 and size recorded (two commands for all of them). Part file paths
 * are relative to the manifest's `dir`.
 */
export async function checkPartFiles(
  exec: Executor,
  manifest: BackupManifest,
  part: BackupPartRecord,
  options: TreeCommandOptions = {},
): Promise<VerifyRestoreResult> {
  const mismatches: string[] = [];
  const wanted = new Map<string, BackupPartRecord['files'][number]>();
  for (const f of part.files) {
    const abs = posix.resolve(manifest.dir, f.path);
    if (abs === manifest.dir || !isPathWithin(manifest.dir, abs) || /[\0\n\r]/.test(f.path)) {
      mismatches.push(`${JSON.stringify(f.path)}: not a file inside the backup folder`);
    } else {
      wanted.set(abs, f);
    }
  }
  let found: Map<string, BackupFileEntry>;
  try {
    found = new Map((await scanTree(exec, [...wanted.keys()], options)).map((e) => [e.path, e]));
  } catch (e) {
    throw new HealerError('RESTORE_FAILED', `Could not check the files of backup part "${part.name}": ${errorMessage(e)}`, { cause: e });
  }
  for (const [abs, f] of wanted) {
    const e = found.get(abs);
    const q = JSON.stringify(f.path);
    if (e === undefined || e.type !== 'file') mismatches.push(`${q}: missing${e && e.type !== 'absent' ? ` (found a ${e.type})` : ''}`);
    else if (e.size !== f.size) mismatches.push(`${q}: size ${e.size}, expected ${f.size}`);
    else if (e.sha256 !== f.sha256) mismatches.push(`${q}: content differs (sha256 ${e.sha256 ?? '?'}, expected ${f.sha256})`);
  }
  return { ok: mismatches.length === 0, mismatches };
}

/**
 * {@link checkPartFiles}, throwing `RESTORE_FAILED` that lists the
 * differences when a part's files are missing or changed: run it before
 * handing the part to the plugin's `restore()`.
 */
export async function verifyPartFiles(
  exec: Executor,
  manifest: BackupManifest,
  part: BackupPartRecord,
  options: TreeCommandOptions = {},
): Promise<void> {
  const { ok, mismatches } = await checkPartFiles(exec, manifest, part, options);
  if (!ok) {
    throw new HealerError('RESTORE_FAILED', `Backup part "${part.name}" of ${manifest.id} is damaged: ${mismatches.join('; ')}`, {
      details: { backupId: manifest.id, part: part.name, mismatches },
    });
  }
}
