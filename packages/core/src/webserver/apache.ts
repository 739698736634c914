/**
 * Apache httpd configuration, read the way httpd reads it: the main file
 * (`apache2.conf` on Debian, `conf/httpd.conf` on RHEL), its `Include` /
 * `IncludeOptional` files in order, `${VAR}` expanded from Debian's
 * `envvars` and from `Define`. What Healer needs from it: the error log of
 * the virtual host serving a folder, the global error log, and the user PHP
 * runs as under mod_php.
 */
import type { Executor } from '../contract/executor.js';
import { absoluteFrom, expandGlob, normalize, readConfigText, unquote } from './config-files.js';

/** One `<VirtualHost>` block. */
export interface ApacheVhost {
  file: string;
  serverName: string | null;
  documentRoot: string | null;
  /** Absolute path, or null when the vhost logs to the global log (or to a pipe / syslog). */
  errorLog: string | null;
  /** `proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost` of a `SetHandler`, when PHP goes to PHP-FPM. */
  phpHandler: string | null;
  /** The `<VirtualHost>` addresses, e.g. `['*:80']`, `['127.0.0.1:8080']`. */
  addresses: string[];
  /** mod_php settings of the block (`php_value`, `php_flag`, `php_admin_value`, `php_admin_flag`), by directive name. */
  phpValues: Record<string, string>;
}

/** What Apache's configuration says. */
export interface ApacheConfig {
  serverRoot: string;
  /** The files read, in order. */
  files: string[];
  /** The global `ErrorLog` (absolute), or null when it is a pipe or syslog. */
  errorLog: string | null;
  user: string | null;
  group: string | null;
  /** A `LoadModule php...` line was read: PHP runs inside Apache, as {@link user}. */
  modPhp: boolean;
  vhosts: ApacheVhost[];
}

/** The usual places of Apache's configuration: Debian, then RHEL. */
export const APACHE_ROOTS: readonly string[] = ['/etc/apache2', '/etc/httpd'];
const MAIN_FILES = ['apache2.conf', 'conf/httpd.conf', 'httpd.conf'];
const MAX_FILES = 400;

/** `export NAME=value` lines of Debian's `envvars`, `$NAME` / `${NAME}` expanded (unknown names expand to ""). @internal */
export function parseEnvvars(text: string): Record<string, string> {
  const vars: Record<string, string> = { SUFFIX: '' };
  for (const raw of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw);
    if (!m) continue;
    const value = unquote(m[2]!.replace(/\s+#.*$/, ''));
    if (value.startsWith('$(') || value.startsWith('`')) continue;
    vars[m[1]!] = value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => vars[n] ?? '');
  }
  return vars;
}

/** Directive lines of one file: comments dropped, `\` continuations joined. @internal */
export function apacheLines(text: string): string[] {
  const out: string[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full === '' || full.startsWith('#')) continue;
    out.push(full);
  }
  return out;
}

/** Split a directive's arguments, quotes respected. */
function args(rest: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(rest); m; m = re.exec(rest)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** A log target as an absolute file path, or null for a pipe or syslog. */
function logPath(serverRoot: string, value: string): string | null {
  if (value.startsWith('|') || value.startsWith('syslog')) return null;
  return absoluteFrom(serverRoot, value);
}

/**
 * Read Apache's configuration under `root` (the folder with `apache2.conf`
 * or `conf/httpd.conf`). Null when no main file is there.
 */
export async function readApacheConfig(exec: Executor, root: string): Promise<ApacheConfig | null> {
  let main: string | null = null;
  let mainText: string | null = null;
  for (const name of MAIN_FILES) {
    const path = `${normalize(root)}/${name}`;
    mainText = await readConfigText(exec, path);
    if (mainText !== null) {
      main = path;
      break;
    }
  }
  if (main === null || mainText === null) return null;
  const vars: Record<string, string> = parseEnvvars((await readConfigText(exec, `${normalize(root)}/envvars`)) ?? '');
  const config: ApacheConfig = { serverRoot: normalize(root), files: [], errorLog: null, user: null, group: null, modPhp: false, vhosts: [] };
  const expand = (s: string): string => s.replace(/\$\{([A-Za-z_][A-Za-z0-9_.]*)\}/g, (_, n: string) => vars[n] ?? '');
  let vhost: ApacheVhost | null = null;

  const readFile = async (file: string, text: string): Promise<void> => {
    if (config.files.length >= MAX_FILES || config.files.includes(file)) return;
    config.files.push(file);
    for (const line of apacheLines(text)) {
      const m = /^<?\/?([A-Za-z][A-Za-z0-9_]*)\s*(.*?)>?$/.exec(line);
      if (!m) continue;
      const name = m[1]!.toLowerCase();
      const closing = line.startsWith('</');
      const a = args(expand(m[2]!));
      if (line.startsWith('<')) {
        if (name === 'virtualhost') {
          if (closing) {
            if (vhost) config.vhosts.push(vhost);
            vhost = null;
          } else vhost = { file, serverName: null, documentRoot: null, errorLog: null, phpHandler: null, addresses: a, phpValues: {} };
        }
        continue;
      }
      const first = a[0];
      switch (name) {
        case 'serverroot':
          if (first) config.serverRoot = normalize(first);
          break;
        case 'define':
          if (first) vars[first] = a[1] ?? '';
          break;
        case 'include':
        case 'includeoptional':
          if (first) {
            for (const f of await expandGlob(exec, absoluteFrom(config.serverRoot, first))) {
              const t = await readConfigText(exec, f);
              if (t !== null) await readFile(f, t);
            }
          }
          break;
        case 'errorlog':
          if (!first) break;
          if (vhost) vhost.errorLog = logPath(config.serverRoot, first);
          else config.errorLog = logPath(config.serverRoot, first);
          break;
        case 'documentroot':
          if (vhost && first) vhost.documentRoot = normalize(first);
          break;
        case 'servername':
          if (vhost && first) vhost.serverName = first;
          break;
        case 'user':
          if (!vhost && first) config.user = first;
          break;
        case 'group':
          if (!vhost && first) config.group = first;
          break;
        case 'loadmodule':
          if (first && /^php/i.test(first)) config.modPhp = true;
          break;
        case 'sethandler':
          if (vhost && first?.startsWith('proxy:')) vhost.phpHandler = first;
          break;
        case 'php_value':
        case 'php_flag':
        case 'php_admin_value':
        case 'php_admin_flag':
          if (vhost && first && a[1] !== undefined) vhost.phpValues[first] = a[1];
          break;
        default:
          break;
      }
    }
  };
  await readFile(main, mainText);
  return config;
}
