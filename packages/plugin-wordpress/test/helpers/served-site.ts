/**
 * A real WordPress (Debian's package, on MariaDB) served by a real web
 * server: Apache with mod_php or nginx with PHP-FPM, started by
 * `startWebServer` on a free loopback port, with a name-based virtual host
 * whose name does not resolve (`wp-<id>.healer.invalid`). WordPress's
 * defaults: no debug log, no `.htaccess`, `wp-config.php` 0644; the files
 * belong to the test's user (root here) and PHP runs as `www-data`.
 */
import { freePort, startWebServer, type RunningWebServer, type WebServerKind } from '@healer/test-utils';
import { randomBytes } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { createWordPressSite, type SiteOptions, type WordPressSite } from './wordpress-site.js';

export interface ServedSite extends WordPressSite {
  server: RunningWebServer;
  /** The virtual host's name (it does not resolve). */
  serverName: string;
  /** The virtual host's error log, where PHP's errors land. */
  errorLog: string;
  /** App settings for healer.config.json's `apps[root]`: only where the test servers keep their configuration. */
  appSettings: Record<string, unknown>;
}

export async function createServedSite(kind: WebServerKind, options: Omit<SiteOptions, 'url' | 'port' | 'serve'> = {}): Promise<ServedSite> {
  const port = await freePort();
  const serverName = `wp-${randomBytes(4).toString('hex')}.healer.invalid`;
  const site = await createWordPressSite({ ...options, url: `http://${serverName}:${port}`, port, serve: false });
  // mkdtemp makes the folder 0700: the web server's user must walk into it.
  await chmod(site.dir, 0o755);
  let server: RunningWebServer;
  try {
    server = await startWebServer({ kind, port, sites: [{ serverName, docroot: site.root }] });
  } catch (e) {
    await site.stop();
    throw e;
  }
  const stopSite = site.stop;
  return {
    ...site,
    server,
    serverName,
    errorLog: server.errorLogOf(serverName),
    url: `http://${serverName}:${port}`,
    // No `url`: the site's address comes from WordPress's home/siteurl options.
    appSettings: { webServerRoots: server.roots },
    async get(path = '/') {
      const r = await server.get(serverName, path);
      return { status: r.status, body: r.body };
    },
    async stop() {
      await server.stop().catch(() => undefined);
      await stopSite();
    },
  };
}
