/**
 * The core-file baseline is recorded by a clean diagnosis (the plugin's
 * onHealthy), outside the web root, and a later change to a core file fails
 * the integrity check without refreshing the baseline; only a person's
 * confirmation (`confirmHealthy`, `healer baseline`) refreshes it.
 */
import { appendFile, chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealer, isHealerError, type Healer } from '@healer/core';
import { wordpressPlugin } from '@healer/plugin-wordpress';
import { createWordPressSite, PHP_S_USER, type WordPressSite } from './helpers/wordpress-site.js';

let site: WordPressSite;
let healer: Healer;

beforeAll(async () => {
  site = await createWordPressSite();
  // A healthy production site: wp-config.php not readable by others, PHP's error log known.
  await chmod(join(site.root, 'wp-config.php'), 0o640);
  healer = createHealer({
    plugins: [{ plugin: wordpressPlugin, config: { phpErrorLog: site.phpErrorLog } }],
    sharedChecks: false,
    apps: { [site.root]: { url: site.url, phpUser: PHP_S_USER } },
  });
}, 60_000);
afterAll(() => site?.stop());

const integrity = async () => (await healer.diagnose(site.root)).results.find((r) => r.id === 'wordpress/core-integrity');

describe('core baseline', () => {
  it('is recorded by the first clean diagnosis, beside the site and not in it', async () => {
    const first = await healer.diagnose(site.root);
    expect(first.results.find((r) => r.id === 'wordpress/core-integrity')?.status).toBe('skip');
    expect(first.status).toBe('pass');
    const baselines = join(dirname(site.root), '.healer-backups', 'baselines');
    expect((await stat(baselines)).mode & 0o777).toBe(0o700);
    expect((await integrity())?.status).toBe('pass');
  });

  it('catches a modified core file, and a failing diagnosis does not refresh the baseline', async () => {
    await appendFile(join(site.root, 'wp-includes', 'functions.php'), '\n// injected\n');
    const r = await integrity();
    expect(r?.status).toBe('fail');
    expect(JSON.stringify(r?.details)).toContain('wp-includes/functions.php');
    expect((await integrity())?.status).toBe('fail');
  });

  it('is refreshed only when a person confirms the site is healthy, and never while a check fails', async () => {
    await expect(healer.confirmHealthy(site.root)).rejects.toSatisfy((e) => isHealerError(e, 'NOT_HEALTHY') && e.message.includes('wordpress/core-integrity'));
    // An upgrade: version.php and a core file change together. The check warns; a clean run does not re-baseline by itself.
    const versionFile = join(site.root, 'wp-includes', 'version.php');
    await writeFile(versionFile, (await readFile(versionFile, 'utf8')).replace(/\$wp_version = '[^']+'/, "$wp_version = '6.1.99'"));
    expect((await integrity())?.status).toBe('warn');
    expect((await integrity())?.status).toBe('warn');
    const confirmed = await healer.confirmHealthy(site.root);
    expect(confirmed.results.find((r) => r.id === 'wordpress/core-integrity')?.status).toBe('warn');
    expect((await integrity())?.status).toBe('pass');
  });
});
