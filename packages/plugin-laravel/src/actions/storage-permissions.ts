/**
 * `laravel/fix-storage-permissions` (medium): give the user PHP runs as
 * write access to every folder (and log file) under `storage/` and
 * `bootstrap/cache` it cannot write, touching nothing else and taking no
 * access away: the owner's or the group's write bit is added where PHP is
 * the owner or in the group; elsewhere (only when Healer runs as root) the
 * entry is first given to PHP's group. Never world-writable. The file
 * backup records every original mode and owner, and the rollback puts
 * them back.
 */
import { restoreBackup, type Step } from '@healer/core';
import { ACTION, CHECK } from '../checks/ids.js';
import { octal } from '../checks/shared.js';
import { canWrite, healerIsRoot, phpIdentity, writableEntries, type Entry, type UserIds } from '../php-access.js';
import { notApplicable, type LaravelAction, type LaravelPlanContext } from './shared.js';

/** The new mode and group of an entry PHP cannot write, or why it cannot be fixed. */
export function fixFor(entry: Entry, ids: UserIds, root: boolean): { mode: number; chgrp: { name: string; gid: number } | null } | string {
  const bits = entry.type === 'd' ? 0o3 : 0o2;
  if (entry.uid === ids.uid) return { mode: entry.mode | (bits << 6), chgrp: null };
  if (ids.gids.includes(entry.gid)) return { mode: entry.mode | (bits << 3), chgrp: null };
  if (!root) return 'PHP is neither its owner nor in its group, and only root may give it to another group';
  if (!ids.group || ids.group.gid === 0) return "PHP's group is unknown";
  return { mode: entry.mode | (bits << 3), chgrp: ids.group };
}

async function permissionSteps(ctx: LaravelPlanContext): Promise<Step[] | string> {
  const who = await phpIdentity(ctx);
  if (typeof who === 'string') return who;
  const { php, ids } = who;
  const { entries } = await writableEntries(ctx);
  const bad = entries.filter((e) => !canWrite(e, ids));
  if (bad.length === 0) return `${php.user} can already write storage/ and bootstrap/cache`;
  const root = await healerIsRoot(ctx);
  const steps: Step[] = [];
  const refused: string[] = [];
  const rel = (p: string): string => p.slice(ctx.app.root.length + 1);
  for (const e of bad) {
    const fix = fixFor(e, ids, root);
    if (typeof fix === 'string') {
      refused.push(`${rel(e.path)}: ${fix}`);
      continue;
    }
    if (fix.chgrp) {
      steps.push({ kind: 'run', command: ['chgrp', '-h', '--', String(fix.chgrp.gid), e.path], write: true, description: `${rel(e.path)} to the group "${fix.chgrp.name}" of ${php.user} (the user PHP runs as)` });
    }
    steps.push({ kind: 'chmod', path: e.path, mode: fix.mode, description: `${rel(e.path)} ${octal(e.mode)} -> ${octal(fix.mode)}: writable by ${php.user} (${php.source})` });
  }
  if (steps.length === 0) return `nothing Healer may change: ${refused.slice(0, 3).join('; ')}`;
  return steps;
}

export const fixStoragePermissionsAction: LaravelAction = {
  id: ACTION.fixStoragePermissions,
  title: 'Make storage/ and bootstrap/cache writable by PHP',
  risk: 'medium',
  fixes: [CHECK.storageWritable, CHECK.cacheStore, CHECK.availability],
  async backup(ctx) {
    const steps = await permissionSteps(ctx);
    const paths = typeof steps === 'string' ? [] : [...new Set(steps.flatMap((s) => (s.kind === 'chmod' ? [s.path] : [])))];
    // A folder is saved whole: keep only the outermost ones.
    return { paths: paths.filter((p) => !paths.some((q) => q !== p && p.startsWith(`${q}/`))) };
  },
  async preconditions(ctx) {
    const steps = await permissionSteps(ctx);
    return typeof steps === 'string' ? steps : true;
  },
  async plan(ctx) {
    const steps = await permissionSteps(ctx);
    if (typeof steps === 'string') throw notApplicable(ACTION.fixStoragePermissions, steps);
    return steps;
  },
  rollback: restoreBackup,
};
