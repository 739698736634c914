/**
 * The site's address, found with only the path: WP_HOME (or WP_SITEURL) in
 * wp-config.php first, else the home option; a configured `url` wins.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHealer, withOnlyChecks, type CheckResultEntry } from '@healer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordpressPlugin } from '../src/plugin.js';
import { createWordPressSite, type WordPressSite } from './helpers/wordpress-site.js';

let site: WordPressSite;

beforeAll(async () => {
  site = await createWordPressSite({ hostName: 'site.invalid' });
}, 120_000);

afterAll(async () => {
  await site?.stop();
});

async function availability(settings: Record<string, unknown> = {}): Promise<CheckResultEntry> {
  const healer = createHealer({
    plugins: [{ plugin: withOnlyChecks(wordpressPlugin, ['wordpress/availability']), config: {} }],
    sharedChecks: false,
    ...(Object.keys(settings).length > 0 ? { apps: { [site.root]: settings } } : {}),
  });
  try {
    const d = await healer.diagnose(site.root);
    return d.results.find((r) => r.id === 'wordpress/availability')!;
  } finally {
    await healer.close();
  }
}

/** Put a line into wp-config.php (before wp-settings.php is required) for the length of `fn`. */
async function withConfigLine<T>(line: string, fn: () => Promise<T>): Promise<T> {
  const path = join(site.root, 'wp-config.php');
  const before = await readFile(path, 'utf8');
  const marker = "require_once ABSPATH . 'wp-settings.php';";
  expect(before).toContain(marker);
  await writeFile(path, before.replace(marker, `${line}\n${marker}`));
  try {
    return await fn();
  } finally {
    await writeFile(path, before);
  }
}

describe("the site's address", () => {
  it('comes from the home option when wp-config.php does not set it, and is reached at 127.0.0.1', async () => {
    const r = await availability();
    expect(r.status, r.message).toBe('pass');
    expect(r.details).toMatchObject({ url: site.url, connectTo: '127.0.0.1', status: 200 });
    expect(String(r.details['urlSource'])).toMatch(/^the home option/);
  });

  it('comes from WP_HOME when wp-config.php defines it', async () => {
    const home = site.url.replace('site.invalid', 'www.site.invalid');
    await withConfigLine(`define('WP_HOME', '${home}');`, async () => {
      const r = await availability();
      expect(r.details).toMatchObject({ url: home, connectTo: '127.0.0.1' });
      expect(String(r.details['urlSource'])).toMatch(/^WP_HOME in .*wp-config\.php$/);
    });
  });

  it('is the configured url when the settings have one', async () => {
    const configured = `http://127.0.0.1:${site.port}/`;
    const r = await availability({ url: configured });
    expect(r.details).toMatchObject({ url: configured, urlSource: 'settings', connectTo: null });
  });

  it('cannot be told when neither wp-config.php nor the database has it: availability skips and says how to set it', async () => {
    await withConfigLine("define('HEALER_UNUSED', 1); $table_prefix = 'nosuch_';", async () => {
      const r = await availability();
      expect(r.status).toBe('skip');
      expect(r.message).toContain('`url`');
    });
  });

  it('comes from WP_SITEURL when only that is defined', async () => {
    const siteurl = site.url.replace('site.invalid', 'core.site.invalid');
    await withConfigLine(`define('WP_SITEURL', '${siteurl}');`, async () => {
      const r = await availability();
      expect(r.details).toMatchObject({ url: siteurl, connectTo: '127.0.0.1' });
      expect(String(r.details['urlSource'])).toMatch(/^WP_SITEURL in /);
    });
  });
});
