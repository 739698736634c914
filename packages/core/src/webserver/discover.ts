/**
 * Find where the web server and PHP that serve a folder write their errors,
 * and which user PHP runs as, by reading their configuration through the
 * executor (so it works over SSH too).
 */
import type { Executor } from '../contract/executor.js';
import { errorMessage } from '../errors.js';
import { validatePath } from '../exec/paths.js';
import { APACHE_ROOTS, readApacheConfig, type ApacheConfig, type ApacheVhost } from './apache.js';
import { expandGlob, normalize, within } from './config-files.js';
import { NGINX_ROOTS, readNginxConfig } from './nginx.js';
import { PHP_FPM_ROOTS, readFpmConfig, type FpmConfig, type FpmPool } from './php-fpm.js';

/** Where to look; each default covers the Debian and RHEL layouts. */
export interface WebServerRoots {
  /** Apache's configuration folder. Default `/etc/apache2`, then `/etc/httpd`. */
  apacheRoot?: string;
  /** nginx's configuration folder. Default `/etc/nginx`. */
  nginxRoot?: string;
  /** Folder(s) holding `php-fpm.conf` (globs allowed). Default `/etc/php/*\/fpm`, then `/etc`. */
  phpFpmRoot?: string;
  /** The PHP CLI whose `error_log` setting is read. Default `php`; `false` skips it. */
  phpBinary?: string | false;
}

/** What a discovered log is. */
export type ServerLogKind = 'apache-vhost' | 'apache' | 'nginx-server' | 'nginx' | 'php-fpm-pool' | 'php-fpm' | 'php-cli';

export interface ServerLog {
  path: string;
  kind: ServerLogKind;
  /** The configuration file that names it. */
  from: string;
}

/** The user PHP runs as, and how that was found. */
export interface PhpUser {
  user: string;
  group: string | null;
  /** `php-fpm pool www (/etc/php/8.2/fpm/pool.d/www.conf)`, `apache User`, `processes`. */
  source: string;
}

/** How PHP runs for the folder, when the configuration tells. */
export type PhpRuntime =
  /** A PHP-FPM pool: the one the web server passes PHP to, else the only pool. */
  | { sapi: 'fpm-fcgi'; pool: FpmPool; fpm: FpmConfig }
  /** Inside the Apache that serves the folder (mod_php), with the virtual host's `php_value` / `php_admin_value` settings. */
  | { sapi: 'apache2handler'; phpValues: Record<string, string>; apacheRoot: string };

export interface WebServerDiscovery {
  docroot: string;
  /**
   * The server blocks that serve the folder. `listen`: the block's addresses
   * (Apache's `<VirtualHost>` arguments, nginx's `listen` words).
   */
  servedBy: Array<{ server: 'apache' | 'nginx'; file: string; serverName: string | null; documentRoot: string; listen: string[] }>;
  /** Logs to read, most specific first, without duplicates. */
  logs: ServerLog[];
  phpUser: PhpUser | null;
  /** How PHP runs for the folder (FPM pool or mod_php), null when no served block or pool tells. */
  php: PhpRuntime | null;
  /** What could not be read (for debugging; never fatal). */
  notes: string[];
}

/**
 * Discover the web server and PHP-FPM configuration serving `docroot`.
 * Never throws for an unreadable or absent configuration: what cannot be
 * read is left out and noted.
 *
 * @example
 * const found = await discoverWebServer(exec, '/var/www/site');
 * found.logs; // [{ path: '/var/log/apache2/site-error.log', kind: 'apache-vhost', ... }, ...]
 */
export async function discoverWebServer(exec: Executor, docroot: string, roots: WebServerRoots = {}): Promise<WebServerDiscovery> {
  validatePath(docroot, 'docroot');
  const notes: string[] = [];
  const site = await realPath(exec, docroot);
  const [apache, nginx, fpms] = await Promise.all([
    firstOf(roots.apacheRoot ? [roots.apacheRoot] : APACHE_ROOTS, (r) => readApacheConfig(exec, r), notes, 'apache'),
    firstOf(roots.nginxRoot ? [roots.nginxRoot] : NGINX_ROOTS, (r) => readNginxConfig(exec, r), notes, 'nginx'),
    readFpms(exec, roots.phpFpmRoot ? [roots.phpFpmRoot] : PHP_FPM_ROOTS, notes),
  ]);
  const result: WebServerDiscovery = { docroot: site, servedBy: [], logs: [], phpUser: null, php: null, notes };
  const add = (path: string | null, kind: ServerLogKind, from: string): void => {
    if (path && !result.logs.some((l) => l.path === path)) result.logs.push({ path, kind, from });
  };

  const vhost = apache ? await bestMatch(exec, site, apache.vhosts, (v) => (v.documentRoot ? [v.documentRoot] : [])) : null;
  const server = nginx ? await bestMatch(exec, site, nginx.servers, (s) => s.roots) : null;
  const pool = matchPool(fpms, vhost?.phpHandler ?? server?.fastcgiPass ?? null);

  if (vhost) {
    result.servedBy.push({ server: 'apache', file: vhost.file, serverName: vhost.serverName, documentRoot: vhost.documentRoot!, listen: vhost.addresses });
    add(vhost.errorLog, 'apache-vhost', vhost.file);
  }
  if (server) {
    result.servedBy.push({ server: 'nginx', file: server.file, serverName: server.serverNames[0] ?? null, documentRoot: server.roots[0]!, listen: server.listen });
    add(server.errorLog, 'nginx-server', server.file);
  }
  // Which stack serves PHP: the matched server; without a match, every server found.
  const apacheServes = apache !== null && (vhost !== null || server === null);
  const nginxServes = nginx !== null && (server !== null || vhost === null);
  if (apacheServes) add(apache.errorLog, 'apache', apache.files[0]!);
  if (nginxServes) add(nginx.errorLog, 'nginx', nginx.files[0]!);
  const pools = pool ? [pool] : fpms.flatMap((f) => f.config.pools.map((p) => ({ pool: p, fpm: f.config })));
  for (const p of pools) add(p.pool.errorLog, 'php-fpm-pool', p.pool.file);
  for (const f of pool ? fpms.filter((x) => x.config === pool.fpm) : fpms) add(f.config.errorLog, 'php-fpm', f.config.file);
  if (roots.phpBinary !== false) add(await cliErrorLog(exec, roots.phpBinary ?? 'php', notes), 'php-cli', `${roots.phpBinary ?? 'php'} -i`);

  result.phpUser = phpUserOf({ apache, vhost, nginxServes: server !== null, pool, pools }) ?? (await processUser(exec, notes));
  result.php = phpRuntimeOf({ apache, vhost, served: vhost !== null || server !== null, pool, pools });
  return result;
}

async function firstOf<T>(candidates: readonly string[], read: (root: string) => Promise<T | null>, notes: string[], what: string): Promise<T | null> {
  for (const root of candidates) {
    try {
      const found = await read(root);
      if (found) return found;
    } catch (e) {
      notes.push(`${what} configuration in ${root}: ${errorMessage(e)}`);
    }
  }
  return null;
}

async function readFpms(exec: Executor, patterns: readonly string[], notes: string[]): Promise<Array<{ config: FpmConfig }>> {
  const out: Array<{ config: FpmConfig }> = [];
  for (const pattern of patterns) {
    const dirs = /[*?[]/.test(pattern) ? await expandGlob(exec, `${pattern}/php-fpm.conf`).then((fs) => fs.map((f) => f.slice(0, -'/php-fpm.conf'.length))) : [pattern];
    for (const dir of dirs) {
      try {
        const config = await readFpmConfig(exec, dir);
        if (config && config.pools.length > 0) out.push({ config });
      } catch (e) {
        notes.push(`php-fpm configuration in ${dir}: ${errorMessage(e)}`);
      }
    }
    if (out.length > 0) break;
  }
  return out;
}

/** The block whose root holds the site, the deepest root winning. */
async function bestMatch<T>(exec: Executor, site: string, blocks: T[], rootsOf: (b: T) => string[]): Promise<T | null> {
  let best: { block: T; depth: number } | null = null;
  for (const block of blocks) {
    for (const root of rootsOf(block)) {
      if (root.includes('$')) continue;
      const real = within(root, site) ? normalize(root) : await realPath(exec, root);
      if (!within(real, site)) continue;
      const depth = real.split('/').length;
      if (!best || depth > best.depth) best = { block, depth };
    }
  }
  return best?.block ?? null;
}

/** The pool listening where the web server passes PHP (`unix:/run/php/x.sock`, `proxy:unix:/run/php/x.sock|fcgi://...`). */
function matchPool(fpms: Array<{ config: FpmConfig }>, pass: string | null): { pool: FpmPool; fpm: FpmConfig } | null {
  if (pass === null) return null;
  const target = pass.replace(/^proxy:/, '').replace(/\|.*$/, '').replace(/^unix:/, '');
  for (const { config } of fpms) {
    for (const pool of config.pools) {
      if (pool.listen && (pool.listen === target || pool.listen.replace(/^(?:127\.0\.0\.1|localhost):/, '') === target.replace(/^(?:127\.0\.0\.1|localhost):/, ''))) return { pool, fpm: config };
    }
  }
  return null;
}

function phpUserOf(found: {
  apache: ApacheConfig | null;
  vhost: ApacheVhost | null;
  nginxServes: boolean;
  pool: { pool: FpmPool; fpm: FpmConfig } | null;
  pools: Array<{ pool: FpmPool; fpm: FpmConfig }>;
}): PhpUser | null {
  const fromPool = (p: { pool: FpmPool }): PhpUser | null =>
    p.pool.user ? { user: p.pool.user, group: p.pool.group ?? p.pool.user, source: `php-fpm pool ${p.pool.name} (${p.pool.file})` } : null;
  if (found.pool) return fromPool(found.pool);
  const { apache } = found;
  // mod_php: PHP runs inside the workers of the Apache that serves the site.
  if (apache && found.vhost && (apache.modPhp || !found.vhost.phpHandler) && apache.user) {
    return { user: apache.user, group: apache.group, source: `Apache User (${apache.files[0]})` };
  }
  // A site served through PHP-FPM whose pool is not told by the socket: the only pool.
  if ((found.vhost || found.nginxServes) && found.pools.length === 1) return fromPool(found.pools[0]!);
  return null;
}

function phpRuntimeOf(found: {
  apache: ApacheConfig | null;
  vhost: ApacheVhost | null;
  served: boolean;
  pool: { pool: FpmPool; fpm: FpmConfig } | null;
  pools: Array<{ pool: FpmPool; fpm: FpmConfig }>;
}): PhpRuntime | null {
  if (found.pool) return { sapi: 'fpm-fcgi', ...found.pool };
  const { apache, vhost } = found;
  if (apache && vhost && !vhost.phpHandler && apache.modPhp) return { sapi: 'apache2handler', phpValues: { ...vhost.phpValues }, apacheRoot: apache.serverRoot };
  if (found.served && found.pools.length === 1) return { sapi: 'fpm-fcgi', ...found.pools[0]! };
  return null;
}

/** The owner of running PHP or web-server worker processes that is not root. */
async function processUser(exec: Executor, notes: string[]): Promise<PhpUser | null> {
  try {
    const r = await exec.run(['ps', '-eo', 'user:64=,comm='], { timeoutMs: 5_000, maxOutputBytes: 1024 * 1024 });
    if (r.exitCode !== 0) return null;
    const counts = new Map<string, number>();
    for (const line of r.stdout.split('\n')) {
      const [user, comm] = line.trim().split(/\s+/, 2);
      if (!user || !comm || user === 'root') continue;
      if (!/^(php-fpm|php-cgi|lsphp|apache2|httpd|nginx)/.test(comm)) continue;
      // PHP processes first: nginx's workers are not PHP.
      counts.set(user, (counts.get(user) ?? 0) + (comm.startsWith('nginx') ? 1 : 10));
    }
    const best = [...counts].sort((a, b) => b[1] - a[1])[0];
    return best ? { user: best[0], group: null, source: 'owner of running PHP / web-server processes' } : null;
  } catch (e) {
    notes.push(`process list: ${errorMessage(e)}`);
    return null;
  }
}

/** PHP CLI's `error_log` setting (absolute), or null when unset. */
async function cliErrorLog(exec: Executor, php: string, notes: string[]): Promise<string | null> {
  try {
    const r = await exec.run([php, '-r', 'echo ini_get("error_log");'], { timeoutMs: 5_000, maxOutputBytes: 8192 });
    const value = r.stdout.trim();
    return r.exitCode === 0 && value.startsWith('/') ? normalize(value) : null;
  } catch (e) {
    notes.push(`${php}: ${errorMessage(e)}`);
    return null;
  }
}

async function realPath(exec: Executor, path: string): Promise<string> {
  try {
    const r = await exec.run(['realpath', '-m', '--', path], { timeoutMs: 5_000 });
    const out = r.stdout.trim();
    return r.exitCode === 0 && out.startsWith('/') ? out : normalize(path);
  } catch {
    return normalize(path);
  }
}
