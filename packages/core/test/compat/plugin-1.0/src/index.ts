// The examples/custom-plugin of @healer/core 1.0, kept unchanged as a compatibility fixture: compat-1.0.test.ts
// type-checks it against the current types, and its own tests run against the current engine. Do not edit.
/**
 * A complete small Healer plugin for a made-up stack, "static-site":
 *
 * ```
 * site/
 *   site.json              { "name": "docs", "entry": "index.html" }
 *   current -> releases/0042
 *   releases/0041/index.html
 *   releases/0042/index.html
 *   .maintenance           (only while a deploy runs)
 * ```
 *
 * The web server serves `current/`. A deploy that deletes the release
 * `current` points to, or a half-finished upload, leaves visitors with
 * nothing. The fix: point `current` back at the newest release that has its
 * entry page, atomically, with a backup of the old link to roll back to.
 */
import { posix } from 'node:path';
import { definePlugin, restoreBackup, type ActionContext, type Step } from '@healer/core';
import { staticSiteConfigSchema, type StaticSiteConfig } from './config.js';
import { entryOf, inspectCurrent, listReleases, readSiteFile } from './site.js';

export { staticSiteConfigSchema } from './config.js';
export type { StaticSiteConfig, StaticSiteConfigInput } from './config.js';
export { readSiteFile, entryOf, inspectCurrent, listReleases } from './site.js';
export type { SiteFile, CurrentRelease } from './site.js';

/** The check ids and the action id: part of this plugin's public API. */
export const CURRENT_RELEASE_CHECK = 'static-site/current-release';
export const MAINTENANCE_CHECK = 'static-site/maintenance-flag';
export const RELINK_ACTION = 'static-site/relink-release';

/** Written first, then renamed over `current`: a rename is atomic, so visitors never see a missing link. */
const TMP_LINK = '.current.healer-tmp';

/** The release `current` should point to instead: the newest one that has its entry page and is not the broken target. */
async function pickRelease(ctx: ActionContext<StaticSiteConfig>): Promise<string | null> {
  const root = ctx.app.root;
  const entry = entryOf(await readSiteFile(ctx, root), ctx.config);
  const current = await inspectCurrent(ctx, root, entry);
  const currentName = current.link === null ? null : posix.basename(current.link);
  const releases = await listReleases(ctx, root, entry);
  return releases.find((r) => r.hasEntry && r.name !== currentName)?.name ?? null;
}

export const staticSitePlugin = definePlugin({
  name: 'static-site',
  version: '1.0.0',
  description: 'Example plugin: a static site served from a current -> releases/<id> symlink.',
  // The range of @healer/core this plugin was written against; checked when it is registered.
  engines: { core: '^1.0.0' },
  stacks: ['static-site'],
  signatures: ['site.json'],
  configSchema: staticSiteConfigSchema,

  async detect(ctx) {
    const site = await readSiteFile(ctx, ctx.path);
    if (!site) return null;
    const evidence = ['site.json found'];
    let confidence = 0.6;
    const current = await ctx.fs.stat(posix.join(ctx.path, 'current'));
    if (current) {
      evidence.push(`current is a ${current.type}`);
      confidence = 0.9;
    }
    return {
      stack: 'static-site',
      version: null,
      confidence,
      evidence,
      metadata: { name: typeof site.name === 'string' ? site.name : null, entry: entryOf(site, ctx.config) },
    };
  },

  checks: [
    {
      id: CURRENT_RELEASE_CHECK,
      title: 'current points to a release with its entry page',
      category: 'availability',
      severity: 'critical',
      async run(ctx) {
        const entry = entryOf(await readSiteFile(ctx, ctx.app.root), ctx.config);
        const current = await inspectCurrent(ctx, ctx.app.root, entry);
        const details = { kind: current.kind, link: current.link, entry };
        if (current.kind === 'missing') return { status: 'fail', message: 'There is no current release: current is missing.', details };
        if (current.kind === 'other') return { status: 'fail', message: 'current is neither a folder nor a symlink.', details };
        const where = current.link === null ? 'current' : `current -> ${current.link}`;
        if (current.entrySize === null) return { status: 'fail', message: `${where} has no ${entry}: the release is gone or incomplete.`, details };
        if (current.entrySize === 0) return { status: 'fail', message: `${where}/${entry} is empty: the upload was cut short.`, details };
        return { status: 'pass', message: `${where} serves ${entry} (${current.entrySize} bytes).`, details };
      },
    },
    {
      id: MAINTENANCE_CHECK,
      title: 'No maintenance flag left behind',
      category: 'availability',
      severity: 'medium',
      // Only reports: a running deploy may own the flag, so no action removes it.
      async run(ctx) {
        const flag = await ctx.fs.stat(posix.join(ctx.app.root, '.maintenance'));
        if (!flag) return { status: 'pass', message: 'No .maintenance flag.' };
        const since = new Date(flag.mtimeMs).toISOString();
        return {
          status: 'warn',
          message: `Visitors see the maintenance page: .maintenance has been there since ${since}. Remove it once no deploy is running.`,
          details: { since },
        };
      },
    },
  ],

  actions: [
    {
      id: RELINK_ACTION,
      title: 'Point current at the newest complete release',
      description: 'Replaces the current symlink atomically; the old link is backed up and put back on rollback.',
      // Medium: visitors will see an older release. Medium and above need a backup and a rollback.
      risk: 'medium',
      fixes: [CURRENT_RELEASE_CHECK],
      // The temporary link too: if apply stops halfway, restoring removes it.
      backup: { paths: ['current', TMP_LINK] },
      async preconditions(ctx) {
        return (await pickRelease(ctx)) === null ? `No other release in ${ctx.config.releasesDir}/ has its entry page.` : true;
      },
      // A plan is data: a dry run prints these steps and nothing runs. The engine's default apply runs them in order.
      async plan(ctx): Promise<Step[]> {
        const release = await pickRelease(ctx);
        if (release === null) return [];
        const tmp = posix.join(ctx.app.root, TMP_LINK);
        return [
          {
            kind: 'run',
            command: ['ln', '-sfn', '--', posix.join(ctx.config.releasesDir, release), tmp],
            cwd: ctx.app.root,
            write: true,
            description: `make a link to ${ctx.config.releasesDir}/${release}`,
          },
          { kind: 'rename', from: tmp, to: posix.join(ctx.app.root, 'current'), description: 'swap it in atomically' },
        ];
      },
      // No verify(): the engine re-detects the app and re-runs every check afterwards, and rolls back if they still fail.
      rollback: restoreBackup,
    },
  ],
});

export default staticSitePlugin;
