/**
 * One SSH connection per host: connect with strict host-key checking, key,
 * agent or password authentication, keepalive, an idle timeout, and
 * reconnection with exponential backoff after a drop. Failures become coded
 * errors: `AUTH_FAILED`, `CONNECTION_FAILED`, `HOST_KEY_*`.
 * @internal
 */
import { promises as fsp } from 'node:fs';
import ssh2, { type ClientChannel, type ConnectConfig, type ServerHostKeyAlgorithm } from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader only exposes its default export.
const { Client, utils } = ssh2;
type Client = InstanceType<typeof Client>;
import { HealerError, isHealerError } from '../errors.js';
import { createAuthHandler, type AuthStep, type AuthTrace } from './auth-handler.js';
import { channelError, connectError, describeDrop, keyError } from './connect-errors.js';
import { createHostVerifier, knownHostKeyTypes } from './known-hosts.js';
import type { HostKeyPolicy } from './options.js';

/** Settings of a {@link SshConnection} (the executor's options with defaults applied). */
export interface ConnectionSettings {
  host: string;
  port: number;
  user: string;
  identityFile?: string | undefined;
  privateKey?: string | Uint8Array | undefined;
  passphrase?: string | undefined;
  password?: string | undefined;
  agent?: string | undefined;
  knownHostsFile?: string | undefined;
  fingerprint?: string | undefined;
  hostKeyPolicy: HostKeyPolicy;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  idleTimeoutMs: number;
  reconnectAttempts: number;
}

/** First delay between reconnection attempts; doubled after each failure. */
export const RECONNECT_BASE_DELAY_MS = 250;
const KEEPALIVE_COUNT_MAX = 3;
const CLOSE_WAIT_MS = 2_000;

/** ssh2's own host-key algorithm preference, reordered to put the types known_hosts records first. */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;

/** A live connection and its generation (bumped at every (re)connection). */
export interface Connected {
  client: Client;
  generation: number;
}

interface Credentials {
  privateKey?: Buffer | string;
  passphrase?: string;
  agent?: string;
  password?: string;
  methods: AuthStep[];
}

export class SshConnection {
  readonly #settings: ConnectionSettings;
  /** `user@host:port`, for messages. */
  readonly label: string;
  #current: Connected | null = null;
  #connecting: Promise<Connected> | null = null;
  #generation = 0;
  #everConnected = false;
  #closed = false;
  #active = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #credentials: Credentials | null = null;
  readonly #lostListeners = new Set<(error: HealerError, generation: number) => void>();

  constructor(settings: ConnectionSettings) {
    this.#settings = settings;
    const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
    this.label = `${settings.user}@${host}:${settings.port}`;
  }

  /** The live connection, if any (never connects). */
  get current(): Connected | null {
    return this.#current;
  }

  /** Called when a live connection goes away (dropped, idle-closed or closed). */
  onLost(listener: (error: HealerError, generation: number) => void): void {
    this.#lostListeners.add(listener);
  }

  /**
   * The live connection, connecting first if needed. After a drop, the
   * reconnection is tried `1 + reconnectAttempts` times with exponential
   * backoff from {@link RECONNECT_BASE_DELAY_MS}; the very first connection
   * is tried once, so a wrong host or key fails fast.
   */
  async acquire(): Promise<Connected> {
    if (this.#closed) throw new HealerError('CONNECTION_FAILED', `The SSH connection to ${this.label} was closed.`);
    if (this.#current !== null) return this.#current;
    this.#connecting ??= this.#connectWithRetry().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  /** Mark the start of a use; the returned function marks its end. No use for `idleTimeoutMs` closes the connection. */
  use(): () => void {
    this.#active++;
    clearTimeout(this.#idleTimer);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#active--;
      if (this.#active === 0) this.#armIdleTimer();
    };
  }

  /** Open an exec channel (`command` is run by the login shell). */
  exec(client: Client, command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      try {
        client.exec(command, (err, channel) => (err ? reject(channelError(err, this.label)) : resolve(channel)));
      } catch (e) {
        reject(channelError(e as Error, this.label));
      }
    });
  }

  /** End the connection; later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    await this.#connecting?.catch(() => undefined);
    const current = this.#current;
    if (current !== null) await endClient(current.client);
  }

  async #connectWithRetry(): Promise<Connected> {
    const attempts = this.#everConnected ? 1 + this.#settings.reconnectAttempts : 1;
    let delay = RECONNECT_BASE_DELAY_MS;
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw new HealerError('CONNECTION_FAILED', `The SSH connection to ${this.label} was closed.`);
      try {
        const client = await this.#connectOnce();
        if (this.#closed) {
          await endClient(client);
          throw new HealerError('CONNECTION_FAILED', `The SSH connection to ${this.label} was closed.`);
        }
        const connected = { client, generation: ++this.#generation };
        this.#current = connected;
        this.#everConnected = true;
        this.#watch(connected);
        if (this.#active === 0) this.#armIdleTimer();
        return connected;
      } catch (e) {
        if (!isHealerError(e, 'CONNECTION_FAILED') || attempt >= attempts || this.#closed) throw e;
        await sleep(delay);
        delay *= 2;
      }
    }
  }

  #watch(connected: Connected): void {
    let lastError: Error | undefined;
    connected.client.on('error', (err: Error) => {
      lastError = err;
    });
    connected.client.once('close', () => {
      if (this.#current === connected) this.#current = null;
      const reason = this.#closed ? 'the executor was closed' : lastError ? describeDrop(lastError) : 'the server closed it';
      const error = new HealerError('CONNECTION_FAILED', `The SSH connection to ${this.label} was lost: ${reason}.`, {
        cause: lastError,
        details: { lost: true, reason },
      });
      for (const listener of this.#lostListeners) listener(error, connected.generation);
    });
  }

  #armIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    if (this.#current === null) return;
    this.#idleTimer = setTimeout(() => {
      const current = this.#current;
      if (this.#active === 0 && current !== null) void endClient(current.client);
    }, this.#settings.idleTimeoutMs);
    this.#idleTimer.unref();
  }

  async #connectOnce(): Promise<Client> {
    const s = this.#settings;
    const credentials = await this.#loadCredentials();
    const preferred = s.fingerprint === undefined ? await knownHostKeyTypes(s).catch(() => [] as string[]) : [];
    let hostKeyError: unknown;
    const hostVerifier = createHostVerifier(
      { host: s.host, port: s.port, knownHostsFile: s.knownHostsFile, fingerprint: s.fingerprint, policy: s.hostKeyPolicy },
      (outcome) => {
        if (!outcome.ok) hostKeyError = outcome.error;
      },
    );
    const trace: AuthTrace = { offered: [], sent: [], passwordWithheld: false };
    const config: ConnectConfig = {
      host: s.host,
      port: s.port,
      username: s.user,
      readyTimeout: s.connectTimeoutMs,
      keepaliveInterval: s.keepaliveIntervalMs,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      hostVerifier,
      authHandler: createAuthHandler(s.user, credentials.methods, credentials.password, trace),
      algorithms: { serverHostKey: hostKeyOrder(preferred) },
    };
    if (credentials.privateKey !== undefined) config.privateKey = credentials.privateKey;
    if (credentials.passphrase !== undefined) config.passphrase = credentials.passphrase;
    if (credentials.agent !== undefined) config.agent = credentials.agent;

    return new Promise<Client>((resolve, reject) => {
      const client = new Client();
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        client.destroy();
        reject(
          hostKeyError !== undefined
            ? hostKeyError
            : connectError(err, { label: this.label, timeoutMs: s.connectTimeoutMs, tried: describeTried(credentials.methods, trace) }),
        );
      };
      client.once('ready', () => {
        if (settled) return;
        settled = true;
        resolve(client);
      });
      client.on('error', fail);
      client.once('close', () => fail(new Error('Connection closed before the session was ready')));
      try {
        client.connect(config);
        // Commands are small request/answer exchanges: Nagle's algorithm against delayed ACKs
        // costs ~40 ms per exchange (the handshake took 80 ms instead of 36 on loopback).
        client.setNoDelay(true);
      } catch (e) {
        fail(e);
      }
    });
  }

  async #loadCredentials(): Promise<Credentials> {
    if (this.#credentials !== null) return this.#credentials;
    const s = this.#settings;
    const methods: Credentials['methods'] = [];
    const credentials: Credentials = { methods };
    let key: Buffer | string | undefined;
    let keyName = 'the given private key';
    if (s.privateKey !== undefined) {
      key = typeof s.privateKey === 'string' ? s.privateKey : Buffer.from(s.privateKey);
    } else if (s.identityFile !== undefined) {
      keyName = `the identity file ${s.identityFile}`;
      try {
        key = await fsp.readFile(s.identityFile);
      } catch (e) {
        throw new HealerError('CONFIG_INVALID', `Cannot read ${keyName}: ${(e as Error).message}.`, { cause: e });
      }
    }
    if (key !== undefined) {
      const parsed = utils.parseKey(key, s.passphrase);
      if (parsed instanceof Error) throw keyError(parsed, keyName, s.passphrase !== undefined, this.label);
      credentials.privateKey = key;
      if (s.passphrase !== undefined) credentials.passphrase = s.passphrase;
      methods.push('publickey');
    }
    // The process's own agent only stands in when nothing else was given: a server set up for a password
    // must not log in with whatever identity the healer's environment happens to hold.
    const agent = s.agent ?? (key === undefined && s.password === undefined ? process.env['SSH_AUTH_SOCK'] : undefined);
    if (agent !== undefined && agent !== '') {
      credentials.agent = agent;
      methods.push('agent');
    }
    if (s.password !== undefined) {
      credentials.password = s.password;
      methods.push('password');
    }
    if (methods.length === 0) {
      throw new HealerError(
        'AUTH_FAILED',
        `No credentials to log in to ${this.label}: give identityFile, privateKey or password, or run an ssh-agent (SSH_AUTH_SOCK).`,
      );
    }
    this.#credentials = credentials;
    return credentials;
  }
}

/** `tried: ...` of a refused login: what was sent, and why the password was not, when it was kept back. */
function describeTried(methods: AuthStep[], trace: AuthTrace): string {
  const names: Record<string, string> = {
    publickey: 'publickey',
    agent: 'publickey via ssh-agent',
    password: 'password',
    'keyboard-interactive': 'keyboard-interactive password',
  };
  // Before the server answered anything (a refused connection), say what would have been tried.
  const sent = trace.sent.length > 0 || trace.passwordWithheld ? trace.sent : methods;
  const tried = sent.length > 0 ? sent.map((m) => names[m] ?? m).join(', ') : 'nothing';
  if (!trace.passwordWithheld) return tried;
  const offered = trace.offered.filter((m) => m !== 'none');
  return `${tried}; the password was not sent: the server takes no password, only ${offered.join(', ') || 'nothing'}`;
}

function hostKeyOrder(preferredTypes: string[]): ServerHostKeyAlgorithm[] {
  const preferred = preferredTypes.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
  const known = preferred.filter((a) => (HOST_KEY_ALGORITHMS as readonly string[]).includes(a));
  return [...new Set([...known, ...HOST_KEY_ALGORITHMS])] as ServerHostKeyAlgorithm[];
}

function endClient(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, CLOSE_WAIT_MS);
    timer.unref();
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}

function sleep(ms: number): Promise<void> {
  // Not unref'd: a caller is waiting for this reconnection.
  return new Promise((resolve) => setTimeout(resolve, ms));
}
