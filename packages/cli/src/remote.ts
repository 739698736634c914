/**
 * `--host`: which machine the CLI works on. Nothing (this machine), an
 * `ssh://user@host:port` URL, or the name of a host in the configuration.
 */
import { posix } from 'node:path';
import { userInfo } from 'node:os';
import { LocalExecutor, SshExecutor, type Executor, type SshExecutorOptions } from '@healer/core';
import { usageError } from './cli-error.js';
import type { HealerConfig } from './config.js';

/** Flags that shape an `ssh://` target given on the command line. */
export interface HostFlags {
  host?: string;
  identity?: string;
  knownHosts?: string;
  fingerprint?: string;
  acceptNewHostKey?: boolean;
  sudo?: boolean;
}

/** Resolve `--host` to SSH options, or null for this machine. Throws a usage error for a bad value. */
export function sshOptionsFor(flags: HostFlags, config: HealerConfig, resolveLocal: (p: string) => string): SshExecutorOptions | null {
  const value = flags.host;
  if (value === undefined || value === 'local') return null;
  let options: SshExecutorOptions;
  if (value.startsWith('ssh://')) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw usageError(`--host ${JSON.stringify(value)} is not a valid ssh:// URL (expected ssh://user@host:port).`);
    }
    if (url.pathname && url.pathname !== '/' ) throw usageError(`--host takes no path (${url.pathname}); give the app path as the command's argument.`);
    if (url.password) throw usageError('--host must not carry a password: use a key or ssh-agent.');
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (!host) throw usageError(`--host ${JSON.stringify(value)} names no host.`);
    options = {
      host,
      port: url.port ? Number(url.port) : 22,
      user: decodeURIComponent(url.username) || userInfo().username,
    };
  } else {
    const named = config.hosts?.[value];
    if (!named) {
      const known = Object.keys(config.hosts ?? {});
      throw usageError(`--host ${JSON.stringify(value)} is neither an ssh:// URL nor a host in the configuration (${known.length ? `known: ${known.join(', ')}` : 'it defines no hosts'}).`);
    }
    options = { ...named };
  }
  if (flags.identity) options.identityFile = resolveLocal(flags.identity);
  if (flags.knownHosts) options.knownHostsFile = resolveLocal(flags.knownHosts);
  if (flags.fingerprint) options.fingerprint = flags.fingerprint;
  if (flags.acceptNewHostKey) options.hostKeyPolicy = 'accept-new';
  if (flags.sudo) options.sudo = true;
  return options;
}

export function createExecutor(ssh: SshExecutorOptions | null): Executor {
  return ssh ? new SshExecutor(ssh) : new LocalExecutor();
}

/** A path on the target: relative paths only make sense on this machine. */
export function resolveTargetPath(cwd: string, remote: boolean, path: string | undefined): string {
  if (path !== undefined && (path.includes('\0') || /[\r\n]/.test(path))) throw usageError('A path may not contain NUL or newline characters.');
  if (!remote) return posix.resolve(cwd, path ?? '.');
  if (path === undefined || !path.startsWith('/')) {
    throw usageError(`With --host, give the application's absolute path on that host${path === undefined ? '' : ` (got ${JSON.stringify(path)})`}.`);
  }
  return posix.normalize(path).replace(/(.)\/$/, '$1');
}
