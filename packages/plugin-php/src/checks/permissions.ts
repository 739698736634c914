/**
 * `php/permissions`: files and folders of the app any local user may write
 * (mode o+w), and secret files (`.env`, `auth.json`) any local user may read.
 */
import { HealerError } from '@healer/core';
import { ACTION, CHECK, inRoot, plural, type PhpCheck, type PhpCheckContext } from '../shared.js';
import { phpUserOf } from '../web-server.js';

/** Secret files in the app root, never to be readable by other users. */
export const SECRET_FILES: readonly string[] = ['.env', 'auth.json'];
/** Folders not looked into. */
export const PERMISSIONS_PRUNE: readonly string[] = ['.git', 'node_modules'];

/** The find command listing world-writable files and folders (not links) under `root`, NUL-separated. */
export function findWorldWritableCommand(root: string, prune: readonly string[] = PERMISSIONS_PRUNE): string[] {
  const pruned = prune.flatMap((p, i) => [...(i > 0 ? ['-o'] : []), '-path', inRoot(root, p)]);
  return ['find', root, ...(pruned.length ? ['(', ...pruned, ')', '-prune', '-o'] : []), '-perm', '-0002', '!', '-type', 'l', '-print0'];
}

/** What the check and the fix find: world-writable paths and other-readable secret files, sorted. */
export async function permissionFindings(ctx: Pick<PhpCheckContext, 'exec' | 'fs' | 'app' | 'signal'>): Promise<{ worldWritable: string[]; readableSecrets: string[] }> {
  const root = ctx.app.root;
  const found = await ctx.exec.run(findWorldWritableCommand(root), { signal: ctx.signal, timeoutMs: 55_000, maxOutputBytes: 16 * 1024 * 1024 });
  if (found.timedOut || found.exitCode === 127) throw new HealerError('COMMAND_FAILED', `find failed: ${found.stderr.trim().slice(0, 300)}`);
  const worldWritable = found.stdout.split('\0').filter(Boolean).sort();
  const readableSecrets: string[] = [];
  for (const name of SECRET_FILES) {
    const st = await ctx.fs.stat(inRoot(root, name));
    if (st?.type === 'file' && (st.mode & 0o004) !== 0) readableSecrets.push(inRoot(root, name));
  }
  return { worldWritable, readableSecrets };
}

export const permissionsCheck: PhpCheck = {
  id: CHECK.permissions,
  title: 'File permissions',
  category: 'security',
  severity: 'high',
  description: 'No file or folder of the app is writable by every local user (any of them could plant code PHP then runs), and `.env` and `auth.json` are not readable by every local user.',
  timeoutMs: 60_000,
  async run(ctx) {
    const { worldWritable, readableSecrets } = await permissionFindings(ctx);
    const rel = (p: string): string => (p === ctx.app.root ? '.' : p.slice(ctx.app.root.replace(/\/+$/, '').length + 1));
    // Who PHP runs as: the user the fix keeps access for.
    const phpUser = await phpUserOf(ctx).catch(() => null);
    const details = { worldWritable: worldWritable.map(rel), readableSecrets: readableSecrets.map(rel), phpUser };
    if (worldWritable.length === 0 && readableSecrets.length === 0) return { status: 'pass', message: 'No file or folder of the app is world-writable, and no secret file is readable by every user.', details };
    const parts = [
      worldWritable.length ? `${plural(worldWritable.length, 'path')} writable by every local user (${worldWritable.slice(0, 5).map(rel).join(', ')}${worldWritable.length > 5 ? ', ...' : ''})` : '',
      readableSecrets.length ? `${readableSecrets.map(rel).join(' and ')} readable by every local user` : '',
    ].filter(Boolean);
    return {
      status: 'fail',
      message: `${parts.join('; ')}.`,
      details,
      evidence: [...worldWritable, ...readableSecrets].slice(0, 20).map(rel),
      fixes: [ACTION.fixPermissions],
    };
  },
};
