// The examples/custom-plugin of @healer/core 1.0, kept unchanged as a compatibility fixture: compat-1.0.test.ts
// type-checks it against the current types, and its own tests run against the current engine. Do not edit.
/**
 * The static-site plugin through the real engine (`createHealer`) on real
 * files and symlinks in a temporary folder: detect, diagnose, plan, heal,
 * verification failing into a byte-identical rollback.
 */
import { mkdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHealer, isHealerError, type Healer } from '@healer/core';
import { hashFolder, testdir, writeTree, type TestDir } from '@healer/test-utils';
import { CURRENT_RELEASE_CHECK, MAINTENANCE_CHECK, RELINK_ACTION, staticSitePlugin } from '../src/index.js';

let dir: TestDir;
let site: string;

/** A site whose `current` points at `link`, with releases 0001 and 0002 (0002's page as given). */
async function makeSite(link: string, page2 = '<h1>two</h1>\n'): Promise<void> {
  await writeTree(site, {
    'site.json': '{ "name": "docs" }\n',
    'releases/0001/index.html': '<h1>one</h1>\n',
    'releases/0002/index.html': page2,
  });
  await symlink(link, join(site, 'current'));
}

function healer(config?: unknown): Healer {
  return createHealer({ plugins: [{ plugin: staticSitePlugin, config }], sharedChecks: false });
}

function resultOf(diagnosis: Awaited<ReturnType<Healer['diagnose']>>, id: string) {
  const r = diagnosis.results.find((x) => x.id === id);
  if (!r) throw new Error(`no result for ${id}`);
  return r;
}

beforeEach(async () => {
  dir = await testdir();
  // The app lives one level down: the engine puts backups beside the app root, not inside it.
  site = join(dir.path, 'site');
  await mkdir(site);
});
afterEach(() => dir.cleanup());

describe('static-site plugin', () => {
  it('detects a site by its site.json, and nothing else', async () => {
    await makeSite('releases/0002');
    const report = await healer().detect(site);
    expect(report.app).toMatchObject({ stack: 'static-site', plugin: 'static-site', confidence: 0.9, metadata: { name: 'docs', entry: 'index.html' } });
    expect(report.app?.evidence).toContain('current is a symlink');

    await writeFile(join(dir.path, 'index.html'), 'not a site\n');
    expect((await healer().detect(dir.path)).app).toBeNull();
  });

  it('refuses a releasesDir that is not a single folder name when registered', () => {
    let caught: unknown;
    try {
      healer({ releasesDir: '../elsewhere' });
    } catch (e) {
      caught = e;
    }
    expect(isHealerError(caught, 'PLUGIN_CONFIG_INVALID')).toBe(true);
  });

  it('passes a healthy site and warns about a leftover .maintenance flag', async () => {
    await makeSite('releases/0002');
    const ok = await healer().diagnose(site);
    expect(ok.status).toBe('pass');
    expect(resultOf(ok, CURRENT_RELEASE_CHECK).message).toBe('current -> releases/0002 serves index.html (13 bytes).');

    await writeFile(join(site, '.maintenance'), '');
    const flagged = await healer().diagnose(site);
    expect(flagged.status).toBe('warn');
    expect(resultOf(flagged, MAINTENANCE_CHECK).message).toMatch(/^Visitors see the maintenance page/);
  });

  it('fails when current points at a deleted release, an empty page, or nothing', async () => {
    await makeSite('releases/0003');
    const gone = await healer().diagnose(site);
    expect(gone.status).toBe('fail');
    expect(resultOf(gone, CURRENT_RELEASE_CHECK)).toMatchObject({
      status: 'fail',
      message: 'current -> releases/0003 has no index.html: the release is gone or incomplete.',
    });

    await writeFile(join(site, 'site.json'), '{ "name": "docs", "entry": "home.html" }\n');
    await writeTree(site, { 'releases/0003/home.html': '' });
    expect(resultOf(await healer().diagnose(site), CURRENT_RELEASE_CHECK).message).toBe(
      'current -> releases/0003/home.html is empty: the upload was cut short.',
    );

    await rm(join(site, 'current'));
    expect(resultOf(await healer().diagnose(site), CURRENT_RELEASE_CHECK).message).toBe('There is no current release: current is missing.');
  });

  it('plans the relink as a dry run that changes nothing', async () => {
    await makeSite('releases/0003');
    const before = await hashFolder(site);
    const plan = await healer().plan(site, { mode: 'auto' });
    expect(plan.autoHeal.map((a) => a.actionId)).toEqual([RELINK_ACTION]);
    const [action] = plan.autoHeal;
    expect(action?.backup).toBe(true);
    expect(action?.steps.map((s) => s.display).join('\n')).toContain('releases/0002');
    // Medium risk: the default mode (supervised) asks for approval first.
    const supervised = await healer().plan(site);
    expect(supervised.autoHeal).toEqual([]);
    expect(supervised.requireApproval.map((a) => a.actionId)).toEqual([RELINK_ACTION]);
    expect(await hashFolder(site)).toBe(before);
  });

  it('heals: relinks current to the newest complete release, verified; rollback on request restores the old link', async () => {
    await makeSite('releases/0003');
    const before = await hashFolder(site);
    const h = healer();
    const { execution } = await h.heal(site, { mode: 'auto' });
    expect(execution.state).toBe('FIXED');
    expect(execution.attempts).toMatchObject([{ actionId: RELINK_ACTION, verified: true, rolledBack: false }]);
    expect(await readlink(join(site, 'current'))).toBe('releases/0002');
    expect(await hashFolder(site)).not.toBe(before);
    expect((await h.diagnose(site)).status).toBe('pass');

    const undo = await h.rollback(execution.executionId);
    expect(undo.state).toBe('ROLLED_BACK');
    expect(await readlink(join(site, 'current'))).toBe('releases/0003');
    expect(await hashFolder(site)).toBe(before);
  });

  it('rolls back byte-identical when the chosen release does not verify (its page is empty)', async () => {
    await makeSite('releases/0003', '');
    const before = await hashFolder(site);
    const { execution } = await healer().heal(site, { mode: 'auto' });
    expect(execution.state).toBe('ROLLED_BACK');
    expect(execution.attempts).toMatchObject([{ actionId: RELINK_ACTION, verified: false, rolledBack: true }]);
    expect(await readlink(join(site, 'current'))).toBe('releases/0003');
    expect(await hashFolder(site)).toBe(before);
  });

  it('does not act when no other release has its entry page', async () => {
    await writeTree(site, { 'site.json': '{}\n', 'releases/0001/readme.txt': 'no page\n' });
    await symlink('releases/0001', join(site, 'current'));
    const plan = await healer().plan(site, { mode: 'auto' });
    expect(plan.autoHeal).toEqual([]);
    expect(plan.cannotHeal).toEqual([
      expect.objectContaining({ checkId: CURRENT_RELEASE_CHECK, reason: expect.stringContaining('No other release in releases/') }),
    ]);
  });
});
