/**
 * Options of the SSH transport.
 */

/** How an unknown host key is treated. A changed key is always refused. */
export type HostKeyPolicy = 'strict' | 'accept-new';

export interface SshExecutorOptions {
  /** Host name or address. */
  host: string;
  /** Default 22. */
  port?: number;
  /** Login user. */
  user: string;
  /** Path of a private key file (OpenSSH or PEM). */
  identityFile?: string;
  /** A private key given directly (takes precedence over `identityFile`). */
  privateKey?: string | Uint8Array;
  /** Passphrase of the private key. Never logged. */
  passphrase?: string;
  /**
   * Password of `user`, for servers that take no key. Never logged, never in
   * an error message. Sent once per connection, after the host key was
   * verified: with the `password` method when the server lists it, otherwise
   * as the answer to the password prompt of `keyboard-interactive` (sshd with
   * PAM); other keyboard-interactive prompts (a one-time code) get an empty
   * answer.
   *
   * Not exclusive with a key or an agent: they are tried first, the password
   * last, so a key wins whenever the server takes it. A wrong password fails
   * with `AUTH_FAILED`, before any command runs.
   */
  password?: string;
  /**
   * ssh-agent socket. Default `process.env.SSH_AUTH_SOCK` when neither a key
   * nor a password is given (a password never falls back to the process's
   * own agent).
   */
  agent?: string;
  /** OpenSSH known_hosts file checked for the host key. Default `~/.ssh/known_hosts`. */
  knownHostsFile?: string;
  /** Pin the host key: `SHA256:<base64>` as `ssh-keygen -lf` prints it. Checked instead of known_hosts. */
  fingerprint?: string;
  /** `strict` (default): an unknown key is refused (`HOST_KEY_UNKNOWN`). `accept-new`: recorded in `knownHostsFile`, then trusted. */
  hostKeyPolicy?: HostKeyPolicy;
  /** Run commands asked with `{ sudo: true }` through `sudo -n`. Default false. */
  sudo?: boolean;
  /**
   * Run file operations (read, write, stat, list, mkdir, remove, rename,
   * chmod) through `sudo -n` too. Needs `sudo: true`. Default false: file
   * operations run as `user`. Under sudo a new file belongs to root; an
   * existing file keeps its owner and mode.
   */
  sudoFiles?: boolean;
  /** Persistent remote shells per connection. Default 4; kept under the server's MaxSessions. */
  maxShells?: number;
  /** Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Keepalive probe interval. Default 15 000 ms. */
  keepaliveIntervalMs?: number;
  /** Close the connection after this long without a command. Default 300 000 ms. */
  idleTimeoutMs?: number;
  /** Reconnect attempts after a drop, with exponential backoff from 250 ms. Default 4. */
  reconnectAttempts?: number;
  /** Default per-command timeout. Default 60 000 ms. */
  defaultTimeoutMs?: number;
  /** Default output cap per stream. Default 4 MiB. */
  defaultMaxOutputBytes?: number;
  /** Skip persistent shells and open one exec channel per command. */
  forceExecChannels?: boolean;
}

/** What the transport is doing, for a run's details. */
export interface TransportInfo {
  kind: 'local' | 'ssh';
  host: string;
  /** `persistent-shell`, or `exec-channel` when a shell could not be had. */
  mode: 'process' | 'persistent-shell' | 'exec-channel';
  /** Why the transport fell back, when it did. */
  notes: string[];
}
