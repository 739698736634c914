/**
 * Lock files with a lease and a fencing token, safe between processes on
 * one machine (and on file systems with atomic `O_EXCL` create, rename and link).
 *
 * In `<dir>`: `<key>.lock` holds `{ key, token, owner: { pid, hostname, purpose }, expiresAt }`
 * and is created with `wx`, so one process wins; `<key>.token` holds the last
 * fencing token handed out for the key, so tokens only grow.
 *
 * A stale lock (lease ended, or its owner was a process on this host that is
 * gone) is removed by `claim()` under a marker unique to that lock file, so
 * of many processes that judged it stale only one removes it, and none
 * removes the lock a faster one created in its place; then every one of them
 * races on the exclusive create again, which one wins.
 * @internal
 */
import { link, mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LockHandle, LockOwner } from '../contract/state.js';
import { corrupt, encodeKey, isErrno, readTextOrNull, siblingTempPath, writeFileAtomic } from './fs-util.js';
import { isLockStale, leaseEnd } from './store-helpers.js';

/** An empty or unreadable lock file is being written by its creator, or was left by a crash: give it this long. */
const UNREADABLE_GRACE_MS = 10_000;
/** Renewing this close to the end of a lease competes with takeovers, so it goes through a takeover itself. */
const RENEW_MARGIN_MS = 2_000;
const TAKEOVER_ROUNDS = 8;

interface SeenLock {
  raw: string;
  ino: number;
  mtimeMs: number;
  handle: LockHandle | null;
}

export class LockFolder {
  readonly #dir: string;
  readonly #durable: boolean;

  /** `durable: false` skips fsyncs, for short internal mutexes that need not survive a crash. */
  constructor(dir: string, options: { durable?: boolean } = {}) {
    this.#dir = dir;
    this.#durable = options.durable ?? true;
  }

  async acquire(key: string, owner: LockOwner, ttlMs: number): Promise<LockHandle | null> {
    leaseEnd(ttlMs);
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const file = this.#lockPath(key);
    let floor = 0;
    for (let round = 0; round < TAKEOVER_ROUNDS; round++) {
      const won = await this.#tryCreate(key, owner, ttlMs, floor);
      if (won !== null) return won;
      const seen = await inspect(file);
      if (seen === null) continue;
      if (!isSeenStale(seen)) return null;
      // If the counter file was lost, the stale holder's token still bounds ours from below.
      floor = Math.max(floor, seen.handle?.token ?? 0);
      await claim(file, seen);
    }
    return null;
  }

  async renew(handle: LockHandle, ttlMs: number): Promise<boolean> {
    const file = this.#lockPath(handle.key);
    const seen = await inspect(file);
    if (seen?.handle == null || seen.handle.token !== handle.token) return false;
    const next: LockHandle = { ...seen.handle, expiresAt: leaseEnd(ttlMs) };
    const remaining = Date.parse(seen.handle.expiresAt) - Date.now();
    if (remaining > RENEW_MARGIN_MS && !isLockStale(seen.handle)) {
      await writeFileAtomic(file, JSON.stringify(next), { durable: this.#durable });
      return true;
    }
    if (!(await claim(file, seen))) return false;
    const tmp = siblingTempPath(file, 'tmp');
    try {
      await writeFileAtomic(tmp, JSON.stringify(next), { durable: this.#durable });
      await link(tmp, file);
      return true;
    } catch (err) {
      if (isErrno(err, 'EEXIST')) return false;
      throw err;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async release(handle: LockHandle): Promise<void> {
    const file = this.#lockPath(handle.key);
    const seen = await inspect(file);
    if (seen?.handle != null && seen.handle.token === handle.token) await claim(file, seen);
  }

  async get(key: string): Promise<LockHandle | null> {
    const file = this.#lockPath(key);
    const seen = await inspect(file);
    if (seen === null || seen.handle !== null) return seen?.handle ?? null;
    if (seen.raw.trim() === '') return null;
    throw corrupt(file, 'is not a lock record');
  }

  /** The last fencing token handed out for `key` (0 when none was). */
  currentToken(key: string): Promise<number> {
    return this.#readCounter(key);
  }

  #lockPath(key: string): string {
    return join(this.#dir, `${encodeKey(key)}.lock`);
  }

  #counterPath(key: string): string {
    return join(this.#dir, `${encodeKey(key)}.token`);
  }

  async #tryCreate(key: string, owner: LockOwner, ttlMs: number, floor: number): Promise<LockHandle | null> {
    const file = this.#lockPath(key);
    let fh;
    try {
      fh = await open(file, 'wx', 0o600);
    } catch (err) {
      if (isErrno(err, 'EEXIST')) return null;
      throw err;
    }
    try {
      // Only the holder of the lock file touches the counter, so this read-modify-write does not race.
      const token = Math.max(await this.#readCounter(key), floor) + 1;
      await writeFileAtomic(this.#counterPath(key), `${token}\n`, { durable: this.#durable });
      const handle: LockHandle = { key, token, owner: copyOwner(owner), expiresAt: leaseEnd(ttlMs) };
      await fh.writeFile(JSON.stringify(handle), 'utf8');
      if (this.#durable) await fh.sync();
      return handle;
    } catch (err) {
      const { ino } = await fh.stat();
      const now = await stat(file).catch(() => null);
      if (now?.ino === ino) await rm(file, { force: true });
      throw err;
    } finally {
      await fh.close();
    }
  }

  async #readCounter(key: string): Promise<number> {
    const file = this.#counterPath(key);
    const text = await readTextOrNull(file);
    if (text === null) return 0;
    const value = Number(text.trim());
    if (!Number.isSafeInteger(value) || value < 0) throw corrupt(file, 'does not hold a fencing token');
    return value;
  }
}

function copyOwner(owner: LockOwner): LockOwner {
  return owner.purpose === undefined
    ? { pid: owner.pid, hostname: owner.hostname }
    : { pid: owner.pid, hostname: owner.hostname, purpose: owner.purpose };
}

function isSeenStale(seen: SeenLock): boolean {
  if (seen.handle !== null) return isLockStale(seen.handle);
  return Date.now() - seen.mtimeMs > UNREADABLE_GRACE_MS;
}

/** Reads a lock file with its inode, so a later claim can tell it is still the same file; null when absent. */
async function inspect(file: string): Promise<SeenLock | null> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
  try {
    const info = await fh.stat();
    const raw = await fh.readFile('utf8');
    return { raw, ino: info.ino, mtimeMs: info.mtimeMs, handle: parseLock(raw) };
  } finally {
    await fh.close();
  }
}

/**
 * Removes the lock file only if it is still the one in `seen`. The check and
 * the unlink are not one atomic step, so whoever does them first creates a
 * claim marker named after that very file (inode and token) with `wx`: for
 * one lock file, one claimer at a time. Other generations of the lock cannot
 * match the check (tokens never repeat), and a live lock is never moved, so
 * its holder never loses it to a claimer of an older one.
 */
async function claim(file: string, seen: SeenLock): Promise<boolean> {
  const marker = `${file}.${seen.ino}-${seen.handle?.token ?? 'x'}.claim`;
  try {
    await (await open(marker, 'wx', 0o600)).close();
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
    // A claimer that crashed between its marker and its unlink would block this lock forever.
    const info = await stat(marker).catch(() => null);
    if (info !== null && Date.now() - info.mtimeMs > UNREADABLE_GRACE_MS) await rm(marker, { force: true });
    return false;
  }
  try {
    const current = await inspect(file);
    if (current === null || current.ino !== seen.ino || current.raw !== seen.raw) return false;
    await rm(file, { force: true });
    return true;
  } finally {
    await rm(marker, { force: true });
  }
}

function parseLock(raw: string): LockHandle | null {
  let value: unknown;
  try {
    value = JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const owner = v['owner'] as Record<string, unknown> | null | undefined;
  if (
    typeof v['key'] !== 'string' ||
    !Number.isSafeInteger(v['token']) ||
    typeof v['expiresAt'] !== 'string' ||
    typeof owner !== 'object' ||
    owner === null ||
    typeof owner['pid'] !== 'number' ||
    typeof owner['hostname'] !== 'string'
  ) {
    return null;
  }
  return value as LockHandle;
}
