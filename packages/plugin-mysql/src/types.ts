/**
 * What detection records about a server (`ctx.app.metadata`): plain data,
 * kept in journals, never a secret.
 */

/** `mariadb` or `mysql`; null when the binary could not be asked. */
export type ServerFlavor = 'mariadb' | 'mysql';

export interface MysqlMetadata {
  /** The data directory (the app root). */
  dataDir: string;
  flavor: ServerFlavor | null;
  /** The server binary's version (`mariadbd --version`), e.g. `10.11.19`. */
  version: string | null;
  /** The server binary (`/usr/sbin/mariadbd`), null when not found. */
  binary: string | null;
  /** The option files read, in order. */
  optionFiles: string[];
  /** The server's socket, from its option files or command line. */
  socket: string | null;
  /** The server's TCP port (3306 when nothing says otherwise). */
  port: number;
  /** `bind-address`, when set. */
  bindAddress: string | null;
  /** `log-error`, absolute, when set. */
  errorLog: string | null;
  /** The running server's pid, null when it is not running. */
  pid: number | null;
  /** The name of the `servers` entry in the plugin's configuration, when one matched. */
  serverName: string | null;
}
