/**
 * The web server and PHP that serve a WordPress site, found once per run:
 * the logs where PHP's errors land, and the user PHP runs as. App settings
 * override what is found:
 * - `serverLogs`: absolute paths of logs to read instead of the discovered ones;
 * - `phpUser`: the user (or `user:group`) PHP runs as;
 * - `webServerRoots`: `{ apacheRoot, nginxRoot, phpFpmRoot }` configuration folders.
 * @internal
 */
import {
  discoverWebServer,
  errorMessage,
  phpUserSetting,
  serverLogsSetting,
  webServerRootsSetting,
  type CheckContext,
  type PhpUser,
  type ServerLog,
  type WebServerDiscovery,
  type WebServerRoots,
} from '@healer/core';
import type { WordpressConfig } from './config.js';
import type { WpMetadata } from './types.js';

type Ctx = CheckContext<WordpressConfig, WpMetadata>;

/** `settings.webServerRoots`, checked, with the PHP binary whose `error_log` is read. */
function rootsOf(ctx: Ctx): WebServerRoots {
  return { phpBinary: ctx.config.phpBinary, ...webServerRootsSetting(ctx.settings) };
}

/** `settings.serverLogs`, checked; null when not set. */
export function configuredServerLogs(ctx: Ctx): string[] | null {
  return serverLogsSetting(ctx.settings);
}

/** What serves the site, discovered once per run (never throws: an empty discovery when nothing can be read). */
export function webServerOf(ctx: Ctx): Promise<WebServerDiscovery> {
  const roots = rootsOf(ctx);
  return ctx.facts.get(`wordpress:web-server:${ctx.app.root}:${JSON.stringify(roots)}`, async () => {
    try {
      return await discoverWebServer(ctx.exec, ctx.app.root, roots);
    } catch (e) {
      ctx.logger.debug('wordpress: web server discovery failed', { error: errorMessage(e) });
      return { docroot: ctx.app.root, servedBy: [], logs: [] as ServerLog[], phpUser: null, php: null, notes: [errorMessage(e)] };
    }
  });
}

/** The user PHP runs as: `settings.phpUser`, else the discovered one; null when unknown. */
export async function phpUserOf(ctx: Ctx): Promise<PhpUser | null> {
  return phpUserSetting(ctx.settings) ?? (await webServerOf(ctx)).phpUser;
}
