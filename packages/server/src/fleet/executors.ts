/**
 * One long-lived SSH executor per server row, made from what the database
 * holds: address, user, the sealed key (opened only here, in memory) and the
 * pinned host-key fingerprint. A server whose row changed (new key, new
 * fingerprint) gets a new executor; the old one is closed.
 */
import { HealerError, SshExecutor, type Executor, type SshExecutorOptions } from '@healer/core';
import type { Logger } from 'pino';
import { ServerEntity, type Server } from '../db/entities.js';
import type { Orm } from '../db/orm.js';
import type { SecretBox } from '../secrets.js';

/** The host name core gives a server's executor (`SshExecutor.host`): `ssh://user@host:port`. */
export function hostOf(server: Pick<Server, 'user' | 'host' | 'port'>): string {
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  return `ssh://${server.user}@${host}:${server.port}`;
}

/** The address parts of a {@link hostOf} name, or null for any other name. */
export function parseHost(name: string): { user: string; host: string; port: number } | null {
  const m = /^ssh:\/\/([^@/]+)@(\[[^\]]+\]|[^:/]+):(\d{1,5})$/.exec(name);
  if (!m) return null;
  return { user: m[1]!, host: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3]) };
}

interface SealedAuth {
  password?: string;
  privateKey?: string;
  passphrase?: string | null;
}

export interface ExecutorPoolOptions {
  orm: Orm;
  secrets: SecretBox;
  logger: Logger;
  /** Options every executor gets (timeouts...). Never credentials. */
  ssh?: Partial<Pick<SshExecutorOptions, 'connectTimeoutMs' | 'defaultTimeoutMs' | 'idleTimeoutMs' | 'maxShells'>>;
}

export class ExecutorPool {
  readonly #options: ExecutorPoolOptions;
  readonly #byServer = new Map<string, { version: number; executor: Executor }>();

  constructor(options: ExecutorPoolOptions) {
    this.#options = options;
  }

  /** The executor of a core host name, for `createHealer({ executorFor })`; undefined for a host no server row names. */
  async forHost(name: string): Promise<Executor | undefined> {
    const address = parseHost(name);
    if (!address) return undefined;
    const server = await this.#options.orm.em.fork().findOne(ServerEntity, address);
    return server ? this.forServer(server) : undefined;
  }

  forServer(server: Server): Executor {
    const version = server.updatedAt.getTime();
    const known = this.#byServer.get(server.id);
    if (known && known.version === version) return known.executor;
    if (known) void known.executor.close().catch(() => undefined);
    const executor = new SshExecutor(this.#sshOptions(server));
    this.#byServer.set(server.id, { version, executor });
    return executor;
  }

  #sshOptions(server: Server): SshExecutorOptions {
    const options: SshExecutorOptions = {
      host: server.host,
      port: server.port,
      user: server.user,
      // Strict: a pinned fingerprint, else the worker's known_hosts. An unknown or changed key is refused.
      hostKeyPolicy: 'strict',
      ...(server.hostKeyFingerprint ? { fingerprint: server.hostKeyFingerprint } : {}),
      ...this.#options.ssh,
    };
    if (server.authKind === 'agent') return options;
    if (!server.secret) throw new HealerError('HOST_UNKNOWN', `Server ${server.name} has no credentials stored.`);
    const auth = JSON.parse(this.#options.secrets.decrypt(server.secret)) as SealedAuth;
    if (auth.privateKey) return { ...options, privateKey: auth.privateKey, ...(auth.passphrase ? { passphrase: auth.passphrase } : {}) };
    if (auth.password) return { ...options, password: auth.password };
    throw new HealerError('HOST_UNKNOWN', `Server ${server.name} has no usable credentials stored.`);
  }

  async close(): Promise<void> {
    const all = [...this.#byServer.values()];
    this.#byServer.clear();
    await Promise.all(all.map((e) => e.executor.close().catch(() => undefined)));
  }
}
