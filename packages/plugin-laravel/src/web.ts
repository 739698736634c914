/**
 * Where the app answers and which user PHP runs as, found on the target:
 * - the address: `APP_URL` from `.env` (unless it is Laravel's stock
 *   `http://localhost`), else the PHP built-in server (`php -S`) serving
 *   `public/`, else the virtual host serving it (`@healer/plugin-php`),
 *   else the stock `APP_URL`;
 * - the PHP user: the `phpUser` app setting, else the web server whose
 *   configuration serves `public/` (Apache, nginx + PHP-FPM), else the
 *   owner of the process listening at the app's port, else the owner of
 *   running PHP / web-server processes.
 */
import { posix } from 'node:path';
import { HealerError, type AppAddress, type CheckContext, type PhpUser } from '@healer/core';
import { builtinDocroot, findPhpAddress, webServerOf } from '@healer/plugin-php';
import type { LaravelConfig } from './config.js';
import { readDotenv } from './dotenv.js';
import type { LaravelMeta } from './types.js';

type Ctx = CheckContext<LaravelConfig, LaravelMeta>;

const STOCK_URL = /^https?:\/\/localhost\/?$/i;

/** A PHP built-in server (`php -S host:port`) serving the app: its address and process. */
interface BuiltinServer {
  url: string;
  pid: number;
  user: string;
}

/**
 * The `php -S` processes whose document root (plugin-php's `builtinDocroot`: `-t` and the working
 * folder) is the app's `public/` (or its root). One reading of the process list, shared by the run, and
 * one command for every working folder.
 */
export async function builtinServers(ctx: Ctx): Promise<BuiltinServer[]> {
  return ctx.facts.get(`laravel:builtin-servers:${ctx.app.root}`, async () => {
    const procs = (await ctx.facts.processes()).filter((p) => /(^|\/)php[0-9.]*\s.*\s-S\s/.test(`${p.command} `) || /(^|\/)php[0-9.]*\s+-S\s/.test(p.command));
    if (procs.length === 0) return [];
    const r = await ctx.exec.run({ script: 'for p in "$@"; do printf "%s\\t%s\\n" "$p" "$(readlink "/proc/$p/cwd" 2>/dev/null)"; done', args: procs.map((p) => String(p.pid)) }, { signal: ctx.signal });
    const cwds = new Map(r.stdout.split('\n').filter(Boolean).map((l) => [Number(l.split('\t')[0]), l.split('\t')[1] ?? ''] as const));
    const wanted = new Set([ctx.app.root, posix.join(ctx.app.root, 'public')]);
    const out: BuiltinServer[] = [];
    for (const p of procs) {
      const argv = p.command.split(/\s+/);
      const listen = argv[argv.indexOf('-S') + 1] ?? '';
      const t = argv.indexOf('-t');
      const docroot = builtinDocroot(cwds.get(p.pid) || null, t >= 0 ? (argv[t + 1] ?? null) : null) ?? '';
      if (!wanted.has(docroot.replace(/\/+$/, ''))) continue;
      const m = /^(.*):(\d+)$/.exec(listen);
      if (!m) continue;
      const host = m[1] === '0.0.0.0' || m[1] === '' ? '127.0.0.1' : m[1]!;
      out.push({ url: `http://${host}:${m[2]}`, pid: p.pid, user: p.user });
    }
    return out;
  });
}

/** Where the app answers: `APP_URL`, else a `php -S` serving it, else the stock `APP_URL`; null when nothing tells. */
export async function findAddress(ctx: Ctx): Promise<AppAddress | null> {
  const env = await readDotenv(ctx);
  const appUrl = env?.get('APP_URL')?.trim() ?? '';
  const valid = /^https?:\/\/[^/\s]+/i.test(appUrl);
  if (valid && !STOCK_URL.test(appUrl)) return { url: appUrl.replace(/\/+$/, ''), source: 'APP_URL in .env' };
  const builtin = (await builtinServers(ctx))[0];
  if (builtin) return { url: builtin.url, source: `the PHP built-in server (pid ${builtin.pid}) serving public/` };
  // The virtual host or server block serving public/ (the PHP plugin's reading of Apache and nginx).
  const served = await findPhpAddress(ctx).catch(() => null);
  if (served) return served;
  return valid ? { url: appUrl.replace(/\/+$/, ''), source: 'APP_URL in .env (the stock value)' } : null;
}

/** The port of a URL. */
function portOf(url: string): number | null {
  try {
    const u = new URL(url);
    return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  } catch {
    return null;
  }
}

/** The user PHP runs as for this app (see the module comment); null when it cannot be told. */
export async function phpUserOf(ctx: Ctx): Promise<PhpUser | null> {
  const raw = ctx.settings['phpUser'];
  if (raw !== undefined) {
    if (typeof raw !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/.test(raw)) {
      throw new HealerError('CONFIG_INVALID', `The setting "phpUser" must be a user name or user:group; got ${JSON.stringify(raw)}.`);
    }
    const [user, group] = raw.split(':');
    return { user: user!, group: group ?? null, source: 'the app setting phpUser' };
  }
  return ctx.facts.get(`laravel:php-user:${ctx.app.root}:${String(ctx.settings.url ?? '')}`, async () => {
    const found = await webServerOf(ctx);
    if (found.servedBy.length > 0 && found.phpUser) return found.phpUser;
    const builtin = (await builtinServers(ctx))[0];
    if (builtin) return { user: builtin.user, group: null, source: `the PHP built-in server serving public/ (pid ${builtin.pid})` };
    const url = typeof ctx.settings.url === 'string' ? ctx.settings.url : null;
    const port = url ? portOf(url) : null;
    if (port !== null) {
      // The process that holds the app's port, when it is PHP itself.
      const holder = (await ctx.facts.listeningPorts()).find((l) => l.port === port && l.pid !== undefined);
      const proc = holder ? (await ctx.facts.processes()).find((p) => p.pid === holder.pid) : undefined;
      if (proc && proc.user !== 'root' && /(^|\/)(php|php-fpm|php-cgi|lsphp)/.test(proc.command)) return { user: proc.user, group: null, source: `the owner of the process listening on port ${port}` };
    }
    return found.phpUser;
  });
}
