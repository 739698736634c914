/**
 * Where a PHP app answers, found on the target: the `php -S` server whose
 * document root is the app, else the virtual host or server block that
 * serves it (its name and the port it listens on).
 */
import type { AppAddress } from '@healer/core';
import type { PhpCheckContext } from './shared.js';
import { builtinServerOf, webServerOf } from './web-server.js';

/** `*:80` / `127.0.0.1:8080` / `80` / `[::]:443` -> host and port; null when unreadable. @internal */
export function parseListen(listen: string): { host: string | null; port: number } | null {
  const m = /^(?:(?:\[([^\]]+)\]|([^:\s[\]]+)):)?(\d+)$/.exec(listen.trim());
  if (!m) return null;
  const host = m[1] ?? m[2] ?? null;
  return { host: host === '*' || host === '0.0.0.0' || host === '::' || host === '_default_' ? null : host, port: Number(m[3]) };
}

function urlFor(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  const scheme = port === 443 ? 'https' : 'http';
  const omit = (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443);
  return `${scheme}://${h}${omit ? '' : `:${port}`}/`;
}

/** The app's address, or null when nothing serving it was found. */
export async function findPhpAddress(ctx: PhpCheckContext): Promise<AppAddress | null> {
  const builtin = await builtinServerOf(ctx);
  if (builtin) {
    const l = parseListen(builtin.listen);
    if (l) return { url: urlFor(l.host ?? '127.0.0.1', l.port), source: `the php -S server (pid ${builtin.pid}) serving ${builtin.docroot}` };
  }
  const found = await webServerOf(ctx);
  for (const served of found.servedBy) {
    for (const listen of served.listen.length > 0 ? served.listen : ['80']) {
      const l = parseListen(listen);
      if (!l) continue;
      const name = served.serverName && served.serverName !== '_' ? served.serverName : (l.host ?? '127.0.0.1');
      return { url: urlFor(name, l.port), source: `the ${served.server === 'apache' ? 'virtual host' : 'server block'} in ${served.file}` };
    }
  }
  return null;
}
