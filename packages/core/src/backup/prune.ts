/**
 * Retention: remove backups whose `expiresAt` has passed, from the target and
 * from the state index. It only ever removes a folder shaped like a backup
 * folder inside a backup root; anything else is refused and reported.
 */
import { posix } from 'node:path';
import type { BackupManifest } from '../contract/backup.js';
import type { Executor } from '../contract/executor.js';
import type { StateStore } from '../contract/state.js';
import { errorMessage } from '../errors.js';
import { validatePath } from '../exec/paths.js';

export interface PruneBackupsOptions {
  /** The clock. Default the current time. */
  now?: Date | (() => Date);
  /** Only this application's backups. */
  appId?: string;
  /** List what would be pruned; remove nothing. */
  dryRun?: boolean;
  /**
   * Backup roots configured for this host. A backup folder must be
   * `<root>/<executionId>/<id>` with a root from this list or a root named
   * `.healer-backups`; anything else is never removed.
   */
  backupRoots?: readonly string[];
}

export interface PruneBackupsResult {
  /** Removed (or, on a dry run, to be removed). */
  pruned: BackupManifest[];
  /** How many listed manifests stay in the index (fresh, other hosts, refused or failed). */
  kept: number;
  /** One line per backup that expired but was refused or could not be removed. */
  errors: string[];
}

const BACKUP_ROOT_NAME = '.healer-backups';

/**
 * Remove expired backups: their folder on their host, their manifest from
 * the index, and their execution folder once empty. Given one executor, only
 * the backups of `exec.host` (others are left alone, silently); given
 * `executorFor`, each backup on its own host, and a backup whose host has no
 * executor is kept and reported in `errors`.
 */
export async function pruneBackups(
  exec: Executor | ((host: string) => Promise<Executor>),
  state: StateStore,
  options: PruneBackupsOptions = {},
): Promise<PruneBackupsResult> {
  const now = (typeof options.now === 'function' ? options.now() : (options.now ?? new Date())).getTime();
  const manifests = await state.listBackups(options.appId === undefined ? {} : { appId: options.appId });
  const result: PruneBackupsResult = { pruned: [], kept: 0, errors: [] };
  const hosts = new Map<string, Promise<Executor | string>>();
  const executorOf = (host: string): Promise<Executor | string> => {
    if (typeof exec !== 'function') return Promise.resolve(exec);
    if (!hosts.has(host)) hosts.set(host, exec(host).catch((e: unknown) => errorMessage(e)));
    return hosts.get(host)!;
  };
  for (const m of manifests) {
    const expires = Date.parse(m.expiresAt);
    if ((typeof exec !== 'function' && m.host !== exec.host) || !(expires < now)) {
      if (typeof exec === 'function' || m.host === exec.host) {
        if (Number.isNaN(expires)) result.errors.push(`${m.id}: unreadable expiresAt ${JSON.stringify(m.expiresAt)}; kept.`);
      }
      result.kept++;
      continue;
    }
    const target = await executorOf(m.host);
    if (typeof target === 'string') {
      result.errors.push(`${m.id}: ${target}; kept.`);
      result.kept++;
      continue;
    }
    const refused = whyNotRemovable(m, options.backupRoots ?? []);
    if (refused !== null) {
      result.errors.push(`${m.id}: refusing to remove ${JSON.stringify(m.dir)}: ${refused}`);
      result.kept++;
      continue;
    }
    if (options.dryRun) {
      result.pruned.push(m);
      continue;
    }
    try {
      await target.remove(m.dir);
      await state.deleteBackup(m.id);
    } catch (e) {
      result.errors.push(`${m.id}: ${errorMessage(e)}`);
      result.kept++;
      continue;
    }
    // rmdir only removes an empty folder: other backups of the execution stay.
    await target.run(['rmdir', '--', posix.dirname(m.dir)]).catch(() => undefined);
    result.pruned.push(m);
  }
  return result;
}

/**
 * Null when `m.dir` is `<backupRoot>/<executionId>/<id>` for this manifest and
 * the backup root is allowed; otherwise the reason it is refused.
 * @internal
 */
export function whyNotRemovable(m: BackupManifest, backupRoots: readonly string[]): string | null {
  try {
    validatePath(m.dir, 'backup folder');
  } catch (e) {
    return errorMessage(e);
  }
  const execDir = posix.dirname(m.dir);
  const root = posix.dirname(execDir);
  if (!isSegment(m.id) || !isSegment(m.executionId) || posix.basename(m.dir) !== m.id || posix.basename(execDir) !== m.executionId) {
    return `it is not <backup root>/${m.executionId}/${m.id}.`;
  }
  if (posix.basename(root) !== BACKUP_ROOT_NAME && !backupRoots.includes(root)) {
    return `${root} is neither a configured backup root nor a folder named ${BACKUP_ROOT_NAME}.`;
  }
  return null;
}

function isSegment(s: string): boolean {
  return s !== '' && s !== '.' && s !== '..' && !s.includes('/');
}
