/**
 * Running the WordPress checks against a real test site the way users do:
 * `createHealer({ plugins: [wordpressPlugin] }).diagnose(root)`.
 */
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHealer, withOnlyChecks, type CheckResultEntry, type Diagnosis } from '@healer/core';
import { expect } from 'vitest';
import type { WordpressConfigInput } from '../src/config.js';
import { wordpressPlugin } from '../src/plugin.js';
import { PHP_S_USER, type WordPressSite } from './helpers/wordpress-site.js';

export interface DiagnoseSiteOptions {
  config?: WordpressConfigInput;
  /** App settings; `url` defaults to the site's. */
  settings?: Record<string, unknown>;
  since?: Date;
  /** Run only these WordPress checks (default all). */
  only?: string[];
}

/** A diagnosis of the site (WordPress checks only, all by default), with its PHP error log configured. */
export async function diagnoseSite(site: WordPressSite, options: DiagnoseSiteOptions = {}): Promise<Diagnosis> {
  const plugin = options.only ? withOnlyChecks(wordpressPlugin, options.only) : wordpressPlugin;
  const healer = createHealer({
    plugins: [{ plugin, config: { phpErrorLog: site.phpErrorLog, ...options.config } }],
    sharedChecks: false,
    checkTimeoutMs: 60_000,
    apps: { [site.root]: { url: site.url, phpUser: PHP_S_USER, ...options.settings } },
  });
  try {
    return await healer.diagnose(site.root, options.since ? { since: options.since } : {});
  } finally {
    await healer.close();
  }
}

/** The result of one check; fails the test when the check did not run. */
export function resultOf(diagnosis: Diagnosis, id: string): CheckResultEntry {
  const r = diagnosis.results.find((x) => x.id === id);
  expect(r, `check ${id} ran`).toBeDefined();
  // A check that threw is a bug here, whatever the case: show its message.
  expect(r!.status, `${id}: ${r!.message}`).not.toBe('error');
  return r!;
}

/** Diagnose with one check (detection included, as in any diagnosis) and return its result. */
export async function checkSite(site: WordPressSite, id: string, options: DiagnoseSiteOptions = {}): Promise<CheckResultEntry> {
  const d = await diagnoseSite(site, { only: [id], ...options });
  expect(d.results.map((r) => r.id)).toEqual([id]);
  return resultOf(d, id);
}

/**
 * `php -S` runs with opcache, which looks at a file's timestamp again only
 * every `opcache.revalidate_freq` (2 s, counted in whole seconds of request
 * time): a PHP file rewritten in place is served from the cache until then.
 * Wait this long before a request must see the new file.
 */
export const OPCACHE_REVALIDATE_MS = 3100;

/**
 * Edit wp-config.php for the length of `fn`, then put the exact bytes and
 * mode back. With `served`, wait for the web server to see each change.
 */
export async function withConfig<T>(site: WordPressSite, edit: (text: string) => string, fn: () => Promise<T>, options: { served?: boolean } = {}): Promise<T> {
  const path = join(site.root, 'wp-config.php');
  const before = await readFile(path);
  const mode = (await stat(path)).mode & 0o7777;
  const edited = edit(before.toString('utf8'));
  expect(edited, 'the wp-config.php edit changed something').not.toBe(before.toString('utf8'));
  const settle = (): Promise<void> => (options.served ? new Promise((r) => setTimeout(r, OPCACHE_REVALIDATE_MS)) : Promise.resolve());
  await writeFile(path, edited);
  try {
    await settle();
    return await fn();
  } finally {
    await writeFile(path, before);
    await chmod(path, mode);
    await settle();
  }
}

/** A moment safely after anything logged so far (log timestamps have whole seconds). */
export async function freshSince(): Promise<Date> {
  await new Promise((r) => setTimeout(r, 1100 - (Date.now() % 1000)));
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

/** Deactivate a plugin file by rewriting `active_plugins` directly (no plugin code runs). */
export async function deactivate(site: WordPressSite, file: string): Promise<void> {
  const active = ((await site.getOption('active_plugins')) as string[] | null) ?? [];
  await site.setOption('active_plugins', active.filter((p) => p !== file));
}
