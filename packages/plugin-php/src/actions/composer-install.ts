/**
 * `php/composer-install` (medium): `composer install --no-dev` from
 * composer.lock, the previous vendor/ kept aside (renamed) so the rollback
 * puts it back as it was.
 */
import { vendorDrift } from '../composer.js';
import { phpMeta } from '../detect.js';
import { readComposerFiles, readInstalled } from '../checks/composer.js';
import { ACTION, CHECK, inRoot, type PhpAction, type PhpPlanContext } from '../shared.js';
import { composerBackup, composerInstallSteps, putBackVendor } from './vendor.js';

/** Why an install cannot or need not run, or null when it should. */
export async function composerInstallBlocker(ctx: PhpPlanContext): Promise<string | null> {
  const { json, lock } = await readComposerFiles(ctx);
  if (!json) return 'composer.json is missing or not valid JSON';
  if (!lock) return 'there is no readable composer.lock: an install would choose versions itself (that is composer update, for a person)';
  if ((await ctx.facts.commandVersion(ctx.config.composerBinary)) === null) return `Composer (${ctx.config.composerBinary}) is not installed on the target`;
  const vendor = phpMeta(ctx.app).vendorDir;
  if (await ctx.fs.exists(inRoot(ctx.app.root, `${vendor}/autoload.php`))) {
    const installed = await readInstalled(ctx);
    if (installed) {
      const drift = vendorDrift(lock, installed);
      if (drift.missing.length === 0 && drift.wrongVersion.length === 0) return `${vendor}/ already holds what composer.lock pins`;
    }
  }
  return null;
}

export const composerInstallAction: PhpAction = {
  id: ACTION.composerInstall,
  title: 'Install dependencies from composer.lock',
  description: 'Keeps the current vendor/ aside, then runs composer install --no-dev: what composer.lock pins, nothing else.',
  risk: 'medium',
  fixes: [CHECK.vendor, CHECK.appAnswers, CHECK.fatalErrors],
  backup: composerBackup(),
  async preconditions(ctx) {
    return (await composerInstallBlocker(ctx)) ?? true;
  },
  plan: composerInstallSteps,
  rollback: putBackVendor,
};
