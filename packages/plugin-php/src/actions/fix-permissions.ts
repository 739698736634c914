/**
 * `php/fix-permissions` (medium): the write bit for others removed from the
 * app's world-writable files and folders, and `.env` / `auth.json` made
 * unreadable by others, each only when the user PHP runs as keeps the
 * access it has (as owner, through its group, or once the path is given to
 * PHP's group when Healer runs as root). The file backup records every
 * original mode, and the rollback restores them.
 */
import { restoreBackup, type Step } from '@healer/core';
import { permissionFindings, permissionsCheck } from '../checks/permissions.js';
import { phpKeepsAccess, type AccessNeed } from '../php-access.js';
import { ACTION, type PhpAction, type PhpPlanContext } from '../shared.js';
import { notApplicable } from './shared.js';

const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

/** The chmod (and chgrp) steps, plus what is left as it is and why. */
export async function permissionSteps(ctx: PhpPlanContext): Promise<{ steps: Step[]; refused: string[] }> {
  const root = ctx.app.root.replace(/\/+$/, '');
  const rel = (p: string): string => (p === root ? 'the app folder' : p.slice(root.length + 1));
  const { worldWritable, readableSecrets } = await permissionFindings(ctx);
  const steps: Step[] = [];
  const refused: string[] = [];
  const change = async (path: string, to: (mode: number) => number, need: AccessNeed, why: string): Promise<void> => {
    const st = await ctx.fs.stat(path);
    if (!st || (st.type !== 'file' && st.type !== 'directory')) return;
    const mode = st.mode & 0o7777;
    let next = to(mode);
    // PHP's access: to read a secret file, and to keep writing where it writes now.
    const verdicts = [await phpKeepsAccess(ctx, st, next, 'read', { allowChgrp: true }), ...(need === 'write' ? [await phpKeepsAccess(ctx, st, next, 'write', { allowChgrp: true })] : [])];
    const lost = verdicts.find((v) => !v.keeps);
    if (lost && !lost.keeps) return void refused.push(`${rel(path)} stays ${octal(mode)}: ${lost.why}`);
    const chgrp = verdicts.map((v) => (v.keeps ? v.chgrp : undefined)).find((g) => g !== undefined);
    if (chgrp) {
      steps.push({ kind: 'run', command: ['chgrp', '--', String(chgrp.gid), path], write: true, description: `${rel(path)} to PHP's group "${chgrp.group}" (gid ${chgrp.gid}), so PHP keeps its access without the bits for others` });
      next |= need === 'write' ? 0o060 | (st.type === 'directory' ? 0o010 : 0) : 0o040;
    }
    if (next !== mode) steps.push({ kind: 'chmod', path, mode: next, description: `${rel(path)} ${octal(mode)} -> ${octal(next)}: ${why}` });
  };
  for (const path of worldWritable) await change(path, (m) => m & ~0o002, 'write', 'not writable by other users');
  for (const path of readableSecrets) await change(path, (m) => m & ~0o007, 'read', 'a secret file: no access for other users');
  return { steps, refused };
}

export const fixPermissionsAction: PhpAction = {
  id: ACTION.fixPermissions,
  title: 'Fix file permissions',
  description: "World-writable files and folders lose their write bit for others; .env and auth.json become unreadable by others. Never at the cost of the PHP user's own access.",
  risk: 'medium',
  fixes: [permissionsCheck.id],
  async backup(ctx) {
    const { steps } = await permissionSteps(ctx);
    return { paths: [...new Set(steps.flatMap((s) => (s.kind === 'chmod' ? [s.path] : [])))] };
  },
  async preconditions(ctx) {
    const { steps, refused } = await permissionSteps(ctx);
    return steps.length > 0 ? true : `nothing can be changed safely${refused.length ? `: ${refused.join('; ')}` : ''}`;
  },
  async plan(ctx) {
    const { steps, refused } = await permissionSteps(ctx);
    if (steps.length === 0) throw notApplicable(ACTION.fixPermissions, refused.join('; ') || 'nothing to change');
    return refused.length > 0 ? [...steps, { kind: 'note', write: false, description: `left as they are: ${refused.join('; ')}` }] : steps;
  },
  rollback: restoreBackup,
};
