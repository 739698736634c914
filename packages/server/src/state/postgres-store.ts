/**
 * Core's `StateStore` on PostgreSQL: the server's one source of truth,
 * shared by the API and every worker, on any number of hosts.
 *
 * - Executions: the header as JSON in `executions.record`, with the columns
 *   a listing filters and sorts by (`app_id`, `state`, `kind`, `started_at`).
 *   The journal is `timeline_events`, append-only (a trigger refuses UPDATE):
 *   one row per event, `seq` its position in the journal (the event itself is
 *   kept whole in `data`).
 * - Locks: one row per key that is never deleted, so the fencing token keeps
 *   increasing after a release (a released lock has no owner and no lease).
 *   Leases are judged by the database clock (`expires_at > now()`), never
 *   by this process's clock.
 * - Breakers: read-modify-write under `SELECT ... FOR UPDATE`.
 */
import { HealerError, checkBreakerKey, checkExecutionFilter, checkFence, decodeCursor, encodeCursor } from '@healer/core';
import type {
  BackupManifest,
  BreakerRecord,
  Execution,
  ExecutionFilter,
  ExecutionPage,
  ExecutionSummary,
  Fence,
  LockHandle,
  LockOwner,
  StateStore,
  TimelineEvent,
} from '@healer/core';
import type { Knex } from '@mikro-orm/postgresql';
import { openOrm, type Orm } from '../db/orm.js';
import { acquireLockRow, getLockRow, releaseLockRow, renewLockRow } from './postgres-locks.js';

export type PostgresStateStoreOptions =
  | {
      /** An ORM the server opened (and migrated): the store shares its pool, and `close()` leaves it open. */
      orm: Orm;
    }
  | {
      /** A query builder on a migrated database, such as a request's `em.getKnex()`: the store uses its pool, and `close()` leaves it open. */
      knex: Knex;
    }
  | {
      /** A migrated database: the store opens its own pool on first use, and `close()` closes it. */
      databaseUrl: string;
      /** Connection pool size. Default 10. */
      poolMax?: number;
    };

type Header = Omit<Execution, 'timeline'>;
type HeaderPatch = Partial<Omit<Execution, 'timeline' | 'executionId'>>;

interface ExecutionRow {
  record: Header;
  events: number;
}

/**
 * A {@link StateStore} in the server's PostgreSQL database (migrations
 * applied: `healer-server migrate`).
 *
 * @example
 * const store = new PostgresStateStore({ orm: runtime.orm });
 * const lock = await store.acquireLock('app:web-1:/srv/app', { pid: process.pid, hostname: os.hostname() }, 60_000);
 */
export class PostgresStateStore implements StateStore {
  readonly #getKnex: () => Promise<Knex>;
  readonly #owned: boolean;
  #opened: Promise<Orm> | undefined;

  constructor(options: PostgresStateStoreOptions) {
    if ('orm' in options) {
      const { orm } = options;
      this.#owned = false;
      this.#getKnex = async () => orm.em.getKnex();
    } else if ('knex' in options) {
      const { knex } = options;
      this.#owned = false;
      this.#getKnex = async () => knex;
    } else {
      this.#owned = true;
      this.#getKnex = async () =>
        (await (this.#opened ??= openOrm({ databaseUrl: options.databaseUrl, ...(options.poolMax === undefined ? {} : { poolMax: options.poolMax }) }))).em.getKnex();
    }
  }

  /** Closes the pool the store opened itself (not a shared ORM's). */
  async close(): Promise<void> {
    if (this.#owned && this.#opened !== undefined) await (await this.#opened).close(true);
  }

  async #knex(): Promise<Knex> {
    return this.#getKnex();
  }

  async #rows<T>(db: Knex | Knex.Transaction, sql: string, bindings: readonly unknown[] = []): Promise<T[]> {
    const result = (await db.raw(sql, bindings as Knex.RawBinding[])) as { rows: T[] };
    return result.rows;
  }

  async createExecution(execution: Execution): Promise<void> {
    const { timeline, ...header } = execution;
    const knex = await this.#knex();
    await knex.transaction(async (trx) => {
      const inserted = await this.#rows(
        trx,
        `insert into executions (id, app_id, kind, state, mode, plan_hash, started_at, finished_at, record)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb) on conflict (id) do nothing returning id`,
        [header.executionId, ...headerColumns(header), JSON.stringify(header)],
      );
      if (inserted.length === 0) {
        throw new HealerError('INVALID_ARGUMENT', `Execution ${execution.executionId} already exists`, { details: { executionId: execution.executionId } });
      }
      for (const event of timeline) await this.#insertEvent(trx, execution.executionId, event);
    });
  }

  async appendEvent(executionId: string, event: TimelineEvent, fence?: Fence): Promise<void> {
    await this.#writeExecution(executionId, fence, async (trx) => this.#insertEvent(trx, executionId, event));
  }

  async updateExecution(executionId: string, patch: HeaderPatch, fence?: Fence): Promise<void> {
    await this.#writeExecution(executionId, fence, async (trx, current) => {
      const { timeline: _t, executionId: _id, ...fields } = patch as Partial<Execution>;
      const next: Header = JSON.parse(JSON.stringify({ ...current, ...fields })) as Header;
      await trx.raw(
        `update executions set app_id = ?, kind = ?, state = ?, mode = ?, plan_hash = ?, started_at = ?, finished_at = ?, record = ?::jsonb where id = ?`,
        [...headerColumns(next), JSON.stringify(next), executionId],
      );
    });
  }

  /**
   * One transaction: lock the execution's row (writes to one execution take
   * turns), check the fence against the key's current token (`FOR SHARE`: no
   * acquisition can hand out a newer one until this commits), then write.
   */
  async #writeExecution(executionId: string, fence: Fence | undefined, write: (trx: Knex.Transaction, current: Header) => Promise<void>): Promise<void> {
    const knex = await this.#knex();
    await knex.transaction(async (trx) => {
      const [row] = await this.#rows<{ record: Header }>(trx, `select record from executions where id = ? for no key update`, [executionId]);
      if (row === undefined) throw new HealerError('EXECUTION_NOT_FOUND', `No execution ${executionId}`, { details: { executionId } });
      if (fence !== undefined) {
        const [lock] = await this.#rows<{ token: string }>(trx, `select token from locks where key = ? for share`, [fence.key]);
        checkFence(fence, lock === undefined ? 0 : Number(lock.token), executionId);
      }
      await write(trx, row.record);
    });
  }

  async #insertEvent(trx: Knex.Transaction, executionId: string, event: TimelineEvent): Promise<void> {
    await trx.raw(
      `insert into timeline_events (execution_id, seq, type, at, data)
       select ?, coalesce(max(seq), 0) + 1, ?, ?, ?::jsonb from timeline_events where execution_id = ?`,
      [executionId, event.type, event.at, JSON.stringify(event), executionId],
    );
  }

  async getExecution(executionId: string): Promise<Execution | null> {
    const knex = await this.#knex();
    // One snapshot for the header and its journal.
    return knex.transaction(
      async (trx) => {
        const [row] = await this.#rows<{ record: Header }>(trx, `select record from executions where id = ?`, [executionId]);
        if (row === undefined) return null;
        const events = await this.#rows<{ data: TimelineEvent }>(trx, `select data from timeline_events where execution_id = ? order by seq`, [executionId]);
        return { ...row.record, timeline: events.map((e) => e.data) };
      },
      { isolationLevel: 'repeatable read', readOnly: true },
    );
  }

  async eventsAfter(executionId: string, afterSeq: number): Promise<{ state: Execution['state']; events: TimelineEvent[] } | null> {
    const knex = await this.#knex();
    return knex.transaction(
      async (trx) => {
        const [row] = await this.#rows<{ state: Execution['state'] }>(trx, `select state from executions where id = ?`, [executionId]);
        if (row === undefined) return null;
        const events = await this.#rows<{ data: TimelineEvent }>(trx, `select data from timeline_events where execution_id = ? and seq > ? order by seq`, [executionId, afterSeq]);
        return { state: row.state, events: events.map((e) => e.data) };
      },
      { isolationLevel: 'repeatable read', readOnly: true },
    );
  }

  async listExecutions(filter: ExecutionFilter = {}): Promise<ExecutionPage> {
    const { limit } = checkExecutionFilter(filter);
    const where: string[] = [];
    const bindings: unknown[] = [];
    const add = (sql: string, ...values: unknown[]) => {
      where.push(sql);
      bindings.push(...values);
    };
    if (filter.appId !== undefined) add('e.app_id = ?', filter.appId);
    if (filter.states !== undefined) add('e.state in (select jsonb_array_elements_text(?::jsonb))', JSON.stringify(filter.states));
    if (filter.kind !== undefined) add('e.kind = ?', filter.kind);
    if (filter.since !== undefined) add('e.started_at >= ?', new Date(filter.since));
    if (filter.until !== undefined) add('e.started_at < ?', new Date(filter.until));
    if (filter.cursor !== undefined) {
      const after = decodeCursor(filter.cursor);
      const at = new Date(after.startedAt);
      if (Number.isNaN(at.getTime())) {
        throw new HealerError('INVALID_ARGUMENT', 'The cursor is not one a listing of executions gave: pass nextCursor back unchanged.', { details: { cursor: filter.cursor } });
      }
      // Ids compare by code point ("C"), as core's stores compare them.
      add('(e.started_at < ? or (e.started_at = ? and e.id collate "C" < ?))', at, at, after.executionId);
    }
    const knex = await this.#knex();
    const rows = await this.#rows<ExecutionRow>(
      knex,
      `select e.record, (select count(*) from timeline_events t where t.execution_id = e.id)::int as events
       from executions e ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
       order by e.started_at desc, e.id collate "C" desc limit ?`,
      [...bindings, limit + 1],
    );
    const items: ExecutionSummary[] = rows.slice(0, limit).map((r) => ({ ...r.record, events: r.events }));
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null };
  }

  async getBreaker(key: string): Promise<BreakerRecord | null> {
    const [row] = await this.#rows<{ record: BreakerRecord | null }>(await this.#knex(), `select record from breakers where key = ?`, [key]);
    return row?.record ?? null;
  }

  async updateBreaker(key: string, update: (current: BreakerRecord | null) => BreakerRecord | null): Promise<BreakerRecord | null> {
    const knex = await this.#knex();
    return knex.transaction(async (trx) => {
      // A missing record is a row holding JSON null, so there is always a row to lock; it never outlives the transaction.
      await trx.raw(`insert into breakers (key, record, updated_at) values (?, 'null'::jsonb, now()) on conflict (key) do nothing`, [key]);
      const [row] = await this.#rows<{ record: BreakerRecord | null }>(trx, `select record from breakers where key = ? for update`, [key]);
      const next = update(row?.record ?? null);
      if (next === null) {
        await trx.raw(`delete from breakers where key = ?`, [key]);
        return null;
      }
      checkBreakerKey(key, next);
      await trx.raw(`update breakers set record = ?::jsonb, updated_at = now() where key = ?`, [JSON.stringify(next), key]);
      return JSON.parse(JSON.stringify(next)) as BreakerRecord;
    });
  }

  async listBreakers(filter: { prefix?: string } = {}): Promise<BreakerRecord[]> {
    const prefix = filter.prefix ?? '';
    const rows = await this.#rows<{ record: BreakerRecord }>(
      await this.#knex(),
      `select record from breakers where record <> 'null'::jsonb and left(key, ?) = ? order by key`,
      [prefix.length, prefix],
    );
    return rows.map((r) => r.record);
  }

  async acquireLock(key: string, owner: LockOwner, ttlMs: number): Promise<LockHandle | null> {
    return acquireLockRow(await this.#knex(), key, owner, ttlMs);
  }

  async renewLock(handle: LockHandle, ttlMs: number): Promise<boolean> {
    return renewLockRow(await this.#knex(), handle, ttlMs);
  }

  async releaseLock(handle: LockHandle): Promise<void> {
    await releaseLockRow(await this.#knex(), handle);
  }

  async getLock(key: string): Promise<LockHandle | null> {
    return getLockRow(await this.#knex(), key);
  }

  async putBackup(manifest: BackupManifest): Promise<void> {
    await (await this.#knex()).raw(
      `insert into backups (id, execution_id, app_id, action_id, location, manifest, created_at, expires_at)
       values (?, (select id from executions where id = ?), ?, ?, ?, ?::jsonb, ?, ?)
       on conflict (id) do update set execution_id = excluded.execution_id, app_id = excluded.app_id, action_id = excluded.action_id,
         location = excluded.location, manifest = excluded.manifest, created_at = excluded.created_at, expires_at = excluded.expires_at`,
      [manifest.id, manifest.executionId, manifest.appId, manifest.actionId, manifest.dir, JSON.stringify(manifest), manifest.createdAt, manifest.expiresAt],
    );
  }

  async getBackup(id: string): Promise<BackupManifest | null> {
    const [row] = await this.#rows<{ manifest: BackupManifest }>(await this.#knex(), `select manifest from backups where id = ?`, [id]);
    return row?.manifest ?? null;
  }

  async listBackups(filter: { appId?: string } = {}): Promise<BackupManifest[]> {
    const rows = await this.#rows<{ manifest: BackupManifest }>(
      await this.#knex(),
      `select manifest from backups ${filter.appId === undefined ? '' : 'where app_id = ?'} order by created_at desc, id collate "C" desc`,
      filter.appId === undefined ? [] : [filter.appId],
    );
    return rows.map((r) => r.manifest);
  }

  async deleteBackup(id: string): Promise<void> {
    await (await this.#knex()).raw(`delete from backups where id = ?`, [id]);
  }

  async getBaseline<T = unknown>(appId: string, name: string): Promise<T | null> {
    const [row] = await this.#rows<{ value: T }>(await this.#knex(), `select value from baselines where app_id = ? and name = ?`, [appId, name]);
    return row === undefined ? null : row.value;
  }

  async putBaseline(appId: string, name: string, value: unknown): Promise<void> {
    await (await this.#knex()).raw(
      `insert into baselines (app_id, name, value, updated_at) values (?, ?, ?::jsonb, now())
       on conflict (app_id, name) do update set value = excluded.value, updated_at = excluded.updated_at`,
      [appId, name, JSON.stringify(value)],
    );
  }
}

/** The columns of `executions` that mirror header fields, in the order the statements above list them. */
function headerColumns(h: Header): Knex.Value[] {
  return [h.appId, h.kind, h.state, h.mode, h.planHash, h.startedAt, h.finishedAt].map((v) => (v ?? null) as Knex.Value);
}
