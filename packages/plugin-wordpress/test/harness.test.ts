/** The WordPress test harness itself: a real site that answers, a fataling plugin that white-screens it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWordPressSite, readPhpLog, type WordPressSite } from './helpers/wordpress-site.js';

let site: WordPressSite;
beforeAll(async () => {
  site = await createWordPressSite();
}, 60_000);
afterAll(() => site?.stop());

describe('WordPress test site', () => {
  it('serves the home page from the real Debian WordPress', async () => {
    const page = await site.get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Healer test site');
    expect(await site.getOption('blogname')).toBe('Healer test site');
  });

  it('white-screens when an active plugin fatals, and logs the fatal', async () => {
    const file = await site.addPlugin('broken-plugin', "<?php\n/* Plugin Name: Broken */\nhealer_undefined_function();\n", { activate: true });
    const page = await site.get('/');
    expect(page.status).toBe(500);
    expect(page.body).toContain('There has been a critical error on this website.');
    expect(await readPhpLog(site)).toMatch(/PHP Fatal error: +Uncaught Error: Call to undefined function healer_undefined_function\(\) in .*broken-plugin\/broken-plugin\.php:3/);
    await site.setOption('active_plugins', ((await site.getOption('active_plugins')) as string[]).filter((p) => p !== file));
    expect((await site.get('/')).status).toBe(200);
  });
});
