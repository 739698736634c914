/**
 * The site's address: `WP_HOME` (else `WP_SITEURL`) from wp-config.php, else
 * the `home` (else `siteurl`) option through the operations layer (WP-CLI,
 * the PHP helper or SQL, locally or over SSH). On multisite the options table
 * read is the main site's, so the address is the main site's.
 */
import type { AppAddress } from '@healer/core';
import { wpMeta } from './detect.js';
import { connectErrorOnce, opsFor, type WpCheckContext } from './checks/shared.js';

function asUrl(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  return /^https?:\/\/[^/\s]+/i.test(v) ? v : null;
}

/** Where the site answers, or null when neither wp-config.php nor the database tells. */
export async function findSiteAddress(ctx: WpCheckContext): Promise<AppAddress | null> {
  const meta = wpMeta(ctx.app);
  for (const name of ['WP_HOME', 'WP_SITEURL']) {
    const url = asUrl(meta.constants[name]);
    if (url) return { url, source: `${name} in ${meta.configPath}` };
  }
  const ops = await opsFor(ctx);
  if ((await connectErrorOnce(ctx, ops)) !== null) return null;
  for (const name of ['home', 'siteurl']) {
    const url = asUrl(await ops.getOption(name));
    if (url) return { url, source: `the ${name} option${meta.multisite ? ' of the main site' : ''} (${ops.kind})` };
  }
  return null;
}
