/**
 * The web server and PHP that serve a WordPress site, found once per run:
 * the logs where PHP's errors land, and the user PHP runs as. App settings
 * override what is found:
 * - `serverLogs`: absolute paths of logs to read instead of the discovered ones;
 * - `phpUser`: the user (or `user:group`) PHP runs as;
 * - `webServerRoots`: `{ apacheRoot, nginxRoot, phpFpmRoot }` configuration folders.
 * @internal
 */
import { discoverWebServer, errorMessage, HealerError, type CheckContext, type PhpUser, type ServerLog, type WebServerDiscovery, type WebServerRoots } from '@healer/core';
import type { WordpressConfig } from './config.js';
import type { WpMetadata } from './types.js';

type Ctx = CheckContext<WordpressConfig, WpMetadata>;

/** `settings.webServerRoots`, checked. */
function rootsOf(ctx: Ctx): WebServerRoots {
  const raw = ctx.settings['webServerRoots'];
  const roots: WebServerRoots = { phpBinary: ctx.config.phpBinary };
  if (raw === undefined) return roots;
  if (typeof raw !== 'object' || raw === null) throw new HealerError('CONFIG_INVALID', 'The setting "webServerRoots" must be an object with apacheRoot, nginxRoot or phpFpmRoot.');
  for (const key of ['apacheRoot', 'nginxRoot', 'phpFpmRoot'] as const) {
    const value = (raw as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !value.startsWith('/')) throw new HealerError('CONFIG_INVALID', `The setting "webServerRoots.${key}" must be an absolute path; got ${JSON.stringify(value)}.`);
    roots[key] = value;
  }
  return roots;
}

/** `settings.serverLogs`, checked; null when not set. */
export function configuredServerLogs(ctx: Ctx): string[] | null {
  const raw = ctx.settings['serverLogs'];
  if (raw === undefined) return null;
  if (!Array.isArray(raw) || raw.some((p) => typeof p !== 'string' || !p.startsWith('/'))) {
    throw new HealerError('CONFIG_INVALID', `The setting "serverLogs" must be a list of absolute paths; got ${JSON.stringify(raw)}.`);
  }
  return raw as string[];
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
  const raw = ctx.settings['phpUser'];
  if (raw !== undefined) {
    if (typeof raw !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/.test(raw)) {
      throw new HealerError('CONFIG_INVALID', `The setting "phpUser" must be a user name or user:group; got ${JSON.stringify(raw)}.`);
    }
    const [user, group] = raw.split(':');
    return { user: user!, group: group ?? null, source: 'the app setting phpUser' };
  }
  return (await webServerOf(ctx)).phpUser;
}
