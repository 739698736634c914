/**
 * Locks of the PostgreSQL state store: one `locks` row per key, never
 * deleted (it keeps the last fencing token). A lock is held while it has an
 * owner and `expires_at > now()` by the database clock; a holder that ran
 * on this host and has exited counts as gone, as in core's folder store.
 * @internal
 */
import { hostname } from 'node:os';
import { HealerError, isPidAlive } from '@healer/core';
import type { LockHandle, LockOwner } from '@healer/core';
import type { Knex } from '@mikro-orm/postgresql';

interface LockRow {
  token: string;
  owner: LockOwner | null;
  /** Epoch ms (the driver's timestamp parsing is the ORM's business, not ours). */
  expires_ms: number | null;
}

const COLUMNS = `token, owner, (extract(epoch from expires_at) * 1000)::float8 as expires_ms`;

const LEASE = `now() + ?::double precision * interval '1 millisecond'`;

async function rows(knex: Knex, sql: string, bindings: Knex.RawBinding[]): Promise<LockRow[]> {
  return ((await knex.raw(sql, bindings)) as { rows: LockRow[] }).rows;
}

function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new HealerError('INVALID_ARGUMENT', `A lock lease must be a positive number of ms, got ${ttlMs}`, { details: { ttlMs } });
  }
}

function toHandle(key: string, row: LockRow): LockHandle {
  if (row.owner === null || row.expires_ms === null) throw new Error(`lock ${key} has no holder`);
  return { key, token: Number(row.token), owner: row.owner, expiresAt: new Date(row.expires_ms).toISOString() };
}

function ownerJson(owner: LockOwner): string {
  return JSON.stringify({ pid: owner.pid, hostname: owner.hostname, ...(owner.purpose === undefined ? {} : { purpose: owner.purpose }) });
}

/** A holder we can see is gone: it ran on this host and no such process exists. */
function isDeadHere(owner: LockOwner): boolean {
  return owner.hostname === hostname() && !isPidAlive(owner.pid);
}

export async function acquireLockRow(knex: Knex, key: string, owner: LockOwner, ttlMs: number): Promise<LockHandle | null> {
  checkTtl(ttlMs);
  const json = ownerJson(owner);
  // One statement: concurrent callers queue on the row, and each sees the one before it.
  const [taken] = await rows(
    knex,
    `insert into locks (key, token, owner, expires_at) values (?, 1, ?::jsonb, ${LEASE})
     on conflict (key) do update set token = locks.token + 1, owner = excluded.owner, expires_at = excluded.expires_at
       where locks.owner is null or locks.expires_at is null or locks.expires_at <= now()
     returning ${COLUMNS}`,
    [key, json, ttlMs],
  );
  if (taken !== undefined) return toHandle(key, taken);
  const [held] = await rows(knex, `select ${COLUMNS} from locks where key = ?`, [key]);
  if (held?.owner == null || !isDeadHere(held.owner)) return null;
  // Take it over only if no one did since we looked (same token).
  const [over] = await rows(
    knex,
    `update locks set token = token + 1, owner = ?::jsonb, expires_at = ${LEASE} where key = ? and token = ? returning ${COLUMNS}`,
    [json, ttlMs, key, held.token],
  );
  return over === undefined ? null : toHandle(key, over);
}

export async function renewLockRow(knex: Knex, handle: LockHandle, ttlMs: number): Promise<boolean> {
  checkTtl(ttlMs);
  const renewed = await rows(
    knex,
    `update locks set expires_at = ${LEASE} where key = ? and token = ? and owner is not null returning ${COLUMNS}`,
    [ttlMs, handle.key, handle.token],
  );
  return renewed.length === 1;
}

export async function releaseLockRow(knex: Knex, handle: LockHandle): Promise<void> {
  await knex.raw(`update locks set owner = null, expires_at = null where key = ? and token = ?`, [handle.key, handle.token]);
}

/** The live holder of `key` (lease not ended by the database clock), or null. */
export async function getLockRow(knex: Knex, key: string): Promise<LockHandle | null> {
  const [held] = await rows(knex, `select ${COLUMNS} from locks where key = ? and owner is not null and expires_at > now()`, [key]);
  return held === undefined ? null : toHandle(key, held);
}
