/**
 * Coded errors for what goes wrong while connecting or opening a channel:
 * `AUTH_FAILED`, `CONNECTION_FAILED` (with the reason in words),
 * `CONFIG_INVALID`. Never a credential in a message.
 * @internal
 */
import { HealerError, isHealerError } from '../errors.js';

/** Turn an ssh2 / socket error during connection into a coded error. Never includes credentials. */
export function connectError(err: unknown, context: { label: string; timeoutMs: number; tried: string }): HealerError {
  if (isHealerError(err)) return err;
  const e = err as Error & { level?: string; code?: string };
  const { label } = context;
  if (e.level === 'client-authentication') {
    return new HealerError('AUTH_FAILED', `SSH authentication refused for ${label} (tried: ${context.tried}).`, { cause: e });
  }
  return new HealerError('CONNECTION_FAILED', `Cannot connect to ${label}: ${connectReason(e, context.timeoutMs)}.`, {
    cause: e,
    details: { code: e.code, level: e.level },
  });
}

function connectReason(e: Error & { level?: string; code?: string }, timeoutMs: number): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'the connection was refused (nothing listens on that port, or a firewall rejects it)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return 'the host name could not be resolved';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return 'the host is unreachable';
    case 'ETIMEDOUT':
      return 'the TCP connection timed out';
    case 'ECONNRESET':
      return 'the server reset the connection during the handshake';
    default:
  }
  if (e.level === 'client-timeout') return `no SSH session within ${timeoutMs} ms (connection, handshake and login did not finish)`;
  if (/before handshake/i.test(e.message)) return 'the server closed the connection before the SSH handshake';
  if (/handshake failed/i.test(e.message)) return `the SSH handshake failed (${e.message})`;
  return e.message;
}

export function describeDrop(err: Error & { code?: string; level?: string }): string {
  if (err.level === 'client-timeout') return 'the server stopped answering keepalives';
  if (err.code === 'ECONNRESET') return 'the connection was reset';
  return err.message;
}

export function keyError(err: Error, keyName: string, hadPassphrase: boolean, label: string): HealerError {
  if (/no passphrase given/i.test(err.message)) {
    return new HealerError('AUTH_FAILED', `Cannot log in to ${label}: ${keyName} is encrypted and no passphrase was given.`);
  }
  if (hadPassphrase && /passphrase|decrypt/i.test(err.message)) {
    return new HealerError('AUTH_FAILED', `Cannot log in to ${label}: the passphrase of ${keyName} is wrong.`);
  }
  return new HealerError('CONFIG_INVALID', `Cannot use ${keyName} to log in to ${label}: ${err.message}.`);
}

/** Why a channel could not be opened; `prohibited` when the server refuses more sessions on this connection. */
export class ChannelOpenError extends HealerError {
  readonly prohibited: boolean;
  constructor(message: string, prohibited: boolean, cause: unknown) {
    super('CONNECTION_FAILED', message, { cause });
    this.prohibited = prohibited;
  }
}

export function channelError(err: Error & { reason?: unknown }, label: string): ChannelOpenError {
  const prohibited = /open failed|administratively prohibited|channel open failure/i.test(err.message) || err.reason === 1;
  return new ChannelOpenError(`Cannot open an SSH session channel on ${label}: ${err.message}`, prohibited, err);
}

