/**
 * Putting the file part of a backup back, checked before it writes: the
 * archive is extracted into a staging folder inside the backup folder and
 * hashed against the manifest; only when every entry matches are files moved
 * into place. When the manifest records what the action left (`left`), the
 * current files are first compared with it (drift), and only what the action
 * changed is put back: a mode the action changed gets its old mode, content
 * it never touched stays as it is.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { BackupFileEntry, BackupManifest } from '../contract/backup.js';
import type { Executor } from '../contract/executor.js';
import { HealerError, errorMessage } from '../errors.js';
import { isPathWithin } from '../exec/paths.js';
import { archiveName, formatMode, listTree, outermostRoots, runOrThrow, runsAsRoot, scanTree, type TreeCommandOptions } from './tree.js';
import { backupRootOf, compareEntries } from './verify.js';

export interface RestoreFileOptions extends TreeCommandOptions {
  /** Restore even when what the action left has changed since (drift). Default false. */
  force?: boolean;
}

/** An archive extracted into a staging folder and checked against its manifest. */
export interface StagedFiles {
  /** The staging folder (inside the backup folder); null when the backup saved no file. */
  dir: string | null;
}

/**
 * Differences between what the action left (`manifest.left`) and the
 * target now, for the paths the action left: one line per drifted path.
 * Empty when the manifest records nothing left (the action was not verified).
 */
export async function findFileDrift(exec: Executor, manifest: BackupManifest, options: TreeCommandOptions = {}): Promise<string[]> {
  if (!manifest.left) return [];
  const left = manifest.left.files;
  const paths = new Set(left.map((e) => e.path));
  const current = await scanTree(exec, manifest.roots, { ...options, exclude: backupRootOf(manifest) });
  return compareEntries(left, current.filter((e) => paths.has(e.path)), { owners: await runsAsRoot(exec) });
}

/**
 * Extract the archive into `<backup dir>/staging-<random>` and compare every
 * staged entry with the manifest (type, size, sha256, mode, link target, and
 * owner when root). Throws `BACKUP_TAMPERED` (staging removed, the app
 * untouched) on any difference or an unreadable archive, `BACKUP_NOT_FOUND`
 * when the archive is gone.
 */
export async function stageFileBackup(exec: Executor, manifest: BackupManifest, options: TreeCommandOptions = {}): Promise<StagedFiles> {
  const savedRoots = savedRootsOf(manifest);
  if (savedRoots.length === 0) return { dir: null };
  const tarPath = posix.join(manifest.dir, 'files.tar');
  if ((await exec.stat(tarPath)) === null) {
    throw new HealerError('BACKUP_NOT_FOUND', `The archive of backup ${manifest.id} is missing: ${tarPath}. Nothing was changed.`, { details: { backupId: manifest.id, path: tarPath } });
  }
  const dir = posix.join(manifest.dir, `staging-${randomBytes(6).toString('hex')}`);
  const tampered = (what: string, mismatches: string[] = [], cause?: unknown): HealerError =>
    new HealerError('BACKUP_TAMPERED', `Backup ${manifest.id} does not match its manifest, so nothing was changed: ${what}`, {
      cause,
      details: { backupId: manifest.id, mismatches },
    });
  await exec.mkdir(dir, { mode: 0o700 });
  try {
    const owners = await runsAsRoot(exec);
    try {
      await runOrThrow(
        exec,
        ['tar', '--extract', '--file', tarPath, '-C', dir, '--preserve-permissions', '--numeric-owner', owners ? '--same-owner' : '--no-same-owner', '--no-wildcards', '--', ...savedRoots.map(archiveName)],
        options,
        'tar --extract',
      );
    } catch (e) {
      throw tampered(`the archive cannot be read: ${errorMessage(e)}`, [], e);
    }
    const staged = await scanTree(exec, savedRoots.map((r) => stagedPath(dir, r)), options);
    const found = staged.map((e) => ({ ...e, path: `/${e.path.slice(dir.length + 1)}` }));
    const want = manifest.files.filter((e) => e.type !== 'absent' && savedRoots.some((r) => isPathWithin(r, e.path)));
    const mismatches = compareEntries(want, found, { owners });
    if (mismatches.length > 0) throw tampered(`${mismatches.length} difference(s): ${mismatches.join('; ')}`, mismatches);
    return { dir };
  } catch (e) {
    await exec.remove(dir).catch(() => undefined);
    throw e;
  }
}

/** Remove a staging folder. */
export async function discardStaged(exec: Executor, staged: StagedFiles): Promise<void> {
  if (staged.dir) await exec.remove(staged.dir).catch(() => undefined);
}

/**
 * Move a checked staging folder into place: everything the backup holds
 * (removing what was added since) when the manifest records nothing left,
 * otherwise only what the action changed. Verifies the result and throws
 * `RESTORE_FAILED` listing the differences. Removes the staging folder.
 */
export async function applyStagedFiles(exec: Executor, manifest: BackupManifest, staged: StagedFiles, options: TreeCommandOptions = {}): Promise<void> {
  const backupRoot = backupRootOf(manifest);
  const owners = await runsAsRoot(exec);
  const fail = (message: string, extra: Record<string, unknown> = {}, cause?: unknown): HealerError =>
    new HealerError('RESTORE_FAILED', `Restore of backup ${manifest.id}: ${message}`, { cause, details: { backupId: manifest.id, ...extra } });
  try {
    let current: BackupFileEntry[];
    try {
      // Types and modes are enough to plan: no hashing.
      current = await listTree(exec, manifest.roots, { ...options, exclude: backupRoot });
    } catch (e) {
      throw fail(`cannot list the current files, nothing was changed: ${errorMessage(e)}`, {}, e);
    }
    const plan = planRestore(manifest, current);
    for (const p of plan.remove) {
      if (!manifest.roots.some((r) => isPathWithin(r, p)) || isPathWithin(backupRoot, p)) {
        throw fail(`refusing to remove ${JSON.stringify(p)}: outside the backed-up roots.`);
      }
    }
    const problems: string[] = [];
    const attempt = async (what: () => Promise<unknown>): Promise<void> => {
      try {
        await what();
      } catch (e) {
        problems.push(errorMessage(e));
      }
    };
    if (plan.remove.length > 0) {
      await attempt(() => runOrThrow(exec, ['xargs', '-0', '-r', 'rm', '-rf', '--one-file-system', '--'], { ...options, input: plan.remove.map((p) => `${p}\0`).join('') }, 'rm'));
    }
    if (plan.copy.length > 0) {
      if (!staged.dir) throw fail('the backup holds no staged files to put back.');
      // The checked staging copy goes into place, never the archive again: it cannot change in between.
      await attempt(() =>
        runOrThrow(
          exec,
          {
            script: 'src=$1; owner=$2; tar -C "$src" --create --file - --no-recursion --null --verbatim-files-from --files-from - | tar -C / --extract --file - --preserve-permissions --numeric-owner "$owner"',
            args: [staged.dir!, owners ? '--same-owner' : '--no-same-owner'],
          },
          { ...options, input: plan.copy.map((e) => `${archiveName(e.path)}\0`).join('') },
          'tar',
        ),
      );
    }
    for (const e of plan.chmod) await attempt(() => runOrThrow(exec, ['chmod', formatMode(e.mode), '--', e.path], options, 'chmod'));
    if (owners) for (const e of plan.chown) await attempt(() => runOrThrow(exec, ['chown', '-h', `${e.uid}:${e.gid}`, '--', e.path], options, 'chown'));

    const after = await scanTree(exec, manifest.roots, { ...options, exclude: backupRoot });
    const found = new Map(after.map((e) => [e.path, e]));
    // A path whose content the action never changed keeps whatever content it has now.
    const expect = plan.expect.map((e) => (plan.modeOnly.has(e.path) ? { ...(found.get(e.path) ?? e), mode: e.mode, uid: e.uid, gid: e.gid } : e));
    const mismatches = plan.full
      ? compareEntries(manifest.files, after, { owners })
      : compareEntries(expect, after.filter((e) => plan.touched.has(e.path)), { owners });
    if (mismatches.length > 0 || problems.length > 0) {
      throw fail([...problems, ...(mismatches.length > 0 ? [`${mismatches.length} mismatch(es): ${mismatches.join('; ')}`] : [])].join('; '), { mismatches, errors: problems });
    }
  } finally {
    await discardStaged(exec, staged);
  }
}

/**
 * {@link findFileDrift} (refusing with `ROLLBACK_DRIFT` unless `force`),
 * {@link stageFileBackup}, then {@link applyStagedFiles}.
 */
export async function restoreCheckedFiles(exec: Executor, manifest: BackupManifest, options: RestoreFileOptions = {}): Promise<void> {
  if (!options.force) {
    const drift = await findFileDrift(exec, manifest, options);
    if (drift.length > 0) throw driftError(manifest.id, drift);
  }
  const staged = await stageFileBackup(exec, manifest, options);
  await applyStagedFiles(exec, manifest, staged, options);
}

/** `ROLLBACK_DRIFT` listing what changed since the action was verified. */
export function driftError(backupId: string, drift: readonly string[]): HealerError {
  return new HealerError(
    'ROLLBACK_DRIFT',
    `What the action left has changed since, so nothing was changed (use --force / { force: true } to roll back anyway): ${drift.join('; ')}`,
    { details: { backupId, drift: [...drift] } },
  );
}

interface RestorePlan {
  /** Everything put back (no `left` recorded). */
  full: boolean;
  /** Topmost paths to remove first. */
  remove: string[];
  /** Entries copied from staging (parents first). */
  copy: BackupFileEntry[];
  chmod: Array<{ path: string; mode: number }>;
  chown: Array<{ path: string; uid: number; gid: number }>;
  /** For a partial restore: the paths touched and what they must look like after. */
  touched: Set<string>;
  expect: BackupFileEntry[];
  /** Touched paths whose mode or owner only goes back. */
  modeOnly: Set<string>;
}

function planRestore(manifest: BackupManifest, current: readonly BackupFileEntry[]): RestorePlan {
  const now = new Map(current.map((e) => [e.path, e]));
  const saved = manifest.files.filter((e) => e.type !== 'absent');
  const plan: RestorePlan = { full: !manifest.left, remove: [], copy: [], chmod: [], chown: [], touched: new Set(), expect: [], modeOnly: new Set() };
  if (!manifest.left) {
    const want = new Map(manifest.files.map((e) => [e.path, e]));
    plan.remove = topmost(current.filter((c) => c.type !== 'absent' && (want.get(c.path)?.type ?? 'absent') !== c.type).map((c) => c.path));
    plan.copy = saved;
    return plan;
  }
  const before = new Map(manifest.files.map((e) => [e.path, e]));
  const left = new Map(manifest.left.files.map((e) => [e.path, e]));
  const paths = [...new Set([...before.keys(), ...left.keys()])];
  const doomed: string[] = [];
  for (const path of paths) {
    const b = before.get(path) ?? { path, type: 'absent' as const };
    const l = left.get(path) ?? { path, type: 'absent' as const };
    const c = now.get(path);
    if (!sameContent(b, l)) {
      // The action changed what is there: put the saved entry back whole.
      plan.touched.add(path);
      plan.expect.push(b);
      if (c && c.type !== 'absent' && (b.type === 'absent' || c.type !== b.type)) doomed.push(path);
      if (b.type !== 'absent') plan.copy.push(b);
      continue;
    }
    if (b.type === 'absent' || b.type === 'symlink' || !c || c.type !== b.type) continue;
    // Same content: only what the action changed about it (mode, owner) goes back.
    const expect: BackupFileEntry = { ...c };
    if (b.mode !== undefined && l.mode !== b.mode) {
      plan.chmod.push({ path, mode: b.mode });
      expect.mode = b.mode;
    }
    if (b.uid !== undefined && b.gid !== undefined && (l.uid !== b.uid || l.gid !== b.gid)) {
      plan.chown.push({ path, uid: b.uid, gid: b.gid });
      expect.uid = b.uid;
      expect.gid = b.gid;
    }
    if (expect.mode !== c.mode || expect.uid !== c.uid || expect.gid !== c.gid) {
      plan.touched.add(path);
      plan.modeOnly.add(path);
      plan.expect.push(expect);
    }
  }
  plan.remove = topmost(doomed);
  // Parents first, as the manifest lists them.
  const order = new Map(manifest.files.map((e, i) => [e.path, i]));
  plan.copy.sort((a, b) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0));
  return plan;
}

function sameContent(a: BackupFileEntry, b: BackupFileEntry): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'file') return a.sha256 === b.sha256 && a.size === b.size;
  if (a.type === 'symlink') return a.linkTarget === b.linkTarget;
  return true;
}

/** The outermost saved roots (those the archive holds). @internal */
export function savedRootsOf(manifest: BackupManifest): string[] {
  const want = new Map(manifest.files.map((e) => [e.path, e]));
  return outermostRoots(manifest.roots).filter((r) => {
    const e = want.get(r);
    return e !== undefined && e.type !== 'absent';
  });
}

function stagedPath(dir: string, path: string): string {
  return posix.join(dir, archiveName(path));
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
