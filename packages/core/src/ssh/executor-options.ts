/**
 * The SSH executor's options, checked (every problem reported at once) and
 * completed with their defaults.
 * @internal
 */
import { HealerError } from '../errors.js';
import type { SshExecutorOptions } from './options.js';

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_OUTPUT = 4 * 1024 * 1024;

/** Options with every default applied. */
export type Resolved = Required<Omit<SshExecutorOptions, 'identityFile' | 'privateKey' | 'passphrase' | 'password' | 'agent' | 'knownHostsFile' | 'fingerprint'>> &
  Pick<SshExecutorOptions, 'identityFile' | 'privateKey' | 'passphrase' | 'password' | 'agent' | 'knownHostsFile' | 'fingerprint'>;

/** Check `options` and apply the defaults; `CONFIG_INVALID` listing every problem. */
export function resolveOptions(options: SshExecutorOptions): Resolved {
  const problems: string[] = [];
  if (typeof options.host !== 'string' || options.host === '' || /[\s@/]/.test(options.host)) problems.push('host must be a host name or address');
  if (typeof options.user !== 'string' || options.user === '' || /[\s@:]/.test(options.user)) problems.push('user must be a login name');
  const port = options.port ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push('port must be an integer from 1 to 65535');
  const maxShells = options.maxShells ?? 4;
  if (!Number.isInteger(maxShells) || maxShells < 1) problems.push('maxShells must be an integer of at least 1');
  for (const key of ['connectTimeoutMs', 'keepaliveIntervalMs', 'idleTimeoutMs', 'defaultTimeoutMs', 'defaultMaxOutputBytes'] as const) {
    const v = options[key];
    if (v !== undefined && (!Number.isFinite(v) || v <= 0)) problems.push(`${key} must be a positive number`);
  }
  const reconnectAttempts = options.reconnectAttempts ?? 4;
  if (!Number.isInteger(reconnectAttempts) || reconnectAttempts < 0) problems.push('reconnectAttempts must be a non-negative integer');
  if (options.hostKeyPolicy !== undefined && options.hostKeyPolicy !== 'strict' && options.hostKeyPolicy !== 'accept-new') {
    problems.push("hostKeyPolicy must be 'strict' or 'accept-new'");
  }
  if (options.sudoFiles === true && options.sudo !== true) problems.push('sudoFiles needs sudo: true');
  if (options.password !== undefined && (typeof options.password !== 'string' || options.password === '')) problems.push('password must be a non-empty string');
  if (problems.length > 0) throw new HealerError('CONFIG_INVALID', `Invalid SSH executor options: ${problems.join('; ')}.`, { details: { problems } });
  return {
    ...options,
    port,
    hostKeyPolicy: options.hostKeyPolicy ?? 'strict',
    sudo: options.sudo ?? false,
    sudoFiles: options.sudoFiles ?? false,
    maxShells,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    keepaliveIntervalMs: options.keepaliveIntervalMs ?? 15_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
    reconnectAttempts,
    defaultTimeoutMs: options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    defaultMaxOutputBytes: options.defaultMaxOutputBytes ?? DEFAULT_MAX_OUTPUT,
    forceExecChannels: options.forceExecChannels ?? false,
  };
}
