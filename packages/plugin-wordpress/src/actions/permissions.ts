/**
 * Fix permissions (medium): `wp-config.php` no longer readable or writable
 * by other users (0644 -> 0640: the owner and the group keep read), only
 * when the user PHP runs as keeps read access (as owner or group), and the
 * write bit for others removed from world-writable folders (0777 -> 0775),
 * the same folders `wordpress/permissions` finds. The file backup records
 * every original mode (and content) of what it saves, and the rollback
 * restores it. A world-writable folder is saved whole: on a site whose
 * `wp-content` is 0777 the backup holds all of `wp-content`.
 */
import { HealerError, isPathWithin, type Step, restoreBackup } from '@healer/core';
import { phpKeepsRead, resolvedFile } from '../php-access.js';
import { findWorldWritableDirsCommand, PERMISSIONS_PRUNE } from '../checks/permissions.js';
import { editableConfigPath, notApplicable, type WpAction, type WpPlanContext } from './shared.js';
import { permissionsCheck } from '../checks/permissions.js';
import { ACTION } from '../checks/shared.js';

const ID = ACTION.fixPermissions;

/** `wp-config.php`'s new mode: others lose everything, the group keeps at most read, the owner keeps read and write. */
export function configMode(mode: number): number {
  return (mode & 0o640) | 0o400;
}

/** A folder's new mode: only the write bit for others goes (a deploy group keeps its write access). */
export function folderMode(mode: number): number {
  return mode & ~0o002 & 0o7777;
}

const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

/** The chmod steps, or why there is nothing to do. */
async function permissionSteps(ctx: WpPlanContext): Promise<Step[] | string> {
  const steps: Step[] = [];
  const root = ctx.app.root;
  const where = editableConfigPath(ctx);
  let refusedConfig: string | null = null;
  if ('path' in where) {
    const file = await resolvedFile(ctx, where.path);
    const mode = file ? file.stat.mode & 0o7777 : null;
    if (file?.stat.type === 'file' && mode !== null && (mode & 0o007) !== 0) {
      let to = configMode(mode);
      const verdict = await phpKeepsRead(ctx, file.stat, to | 0o040, { allowChgrp: true });
      if (!isPathWithin(root, file.path)) refusedConfig = `wp-config.php links outside the application root (${file.path}); change it by hand`;
      else if (!verdict.keepsRead) refusedConfig = `wp-config.php stays ${octal(mode)}: ${verdict.why}`;
      else {
        if (verdict.chgrp) {
          // PHP reads through the group: the file goes to PHP's group first, and the group keeps read.
          to |= 0o040;
          steps.push({
            kind: 'run',
            command: ['chgrp', '--', String(verdict.chgrp.gid), file.path],
            write: true,
            description: `wp-config.php to the group "${verdict.chgrp.group}" (gid ${verdict.chgrp.gid}) that PHP runs as ${verdict.phpUser.user} with, so that it keeps reading it without read for others`,
          });
        } else if (verdict.via === 'group') {
          to |= 0o040;
        }
        steps.push({ kind: 'chmod', path: file.path, mode: to, description: `wp-config.php ${octal(mode)} -> ${octal(to)}: no access for other users (PHP, as ${verdict.phpUser.user}, still reads it as ${verdict.via})` });
      }
    }
  }
  const found = await ctx.exec.run(findWorldWritableDirsCommand(root, PERMISSIONS_PRUNE), { signal: ctx.signal, timeoutMs: 55_000 });
  if (found.timedOut || found.exitCode === 127) throw new HealerError('COMMAND_FAILED', `find failed: ${found.stderr.trim().slice(0, 300)}`);
  for (const folder of found.stdout.split('\0').filter(Boolean).sort()) {
    const stat = await ctx.fs.stat(folder);
    if (stat?.type !== 'directory') continue;
    const mode = stat.mode & 0o7777;
    const name = folder === root ? 'the site folder' : folder.slice(root.length + 1);
    steps.push({ kind: 'chmod', path: folder, mode: folderMode(mode), description: `${name} ${octal(mode)} -> ${octal(folderMode(mode))}: not writable by other users` });
  }
  if (steps.length === 0) {
    const config = 'refused' in where ? where.refused : (refusedConfig ?? 'wp-config.php is private');
    return `nothing to change: ${config}, and no folder is world-writable`;
  }
  return steps;
}

export const fixPermissions: WpAction = {
  id: ID,
  title: 'Fix file permissions',
  description: 'wp-config.php holds the database password: make it unreadable by other users. World-writable folders let any local user plant code: remove their write bit for others.',
  risk: 'medium',
  fixes: [permissionsCheck.id],
  async backup(ctx) {
    const steps = await permissionSteps(ctx);
    return { paths: typeof steps === 'string' ? [] : steps.flatMap((s) => (s.kind === 'chmod' ? [s.path] : [])) };
  },
  async preconditions(ctx) {
    const steps = await permissionSteps(ctx);
    return typeof steps === 'string' ? steps : true;
  },
  async plan(ctx) {
    const steps = await permissionSteps(ctx);
    if (typeof steps === 'string') throw notApplicable(ID, steps);
    return steps;
  },
  rollback: restoreBackup,
};
