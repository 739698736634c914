/**
 * What the API and the workers share to act on hosts: a core healer made
 * per call from the database (enabled plugins and their configuration, each
 * app's settings), the PostgreSQL state store whose timeline writes are
 * published on Redis, and the pool of SSH executors.
 */
import { createHealer, type AppOptions, type Executor, type Healer, type Logger as CoreLogger, type PluginDefinition, type TimelineEvent, type Fence, type Execution } from '@healer/core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ApplicationEntity, PluginSettingEntity, ServerEntity, type Application } from '../db/entities.js';
import type { Orm } from '../db/orm.js';
import type { SecretBox } from '../secrets.js';
import { PostgresStateStore } from '../state/postgres-store.js';
import { ExecutorPool, hostOf, parseHost, type ExecutorPoolOptions } from './executors.js';

/** The Redis channel a worker publishes an execution's timeline events on. */
export function eventChannel(prefix: string, executionId: string): string {
  return `${prefix}:events:${executionId}`;
}

/** The state store, publishing each timeline event once it is committed (subscribers re-read PostgreSQL for anything missed). */
export class PublishingStore extends PostgresStateStore {
  readonly #publish: (executionId: string, event: TimelineEvent) => void;

  constructor(orm: Orm, publish: (executionId: string, event: TimelineEvent) => void) {
    super({ orm });
    this.#publish = publish;
  }

  override async appendEvent(executionId: string, event: TimelineEvent, fence?: Fence): Promise<void> {
    await super.appendEvent(executionId, event, fence);
    this.#publish(executionId, event);
  }

  override async createExecution(execution: Execution): Promise<void> {
    await super.createExecution(execution);
    for (const event of execution.timeline) this.#publish(execution.executionId, event);
  }
}

export interface FleetOptions {
  orm: Orm;
  redis: Redis;
  secrets: SecretBox;
  logger: Logger;
  /** The stack plugins this server loads; the PluginSetting rows switch and configure them. */
  plugins: readonly PluginDefinition[];
  /** Prefix of Redis keys and channels. Default `healer`. */
  prefix?: string;
  ssh?: ExecutorPoolOptions['ssh'];
  /** Lease of a run's locks, in ms (core default 2 min). */
  lockTtlMs?: number;
  /** Where backups go on each host; default beside each app (core's default). */
  backupRoot?: string;
}

/** An application row with its server, as the target core works on. */
export function targetOf(app: Application): { host: string; path: string } {
  return { host: hostOf(app.server), path: app.path };
}

/** The promise kept under `key`, made once; a failed one is forgotten so that the next call tries again. */
function memo<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let found = cache.get(key);
  if (!found) {
    found = make();
    cache.set(key, found);
    found.catch(() => cache.delete(key));
  }
  return found;
}

function coreLogger(logger: Logger): CoreLogger {
  return {
    debug: (m, d) => logger.debug(d ?? {}, m),
    info: (m, d) => logger.info(d ?? {}, m),
    warn: (m, d) => logger.warn(d ?? {}, m),
    error: (m, d) => logger.error(d ?? {}, m),
  };
}

export class Fleet {
  readonly pool: ExecutorPool;
  readonly store: PublishingStore;
  readonly prefix: string;
  readonly #options: FleetOptions;

  constructor(options: FleetOptions) {
    this.#options = options;
    this.prefix = options.prefix ?? 'healer';
    this.pool = new ExecutorPool({ orm: options.orm, secrets: options.secrets, logger: options.logger, ...(options.ssh ? { ssh: options.ssh } : {}) });
    this.store = new PublishingStore(options.orm, (executionId, event) => {
      options.redis.publish(eventChannel(this.prefix, executionId), JSON.stringify(event)).catch((err: unknown) => {
        options.logger.warn({ executionId, code: (err as { code?: string }).code }, 'could not publish a timeline event (subscribers re-read it from PostgreSQL)');
      });
    });
  }

  /**
   * A healer for one piece of work: the plugins enabled now, with their
   * configuration now. It reaches hosts through the pool (never this
   * machine: a target always names its server) and reads each app's
   * settings and mode from its row.
   */
  async healer(): Promise<Healer> {
    const em = this.#options.orm.em.fork();
    const settings = new Map((await em.find(PluginSettingEntity, {})).map((s) => [s.name, s]));
    const plugins = this.#options.plugins.flatMap((plugin) => {
      const row = settings.get(plugin.name);
      const config = row?.config ?? {};
      // A plugin whose configuration is missing or invalid (PATCH /plugins validates what is stored) is left out, not fatal to the others.
      if (plugin.configSchema && !plugin.configSchema.safeParse(config).success) {
        this.#options.logger.warn({ plugin: plugin.name }, 'plugin left out: its configuration is missing or invalid');
        return [];
      }
      return [{ plugin, config, enabled: row?.enabled ?? true }];
    });
    const orm = this.#options.orm;
    // Core asks for a host's executor and an app's settings at several steps of one run: one read each per healer (one job).
    const executors = new Map<string, Promise<Executor | undefined>>();
    const appSettings = new Map<string, Promise<AppOptions | undefined>>();
    const readSettings = async (host: string, root: string): Promise<AppOptions | undefined> => {
      const address = parseHost(host);
      if (!address) return undefined;
      const app = await orm.em.fork().findOne(ApplicationEntity, { path: root, server: address });
      // Every setting (core checks the ones it knows: url, port, markers...; plugins read their own, phpUser...), and the app's mode.
      return app ? { ...app.settings, mode: app.mode } : undefined;
    };
    return createHealer({
      plugins,
      state: this.store,
      executorFor: (host) => memo(executors, host, () => this.pool.forHost(host)),
      settingsFor: ({ host, root }) => memo(appSettings, `${host}\0${root}`, () => readSettings(host, root)),
      logger: coreLogger(this.#options.logger),
      ...(this.#options.lockTtlMs ? { lockTtlMs: this.#options.lockTtlMs } : {}),
      ...(this.#options.backupRoot ? { backupRoot: this.#options.backupRoot } : {}),
    });
  }

  /** Ids of the checks some loaded action says it fixes (`action.fixes`). */
  fixableChecks(): Set<string> {
    return new Set(this.#options.plugins.flatMap((p) => p.actions.flatMap((a) => a.fixes)));
  }

  /** The application with its server, or null. */
  async application(id: string): Promise<Application | null> {
    return this.#options.orm.em.fork().findOne(ApplicationEntity, { id }, { populate: ['server'] });
  }

  async server(id: string) {
    return this.#options.orm.em.fork().findOne(ServerEntity, { id });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
