/**
 * Replacing `vendor/` with rollback: the old folder is kept aside (renamed,
 * so no copy of a large tree), composer.json and composer.lock are in the
 * action's backup. Reusable by any PHP framework plugin.
 */
import { posix } from 'node:path';
import { HealerError, type BackupSpec, type Step } from '@healer/core';
import { composerEnvOf } from '../config.js';
import { healerIsRoot } from '../php-access.js';
import { phpMeta } from '../detect.js';
import { inRoot, type PhpActionContext, type PhpPlanContext } from '../shared.js';
import { safeName } from './shared.js';

/** What every kept-aside vendor folder (and its marker) is named after, whichever change kept it. */
const ASIDE_PREFIX = '.healer-vendor.previous';

/** Where the previous vendor folder is kept by the change with this nonce. */
export function vendorAsidePath(root: string, nonce: string): string {
  return inRoot(root, `${ASIDE_PREFIX}-${safeName(nonce)}`);
}

/** A marker written instead when there was no vendor folder to keep. */
export const absentMarker = (aside: string): string => `${aside}.absent`;

/** What any change kept aside in the app root (sorted: a plan lists it the same way every time). */
async function keptAside(ctx: PhpPlanContext): Promise<string[]> {
  const entries = await ctx.fs.list(ctx.app.root);
  return entries
    .map((e) => e.name)
    .filter((name) => name.startsWith(ASIDE_PREFIX))
    .sort()
    .map((name) => inRoot(ctx.app.root, name));
}

/** composer.json and composer.lock: what an install may rewrite. */
export function composerBackup(): BackupSpec {
  return { paths: ['composer.json', 'composer.lock'] };
}

/** `composer install --no-dev` as argv: never interactive, never from source, the lock's versions only. */
export function composerInstallCommand(ctx: Pick<PhpPlanContext, 'config'>): string[] {
  return [
    ctx.config.composerBinary,
    'install',
    '--no-dev',
    '--no-interaction',
    '--no-progress',
    '--prefer-dist',
    ...(ctx.config.composerScripts ? [] : ['--no-scripts']),
  ];
}

/** Keep the current vendor folder aside (or mark that there was none), after dropping what earlier changes kept. */
export async function keepVendorAsideSteps(ctx: PhpPlanContext): Promise<Step[]> {
  const root = ctx.app.root;
  const vendor = inRoot(root, phpMeta(ctx.app).vendorDir);
  const aside = vendorAsidePath(root, ctx.nonce);
  const stale: Step[] = (await keptAside(ctx)).map((path) => ({ kind: 'remove', path, description: 'drop what an earlier change kept aside' }));
  if (await ctx.fs.exists(vendor)) return [...stale, { kind: 'rename', from: vendor, to: aside, description: `keep the current ${phpMeta(ctx.app).vendorDir}/ aside for rollback` }];
  return [...stale, { kind: 'write-file', path: absentMarker(aside), content: `${phpMeta(ctx.app).vendorDir}/ did not exist before this change\n`, description: `record that there was no ${phpMeta(ctx.app).vendorDir}/` }];
}

/** A user's home folder on the target (`getent passwd`), or null. */
async function homeOf(ctx: PhpPlanContext, user: string): Promise<string | null> {
  const r = await ctx.exec.run(['getent', 'passwd', '--', user], { timeoutMs: 5_000 }).catch(() => null);
  const home = r?.exitCode === 0 ? r.stdout.trim().split(':')[5] : undefined;
  return home && home.startsWith('/') ? home : null;
}

/** The owner of the app folder when it is not root and Healer runs as root (the new vendor/ goes to them), else null. */
async function ownerToGive(ctx: PhpPlanContext): Promise<string | null> {
  if (!(await healerIsRoot(ctx))) return null;
  const st = await ctx.fs.stat(ctx.app.root);
  return st && st.uid !== 0 ? `${st.uid}:${st.gid}` : null;
}

/**
 * The steps of a clean `composer install --no-dev`, the previous vendor
 * folder kept aside. As root, Composer runs as `composerUser` when set;
 * otherwise the installed vendor/ is given to the app folder's owner, so
 * a later deploy by that user can replace it.
 */
export async function composerInstallSteps(ctx: PhpPlanContext): Promise<Step[]> {
  const env = composerEnvOf(ctx.config);
  let command = composerInstallCommand(ctx);
  let as = '';
  const user = ctx.config.composerUser && (await healerIsRoot(ctx)) ? ctx.config.composerUser : null;
  if (user) {
    const home = await homeOf(ctx, user);
    if (!home) throw new HealerError('CONFIG_INVALID', `composerUser "${user}" is not a user on ${ctx.exec.host}.`);
    command = ['runuser', '-u', user, '--', ...command];
    env['HOME'] = home;
    as = ` as ${user}`;
  }
  const owner = user ? null : await ownerToGive(ctx);
  const vendor = inRoot(ctx.app.root, phpMeta(ctx.app).vendorDir);
  return [
    ...(await keepVendorAsideSteps(ctx)),
    { kind: 'run', command, cwd: ctx.app.root, env, write: true, timeoutMs: ctx.config.installTimeoutMs, description: `install what composer.lock pins, without dev packages${as}` },
    ...(owner
      ? [{ kind: 'run', command: ['chown', '-R', '--no-dereference', owner, '--', vendor], write: true, timeoutMs: 120_000, description: `give the new ${phpMeta(ctx.app).vendorDir}/ to the owner of the app folder (uid:gid ${owner}), as a deploy by them would leave it` } satisfies Step]
      : []),
  ];
}

/** Put the previous vendor folder, composer.json and composer.lock back. */
export async function putBackVendor(ctx: PhpActionContext): Promise<void> {
  const root = ctx.app.root;
  const aside = vendorAsidePath(root, ctx.nonce);
  const vendor = inRoot(root, phpMeta(ctx.app).vendorDir);
  // Check drift first: nothing moves when the rollback is refused.
  if (ctx.backup) await ctx.backup.check();
  if (await ctx.fs.exists(aside)) {
    await ctx.fs.remove(vendor);
    await ctx.fs.rename(aside, vendor);
  } else if (await ctx.fs.exists(absentMarker(aside))) {
    await ctx.fs.remove(vendor);
    await ctx.fs.remove(absentMarker(aside));
  } else {
    const own = new Set([aside, absentMarker(aside)]);
    const later = (await keptAside(ctx)).filter((p) => !own.has(p));
    if (later.length > 0) {
      throw new HealerError('RESTORE_FAILED', `vendor/ was replaced again by a later change (${later.map((p) => posix.basename(p)).join(', ')} is aside): roll that one back first.`);
    }
  }
  if (ctx.backup) await ctx.backup.restore();
}
