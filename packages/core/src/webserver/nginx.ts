/**
 * nginx configuration: `nginx.conf` and its `include` files, tokenised into
 * blocks. What Healer needs: the `error_log` of the `server` block whose
 * `root` holds a folder (else the `http` or main one), and where PHP goes
 * (`fastcgi_pass`), to match a PHP-FPM pool.
 */
import type { Executor } from '../contract/executor.js';
import { absoluteFrom, expandGlob, normalize, readConfigText } from './config-files.js';

/** One `server { }` block. */
export interface NginxServer {
  file: string;
  serverNames: string[];
  /** Every `root` in the block (the server's and its locations'), absolute. */
  roots: string[];
  /** The block's own `error_log` (absolute), or null when it inherits. */
  errorLog: string | null;
  /** `unix:/run/php/php8.2-fpm.sock` or `127.0.0.1:9000`, when PHP is passed to FastCGI. */
  fastcgiPass: string | null;
  /** The first word of each `listen` (`80`, `127.0.0.1:8080`, `[::]:443`). */
  listen: string[];
}

export interface NginxConfig {
  prefix: string;
  files: string[];
  /** The main or `http` level `error_log`: nginx's compiled-in default when none is set. */
  errorLog: string | null;
  user: string | null;
  servers: NginxServer[];
}

export const NGINX_ROOTS: readonly string[] = ['/etc/nginx'];
/** Debian's nginx writes here when no `error_log` is set. */
const DEFAULT_ERROR_LOG = '/var/log/nginx/error.log';
const MAX_FILES = 400;

/** `{`, `}`, `;` and words (quotes removed), comments dropped. @internal */
export function nginxTokens(text: string): string[] {
  const out: string[] = [];
  const re = /#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|([^\s{};"'#]+(?:#[^\s{};]*)?)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].startsWith('#')) continue;
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
  }
  return out;
}

interface Frame {
  block: string;
  server: NginxServer | null;
}

/** Read nginx's configuration under `root` (the folder with `nginx.conf`); null when absent. */
export async function readNginxConfig(exec: Executor, root: string): Promise<NginxConfig | null> {
  const prefix = normalize(root);
  const main = `${prefix}/nginx.conf`;
  const mainText = await readConfigText(exec, main);
  if (mainText === null) return null;
  const config: NginxConfig = { prefix, files: [], errorLog: null, user: null, servers: [] };
  const stack: Frame[] = [{ block: 'main', server: null }];

  const readFile = async (file: string, text: string): Promise<void> => {
    if (config.files.length >= MAX_FILES || config.files.includes(file)) return;
    config.files.push(file);
    let words: string[] = [];
    for (const tok of nginxTokens(text)) {
      if (tok === '{') {
        const block = words[0] ?? '';
        const server: NginxServer | null =
          block === 'server' && stack.some((f) => f.block === 'http') ? { file, serverNames: [], roots: [], errorLog: null, fastcgiPass: null, listen: [] } : (stack[stack.length - 1]!.server ?? null);
        if (block === 'server' && server) config.servers.push(server);
        stack.push({ block, server });
        words = [];
      } else if (tok === '}') {
        if (stack.length > 1) stack.pop();
        words = [];
      } else if (tok === ';') {
        await directive(words, file);
        words = [];
      } else words.push(tok);
    }
  };

  const directive = async (words: string[], file: string): Promise<void> => {
    const [name, first] = words;
    if (!name) return;
    const frame = stack[stack.length - 1]!;
    const server = frame.server;
    switch (name) {
      case 'include':
        if (first) {
          for (const f of await expandGlob(exec, absoluteFrom(prefix, first))) {
            const t = await readConfigText(exec, f);
            if (t !== null) await readFile(f, t);
          }
        }
        return;
      case 'error_log':
        if (!first || first.startsWith('syslog:') || first === 'stderr' || first === '/dev/null') return;
        if (server) server.errorLog ??= absoluteFrom(prefix, first);
        else if (frame.block === 'main' || frame.block === 'http') config.errorLog = absoluteFrom(prefix, first);
        return;
      case 'root':
        if (server && first) server.roots.push(normalize(first));
        return;
      case 'server_name':
        if (server) server.serverNames.push(...words.slice(1));
        return;
      case 'listen':
        if (server && first && frame.server === server && frame.block === 'server') server.listen.push(first);
        return;
      case 'fastcgi_pass':
        if (server && first) server.fastcgiPass ??= first;
        return;
      case 'user':
        if (frame.block === 'main' && first) config.user = first;
        return;
      default:
        void file;
    }
  };

  await readFile(main, mainText);
  config.errorLog ??= DEFAULT_ERROR_LOG;
  return config;
}
