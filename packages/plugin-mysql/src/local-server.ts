/**
 * Which MySQL/MariaDB server on the target an app's database settings
 * point at, so an app plugin (WordPress, Laravel) can name it when its
 * database fails: `healer diagnose <dataDir>` then looks at the server
 * itself. Read from the server's option files (`/etc/my.cnf`,
 * `/etc/mysql/my.cnf` and their includes): the data directory, port and
 * socket of the server they describe. Only a local endpoint is matched,
 * and only to a server whose port (TCP) or socket (`localhost`, a socket
 * path) is the one the app uses: a wrong pointer is worse than none.
 */
import { posix } from 'node:path';
import type { HealerFs } from '@healer/core';
import { DEFAULT_OPTION_FILES, readOptionFiles, serverOption } from './option-files.js';

/** How an app reaches its database: a host, an optional port, an optional socket path. */
export interface DatabaseEndpoint {
  host: string;
  port: number | null;
  socket: string | null;
}

/** The local server an endpoint reaches: its data directory (a target of this plugin), port and socket. */
export interface LocalServer {
  dataDir: string;
  port: number;
  socket: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '']);
const DEFAULT_PORT = 3306;
const DEFAULT_SOCKET = '/run/mysqld/mysqld.sock';

/** The same socket path, `/var/run` being `/run`'s old name. */
const sameSocket = (a: string, b: string): boolean => posix.normalize(a).replace(/^\/var\/run\//, '/run/') === posix.normalize(b).replace(/^\/var\/run\//, '/run/');

/**
 * The server on this target an endpoint reaches, from the option files; null for a remote host, a
 * target without option files or data directory, or a port or socket no local server uses.
 * `localhost` without a socket is the client's default socket, which is the server's own here.
 */
export async function localServerOf(fs: Pick<HealerFs, 'readText' | 'list' | 'exists'>, endpoint: DatabaseEndpoint, optionFiles: readonly string[] = DEFAULT_OPTION_FILES): Promise<LocalServer | null> {
  if (!LOOPBACK.has(endpoint.host) && endpoint.socket === null) return null;
  const files = await readOptionFiles(fs, optionFiles);
  if (files.files.length === 0) return null;
  const dataDir = posix.normalize(serverOption(files.sections, 'datadir') ?? '/var/lib/mysql').replace(/(.)\/$/, '$1');
  const port = Number(serverOption(files.sections, 'port') ?? DEFAULT_PORT);
  const socket = serverOption(files.sections, 'socket') ?? DEFAULT_SOCKET;
  const viaSocket = endpoint.socket !== null || endpoint.host === 'localhost' || endpoint.host === '';
  const matches = viaSocket ? endpoint.socket === null || sameSocket(endpoint.socket, socket) : (endpoint.port ?? DEFAULT_PORT) === port;
  if (!matches || !(await fs.exists(posix.join(dataDir, 'mysql')))) return null;
  return { dataDir, port, socket };
}
