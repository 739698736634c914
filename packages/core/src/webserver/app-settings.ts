/**
 * The app settings that override web-server discovery, read the same way by
 * every PHP plugin (WordPress, generic PHP, Laravel):
 * - `webServerRoots`: `{ apacheRoot, nginxRoot, phpFpmRoot }` configuration folders (absolute);
 * - `serverLogs`: absolute paths of logs to read instead of the discovered ones;
 * - `phpUser`: the user (or `user:group`) PHP runs as.
 * Each throws `CONFIG_INVALID` naming the setting when it is malformed.
 */
import type { AppSettings } from '../contract/plugin.js';
import { HealerError } from '../errors.js';
import type { PhpUser, WebServerRoots } from './discover.js';

/** `settings.webServerRoots`, checked; `{}` when not set. */
export function webServerRootsSetting(settings: AppSettings): Pick<WebServerRoots, 'apacheRoot' | 'nginxRoot' | 'phpFpmRoot'> {
  const raw = settings['webServerRoots'];
  const roots: Pick<WebServerRoots, 'apacheRoot' | 'nginxRoot' | 'phpFpmRoot'> = {};
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
export function serverLogsSetting(settings: AppSettings): string[] | null {
  const raw = settings['serverLogs'];
  if (raw === undefined) return null;
  if (!Array.isArray(raw) || raw.some((p) => typeof p !== 'string' || !p.startsWith('/'))) {
    throw new HealerError('CONFIG_INVALID', `The setting "serverLogs" must be a list of absolute paths; got ${JSON.stringify(raw)}.`);
  }
  return raw as string[];
}

/** `settings.phpUser` (`user` or `user:group`), checked; null when not set. */
export function phpUserSetting(settings: AppSettings): PhpUser | null {
  const raw = settings['phpUser'];
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/.test(raw)) {
    throw new HealerError('CONFIG_INVALID', `The setting "phpUser" must be a user name or user:group; got ${JSON.stringify(raw)}.`);
  }
  const [user, group] = raw.split(':');
  return { user: user!, group: group ?? null, source: 'the app setting phpUser' };
}
