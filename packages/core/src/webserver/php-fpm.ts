/**
 * PHP-FPM configuration: `php-fpm.conf` (its own `error_log`) and the pool
 * files it includes (`[www]`: `user`, `group`, `listen`,
 * `php_admin_value[error_log]`). Debian keeps one tree per PHP version
 * (`/etc/php/8.2/fpm`), RHEL one (`/etc/php-fpm.conf`, `/etc/php-fpm.d`).
 */
import type { Executor } from '../contract/executor.js';
import { absoluteFrom, expandGlob, normalize, readConfigText } from './config-files.js';

export interface FpmPool {
  name: string;
  file: string;
  user: string | null;
  group: string | null;
  /** `/run/php/php8.2-fpm.sock` or `127.0.0.1:9000`. */
  listen: string | null;
  /** `php_admin_value[error_log]` or `php_value[error_log]`, absolute; null when PHP's errors go to FPM's log. */
  errorLog: string | null;
  /** `pm.status_path` (e.g. `/status`): the pool answers its status there over FastCGI; null when not exposed. */
  statusPath: string | null;
  /** PHP settings of the pool (`php_value[x]`, `php_flag[x]`, `php_admin_value[x]`, `php_admin_flag[x]`), by setting name. */
  phpValues: Record<string, string>;
}

export interface FpmConfig {
  /** The `php-fpm.conf` read. */
  file: string;
  /** FPM's own log (`error_log` in `[global]`), absolute. */
  errorLog: string | null;
  /** `pid` in `[global]`: the file holding the master's process id, absolute; null when not set. */
  pidFile: string | null;
  pools: FpmPool[];
}

/** Where FPM trees are: Debian's per-version folders, and RHEL's `/etc`. */
export const PHP_FPM_ROOTS: readonly string[] = ['/etc/php/*/fpm', '/etc'];
const MAIN_NAMES = ['php-fpm.conf'];

/** `key = value` lines per `[section]`, `;` and `#` comments dropped. @internal */
export function fpmSections(text: string): Array<{ section: string; entries: Array<[string, string]> }> {
  const out: Array<{ section: string; entries: Array<[string, string]> }> = [{ section: '', entries: [] }];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      out.push({ section: sec[1]!.trim(), entries: [] });
      continue;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (!kv) continue;
    let value = kv[2]!.trim();
    if (/^".*"$/.test(value)) value = value.slice(1, -1);
    out[out.length - 1]!.entries.push([kv[1]!.trim(), value]);
  }
  return out;
}

/** Read PHP-FPM's configuration in `root` (the folder with `php-fpm.conf`); null when absent. */
export async function readFpmConfig(exec: Executor, root: string): Promise<FpmConfig | null> {
  const dir = normalize(root);
  let file: string | null = null;
  let text: string | null = null;
  for (const name of MAIN_NAMES) {
    text = await readConfigText(exec, `${dir}/${name}`);
    if (text !== null) {
      file = `${dir}/${name}`;
      break;
    }
  }
  if (file === null || text === null) return null;
  const config: FpmConfig = { file, errorLog: null, pidFile: null, pools: [] };
  // FPM's prefix for relative paths: /usr by default; Debian and RHEL write absolute paths.
  const prefix = '/usr';
  const seen = new Set<string>();
  const read = async (path: string, body: string): Promise<void> => {
    if (seen.has(path) || seen.size > 200) return;
    seen.add(path);
    for (const { section, entries } of fpmSections(body)) {
      const isGlobal = section === '' || section === 'global';
      const pool: FpmPool | null = isGlobal ? null : { name: section, file: path, user: null, group: null, listen: null, errorLog: null, statusPath: null, phpValues: {} };
      for (const [key, rawValue] of entries) {
        const value = pool ? rawValue.replace(/\$pool/g, pool.name) : rawValue;
        if (key === 'include') {
          for (const f of await expandGlob(exec, absoluteFrom(prefix, value))) {
            const t = await readConfigText(exec, f);
            if (t !== null) await read(f, t);
          }
        } else if (isGlobal && key === 'error_log' && !value.startsWith('syslog')) {
          config.errorLog = absoluteFrom('/var', value);
        } else if (isGlobal && key === 'pid' && value !== '') {
          config.pidFile = absoluteFrom('/var', value);
        } else if (pool) {
          const setting = /^php_(?:admin_)?(?:value|flag)\[([^\]]+)\]$/.exec(key);
          if (setting) pool.phpValues[setting[1]!] = value;
          if (key === 'pm.status_path' && value.startsWith('/')) pool.statusPath = value;
          else if (key === 'user') pool.user = value;
          else if (key === 'group') pool.group = value;
          else if (key === 'listen') pool.listen = value;
          else if ((key === 'php_admin_value[error_log]' || key === 'php_value[error_log]') && value !== '' && !value.startsWith('syslog')) {
            pool.errorLog = absoluteFrom(prefix, value);
          }
        }
      }
      if (pool) config.pools.push(pool);
    }
  };
  await read(file, text);
  return config;
}
