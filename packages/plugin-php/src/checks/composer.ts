/**
 * `php/composer-lock` (composer.lock in step with composer.json, by
 * Composer's own content-hash) and `php/vendor` (vendor/ installed, and
 * what vendor/composer/installed.json lists is what the lock pins).
 */
import { posix } from 'node:path';
import { lockIsFresh, composerContentHash, parseComposerJson, parseComposerLock, parseInstalledJson, vendorDrift, type ComposerJson, type ComposerLock, type InstalledPackages } from '../composer.js';
import { phpMeta } from '../detect.js';
import { ACTION, CHECK, inRoot, plural, type PhpCheck, type PhpCheckContext } from '../shared.js';

const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** composer.json and composer.lock as read now (text and parsed); nulls when absent or unreadable. Read again on every call: actions change them. */
export async function readComposerFiles(ctx: Pick<PhpCheckContext, 'fs' | 'app'>): Promise<{ text: string | null; json: ComposerJson | null; lockText: string | null; lock: ComposerLock | null }> {
  const root = ctx.app.root;
  const [text, lockText] = await Promise.all([
    ctx.fs.readText(inRoot(root, 'composer.json'), { maxBytes: MAX_JSON_BYTES }),
    ctx.fs.readText(inRoot(root, 'composer.lock'), { maxBytes: MAX_JSON_BYTES }),
  ]);
  return { text, json: text === null ? null : parseComposerJson(text), lockText, lock: lockText === null ? null : parseComposerLock(lockText) };
}

/** {@link readComposerFiles}, once per run. */
export function composerFiles(ctx: PhpCheckContext): ReturnType<typeof readComposerFiles> {
  return ctx.facts.get(`php:composer-files:${ctx.app.root}`, () => readComposerFiles(ctx));
}

/** vendor/composer/installed.json of the app, parsed; null when absent or unreadable. */
export async function readInstalled(ctx: Pick<PhpCheckContext, 'fs' | 'app'>): Promise<InstalledPackages | null> {
  const text = await ctx.fs.readText(inRoot(ctx.app.root, posix.join(phpMeta(ctx.app).vendorDir, 'composer/installed.json')), { maxBytes: MAX_JSON_BYTES });
  return text === null ? null : parseInstalledJson(text);
}

export const composerLockCheck: PhpCheck = {
  id: CHECK.composerLock,
  title: 'composer.lock is in step with composer.json',
  category: 'dependencies',
  severity: 'high',
  description: "composer.lock exists and its content-hash is the one Composer computes from composer.json (md5 of the keys that decide what is installed): otherwise `composer install` installs what the lock says, not what composer.json asks.",
  async run(ctx) {
    const { text, json, lockText, lock } = await composerFiles(ctx);
    if (text === null) return { status: 'skip', message: 'The app has no composer.json.' };
    if (json === null) return { status: 'fail', message: 'composer.json is not valid JSON: Composer cannot read it.' };
    const requires = Object.keys(json.require ?? {}).filter((n) => n !== 'php' && !n.startsWith('ext-') && !n.startsWith('lib-'));
    if (lockText === null) {
      if (requires.length === 0) return { status: 'pass', message: 'composer.json requires no package, and there is no composer.lock to keep in step.' };
      return { status: 'fail', message: `composer.json requires ${plural(requires.length, 'package')} but there is no composer.lock: every install may pick other versions. Run composer update once where the app is developed and deploy the lock.` };
    }
    if (lock === null) return { status: 'fail', message: 'composer.lock is not valid JSON: Composer cannot install from it.' };
    let expected: string;
    try {
      expected = composerContentHash(text);
    } catch (e) {
      return { status: 'fail', message: `composer.json cannot be read as Composer reads it: ${(e as Error).message}.` };
    }
    const details = { contentHash: lock.contentHash, expected };
    if (lockIsFresh(lock, text)) return { status: 'pass', message: 'composer.lock is in step with composer.json (content-hash matches).', details };
    return {
      status: 'fail',
      message: `composer.lock is out of step with composer.json (content-hash ${lock.contentHash ?? lock.hash ?? 'missing'}, composer.json gives ${expected}): composer.json changed after the lock was made. Run composer update where the app is developed and deploy both files.`,
      details,
    };
  },
};

export const vendorCheck: PhpCheck = {
  id: CHECK.vendor,
  title: 'vendor/ is installed and matches composer.lock',
  category: 'dependencies',
  severity: 'critical',
  description: "vendor/autoload.php exists, and the packages vendor/composer/installed.json lists are the ones composer.lock pins, at the same versions.",
  async run(ctx) {
    const meta = phpMeta(ctx.app);
    const { json, lock } = await composerFiles(ctx);
    if (!json) return { status: 'skip', message: 'The app has no readable composer.json.' };
    const requires = Object.keys(json.require ?? {}).filter((n) => n !== 'php' && !n.startsWith('ext-') && !n.startsWith('lib-'));
    const vendor = meta.vendorDir;
    const autoload = await ctx.fs.exists(inRoot(ctx.app.root, posix.join(vendor, 'autoload.php')));
    const fixes = lock ? [ACTION.composerInstall] : [];
    if (!autoload) {
      if (requires.length === 0 && !lock) return { status: 'skip', message: 'composer.json requires no package: no vendor/ is needed.' };
      return {
        status: 'fail',
        message: `${vendor}/autoload.php is missing: the app cannot load its ${plural(requires.length, 'dependency', 'dependencies')}. ${lock ? 'composer install --no-dev puts back what composer.lock pins.' : 'There is no composer.lock to install from.'}`,
        details: { vendorDir: vendor, autoload: false },
        fixes,
      };
    }
    if (!lock) return { status: 'warn', message: `${vendor}/ is installed but there is no composer.lock to compare it with.`, details: { vendorDir: vendor, autoload: true } };
    const installed = await readInstalled(ctx);
    if (!installed) {
      return { status: 'fail', message: `${vendor}/composer/installed.json is missing or unreadable: vendor/ was not installed by Composer 2, or is damaged.`, details: { vendorDir: vendor, autoload: true }, fixes };
    }
    const drift = vendorDrift(lock, installed);
    const details = { vendorDir: vendor, autoload: true, ...drift };
    if (drift.missing.length === 0 && drift.wrongVersion.length === 0) {
      return { status: drift.extra.length > 0 ? 'warn' : 'pass', message: drift.extra.length > 0 ? `vendor/ holds what composer.lock pins, and ${drift.extra.join(', ')} that it does not.` : `vendor/ holds the ${plural(lock.packages.length, 'package')} composer.lock pins, at their versions.`, details };
    }
    const evidence = [...drift.missing.map((n) => `${n}: locked, not installed`), ...drift.wrongVersion.map((w) => `${w.name}: installed ${w.installed}, locked ${w.locked}`)];
    return {
      status: 'fail',
      message: `vendor/ does not match composer.lock: ${[drift.missing.length ? `${plural(drift.missing.length, 'package')} missing` : '', drift.wrongVersion.length ? `${plural(drift.wrongVersion.length, 'package')} at another version` : ''].filter(Boolean).join(', ')}. composer install --no-dev brings it in step.`,
      details,
      evidence: evidence.slice(0, 20),
      fixes,
    };
  },
};
