/**
 * What serves a PHP app, found once per run: the web server and PHP-FPM
 * configuration (core's `discoverWebServer`), and PHP's built-in servers
 * (`php -S`) whose document root is the app. App settings override what is
 * found (the same names as the WordPress plugin's):
 * - `serverLogs`: absolute paths of logs to read instead of the discovered ones;
 * - `phpUser`: the user (or `user:group`) PHP runs as;
 * - `webServerRoots`: `{ apacheRoot, nginxRoot, phpFpmRoot }` configuration folders.
 */
import { posix } from 'node:path';
import {
  discoverWebServer,
  errorMessage,
  phpUserSetting,
  serverLogsSetting,
  webServerRootsSetting,
  type CheckContext,
  type Executor,
  type PhpUser,
  type ServerLog,
  type WebServerDiscovery,
  type WebServerRoots,
} from '@healer/core';
import type { PhpRuntimeConfig } from './config.js';
import type { PhpAppMeta } from './types.js';

type Ctx = CheckContext<PhpRuntimeConfig, PhpAppMeta>;

/** `settings.webServerRoots` (core's `webServerRootsSetting`), with the PHP CLI whose `error_log` is read. */
export function webServerRootsOf(ctx: Pick<Ctx, 'settings' | 'config'>): WebServerRoots {
  return { phpBinary: ctx.config.phpBinary, ...webServerRootsSetting(ctx.settings) };
}

/** `settings.serverLogs` (core's `serverLogsSetting`); null when not set. */
export function configuredServerLogs(ctx: Pick<Ctx, 'settings'>): string[] | null {
  return serverLogsSetting(ctx.settings);
}

/** The web server and PHP-FPM serving the app's document root, discovered once per run (never throws). */
export function webServerOf(ctx: Ctx): Promise<WebServerDiscovery> {
  const roots = webServerRootsOf(ctx);
  const docroot = ctx.app.metadata.docroot ?? ctx.app.root;
  return ctx.facts.get(`php:web-server:${docroot}:${JSON.stringify(roots)}`, async () => {
    try {
      return await discoverWebServer(ctx.exec, docroot, roots);
    } catch (e) {
      ctx.logger.debug('php: web server discovery failed', { error: errorMessage(e) });
      return { docroot, servedBy: [], logs: [] as ServerLog[], phpUser: null, php: null, notes: [errorMessage(e)] };
    }
  });
}

/** A running `php -S` built-in server. */
export interface BuiltinServer {
  pid: number;
  /** The user it runs as. */
  user: string;
  /** `php`, `/usr/bin/php8.2`: how it was started. */
  binary: string;
  /** The `-S` address, e.g. `127.0.0.1:8080`. */
  listen: string;
  /** The document root (`-t`, else its working folder), resolved. */
  docroot: string;
  /** The router script, when one was given. */
  router: string | null;
  /** Its `-n`, `-c FILE` and `-d KEY=VALUE` options, as given. */
  iniArgs: string[];
  /** The file its standard error goes to (where it logs), when that is a file. */
  stderr: string | null;
}

/** Parse the command line of a `php -S` process (space-separated, as `ps` shows it); null when it is not one. @internal */
export function parseBuiltinArgs(args: string): Omit<BuiltinServer, 'pid' | 'user' | 'docroot' | 'stderr'> & { docroot: string | null } | null {
  const words = args.trim().split(/\s+/);
  const binary = words[0] ?? '';
  if (!/(?:^|\/)php[\d.]*$/.test(binary)) return null;
  let listen: string | null = null;
  let docroot: string | null = null;
  let router: string | null = null;
  const iniArgs: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-S') listen = words[++i] ?? null;
    else if (w.startsWith('-S')) listen = w.slice(2);
    else if (w === '-t') docroot = words[++i] ?? null;
    else if (w.startsWith('-t')) docroot = w.slice(2);
    else if (w === '-n') iniArgs.push(w);
    else if (w === '-c' || w === '-d') {
      const v = words[++i];
      if (v !== undefined) iniArgs.push(w, v);
    } else if (w.startsWith('-c') || w.startsWith('-d')) iniArgs.push(w.slice(0, 2), w.slice(2));
    else if (!w.startsWith('-') && router === null) router = w;
  }
  return listen ? { binary, listen, docroot, router, iniArgs } : null;
}

/**
 * A `php -S` server's document root from its `-t` and its working folder. A relative `-t` names it from
 * where the server started, but while it runs a script the server's working folder is the script's
 * (and may stay there): a folder already ending in that `-t` is taken as the document root itself.
 */
export function builtinDocroot(cwd: string | null, t: string | null): string | null {
  if (t !== null && t.startsWith('/')) return t;
  if (cwd === null) return null;
  if (t === null || t === '' || t === '.') return cwd;
  const rel = posix.normalize(t).replace(/\/+$/, '');
  return cwd === rel || cwd.endsWith(`/${rel}`) ? cwd : posix.resolve(cwd, rel);
}

async function readLink(exec: Executor, path: string): Promise<string | null> {
  const r = await exec.run(['readlink', '-e', '--', path], { timeoutMs: 5_000 }).catch(() => null);
  const out = r?.stdout.trim() ?? '';
  return r?.exitCode === 0 && out.startsWith('/') ? out : null;
}

/** Every `php -S` server on the host (one `ps`, then its folder and log per server). */
export async function builtinServers(exec: Executor): Promise<BuiltinServer[]> {
  const ps = await exec.run(['ps', '-eo', 'pid=,user:64=,args='], { timeoutMs: 5_000, maxOutputBytes: 4 * 1024 * 1024 });
  if (ps.exitCode !== 0) return [];
  const out: BuiltinServer[] = [];
  for (const line of ps.stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!m || !/\s-S\s?\S/.test(m[3]!)) continue;
    const parsed = parseBuiltinArgs(m[3]!);
    if (!parsed) continue;
    const pid = Number(m[1]);
    const cwd = await readLink(exec, `/proc/${pid}/cwd`);
    const docroot = builtinDocroot(cwd, parsed.docroot);
    if (docroot === null) continue;
    const resolved = (await readLink(exec, docroot)) ?? docroot.replace(/\/+$/, '');
    const stderr = await readLink(exec, `/proc/${pid}/fd/2`);
    out.push({ ...parsed, pid, user: m[2]!, docroot: resolved, stderr: stderr && !stderr.startsWith('/dev/') ? stderr : null });
  }
  return out;
}

/** The `php -S` server serving the app (its docroot is the app's docroot or root), once per run; null when none. */
export function builtinServerOf(ctx: Ctx): Promise<BuiltinServer | null> {
  return ctx.facts.get(`php:builtin:${ctx.app.root}`, async () => {
    try {
      const all = await builtinServers(ctx.exec);
      const docroot = ctx.app.metadata.docroot ?? ctx.app.root;
      return all.find((s) => s.docroot === docroot) ?? all.find((s) => s.docroot === ctx.app.root) ?? null;
    } catch (e) {
      ctx.logger.debug('php: cannot list php -S servers', { error: errorMessage(e) });
      return null;
    }
  });
}

/** The user PHP runs as: `settings.phpUser`, else a `php -S` server's owner, else the discovered one; null when unknown. */
export async function phpUserOf(ctx: Ctx): Promise<PhpUser | null> {
  const configured = phpUserSetting(ctx.settings);
  if (configured) return configured;
  const found = await webServerOf(ctx);
  if (found.servedBy.length > 0 && found.phpUser) return found.phpUser;
  const builtin = await builtinServerOf(ctx);
  if (builtin) return { user: builtin.user, group: null, source: `the php -S ${builtin.listen} process (pid ${builtin.pid})` };
  return found.phpUser;
}
