/**
 * The folder state store: what the CLI uses. Layout under the Healer home
 * (`$HEALER_HOME`, default `~/.healer`); every `<...>` key is encoded by
 * `encodeKey` into one safe file name (only `a-z 0-9 _ -` kept, the rest `%XX`):
 *
 * ```
 * executions/<id>/execution.json   header, without the timeline; written atomically
 *                                  (temp file + fsync + rename)
 * executions/<id>/timeline.jsonl   the journal: one TimelineEvent per line, each append
 *                                  fsynced before the step it announces runs; a torn
 *                                  last line (crash mid-append) is ignored
 * breakers/<key>.json              one BreakerRecord
 * locks/<key>.lock                 a held lock: { key, token, owner: { pid, hostname, purpose }, expiresAt }
 * locks/<key>.token                the last fencing token handed out for <key>; kept after the
 *                                  lock is released (fenced writes compare with it). Healer's
 *                                  keys: `app:<appId>` and `execution:<id>` (one per execution)
 * locks/<key>.lock.<ino>-<token>.claim   transient: held while a stale lock is removed
 * locks/.internal/                 short mutexes of the store itself (breaker updates)
 * backups/<id>.json                one BackupManifest
 * baselines/<appId>/<name>.json    one baseline value
 * ```
 */
import { homedir } from 'node:os';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BackupManifest } from '../contract/backup.js';
import type { BreakerRecord, ExecutionFilter, ExecutionPage, Fence, LockHandle, LockOwner, StateStore } from '../contract/state.js';
import { HealerError } from '../errors.js';
import { ExecutionSchema, TimelineEventSchema, type Execution, type TimelineEvent } from '../schemas.js';
import { corrupt, describeIssues, encodeKey, isErrno, readJsonOrNull, writeFileAtomic } from './fs-util.js';
import { LockFolder } from './file-lock.js';
import { KeyedMutex } from './mutex.js';
import { appendJournalLine, readJournal } from './journal.js';
import {
  checkBreakerKey,
  checkExecutionFilter,
  checkFence,
  compareBackupsNewestFirst,
  pageOf,
} from './store-helpers.js';

const HeaderSchema = ExecutionSchema.omit({ timeline: true });
type ExecutionHeader = Omit<Execution, 'timeline'>;

/** How long one breaker update may hold the store's internal mutex, and wait for it. */
const BREAKER_MUTEX_TTL_MS = 10_000;
const BREAKER_MUTEX_WAIT_MS = 15_000;

export interface FolderStateStoreOptions {
  /** The folder holding the state. Default: {@link resolveHealerHome}(). */
  home?: string;
}

/** The Healer home: `$HEALER_HOME` when set and not empty, else `~/.healer`. Always absolute. */
export function resolveHealerHome(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env['HEALER_HOME'];
  return fromEnv !== undefined && fromEnv !== '' ? resolve(fromEnv) : join(homedir(), '.healer');
}

/**
 * A {@link StateStore} in a local folder (JSON and JSON Lines files), shared
 * safely by every process on the machine that points at the same folder.
 * One execution is written by one process at a time (the one holding the
 * target's lock); breakers and locks may be touched by many at once.
 *
 * @example
 * const store = new FolderStateStore(); // $HEALER_HOME, or ~/.healer
 * const lock = await store.acquireLock('target:local:/srv/app', { pid: process.pid, hostname: os.hostname() }, 60_000);
 */
export class FolderStateStore implements StateStore {
  /** The folder this store lives in (absolute). */
  readonly home: string;
  readonly #locks: LockFolder;
  readonly #mutex: KeyedMutex;

  constructor(options: FolderStateStoreOptions = {}) {
    this.home = options.home === undefined ? resolveHealerHome() : resolve(options.home);
    this.#locks = new LockFolder(join(this.home, 'locks'));
    // Encoded keys never start with '.', so this folder cannot clash with a lock.
    this.#mutex = new KeyedMutex(join(this.home, 'locks', '.internal'), {
      ttlMs: BREAKER_MUTEX_TTL_MS,
      waitMs: BREAKER_MUTEX_WAIT_MS,
    });
  }

  async createExecution(execution: Execution): Promise<void> {
    const dir = this.#executionDir(execution.executionId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const headerFile = join(dir, 'execution.json');
    if (await exists(headerFile)) {
      throw new HealerError('INVALID_ARGUMENT', `Execution ${execution.executionId} already exists`, {
        details: { executionId: execution.executionId },
      });
    }
    const { timeline, ...header } = execution;
    // The journal first: the header's presence is what makes the execution exist.
    await rm(join(dir, 'timeline.jsonl'), { force: true });
    for (const event of timeline) await appendJournalLine(join(dir, 'timeline.jsonl'), event);
    await this.#writeJson(headerFile, header);
  }

  async appendEvent(executionId: string, event: TimelineEvent, fence?: Fence): Promise<void> {
    const dir = this.#executionDir(executionId);
    if (!(await exists(join(dir, 'execution.json')))) throw notFound(executionId);
    await this.#checkFence(fence, executionId);
    await appendJournalLine(join(dir, 'timeline.jsonl'), event);
  }

  async updateExecution(
    executionId: string,
    patch: Partial<Omit<Execution, 'timeline' | 'executionId'>>,
    fence?: Fence,
  ): Promise<void> {
    const headerFile = join(this.#executionDir(executionId), 'execution.json');
    const header = await this.#readHeader(headerFile);
    if (header === null) throw notFound(executionId);
    await this.#checkFence(fence, executionId);
    const { timeline: _t, executionId: _id, ...fields } = patch as Partial<Execution>;
    await this.#writeJson(headerFile, { ...header, ...fields });
  }

  async getExecution(executionId: string): Promise<Execution | null> {
    const dir = this.#executionDir(executionId);
    const header = await this.#readHeader(join(dir, 'execution.json'));
    if (header === null) return null;
    return { ...header, timeline: await readJournal(join(dir, 'timeline.jsonl'), TimelineEventSchema) };
  }

  async eventsAfter(executionId: string, afterSeq: number): Promise<{ state: Execution['state']; events: TimelineEvent[] } | null> {
    const execution = await this.getExecution(executionId);
    return execution === null ? null : { state: execution.state, events: execution.timeline.filter((e) => e.seq > afterSeq) };
  }

  async listExecutions(filter: ExecutionFilter = {}): Promise<ExecutionPage> {
    const checked = checkExecutionFilter(filter);
    const root = join(this.home, 'executions');
    const headers: ExecutionHeader[] = [];
    for (const name of await listNames(root)) {
      // A folder without a header is an execution still being created.
      const header = await this.#readHeader(join(root, name, 'execution.json'));
      if (header !== null && checked.matches(header)) headers.push(header);
    }
    const page = pageOf(headers.map((h) => ({ ...h, events: 0 })), checked.limit);
    // Only the page's journals are read, to count their events.
    for (const item of page.items) {
      item.events = (await readJournal(join(this.#executionDir(item.executionId), 'timeline.jsonl'), TimelineEventSchema)).length;
    }
    return page;
  }

  async getBreaker(key: string): Promise<BreakerRecord | null> {
    return this.#readObject<BreakerRecord>(this.#breakerFile(key));
  }

  async updateBreaker(
    key: string,
    update: (current: BreakerRecord | null) => BreakerRecord | null,
  ): Promise<BreakerRecord | null> {
    return this.#mutex.run(`breaker:${key}`, async () => {
      const file = this.#breakerFile(key);
      const next = update(await this.#readObject<BreakerRecord>(file));
      if (next === null) {
        await rm(file, { force: true });
        return null;
      }
      checkBreakerKey(key, next);
      await mkdir(join(this.home, 'breakers'), { recursive: true, mode: 0o700 });
      await this.#writeJson(file, next);
      return next;
    });
  }

  async listBreakers(filter: { prefix?: string } = {}): Promise<BreakerRecord[]> {
    const { prefix } = filter;
    const records = await this.#readAll<BreakerRecord>(join(this.home, 'breakers'));
    return prefix === undefined ? records : records.filter((r) => r.key.startsWith(prefix));
  }

  acquireLock(key: string, owner: LockOwner, ttlMs: number): Promise<LockHandle | null> {
    return this.#locks.acquire(key, owner, ttlMs);
  }

  renewLock(handle: LockHandle, ttlMs: number): Promise<boolean> {
    return this.#locks.renew(handle, ttlMs);
  }

  releaseLock(handle: LockHandle): Promise<void> {
    return this.#locks.release(handle);
  }

  getLock(key: string): Promise<LockHandle | null> {
    return this.#locks.get(key);
  }

  async putBackup(manifest: BackupManifest): Promise<void> {
    await mkdir(join(this.home, 'backups'), { recursive: true, mode: 0o700 });
    await this.#writeJson(this.#backupFile(manifest.id), manifest);
  }

  getBackup(id: string): Promise<BackupManifest | null> {
    return this.#readObject<BackupManifest>(this.#backupFile(id));
  }

  async listBackups(filter: { appId?: string } = {}): Promise<BackupManifest[]> {
    const all = await this.#readAll<BackupManifest>(join(this.home, 'backups'));
    return all.filter((m) => filter.appId === undefined || m.appId === filter.appId).sort(compareBackupsNewestFirst);
  }

  async deleteBackup(id: string): Promise<void> {
    await rm(this.#backupFile(id), { force: true });
  }

  async getBaseline<T = unknown>(appId: string, name: string): Promise<T | null> {
    const value = await readJsonOrNull(this.#baselineFile(appId, name));
    return value as T | null;
  }

  async putBaseline(appId: string, name: string, value: unknown): Promise<void> {
    const file = this.#baselineFile(appId, name);
    await mkdir(join(this.home, 'baselines', encodeKey(appId)), { recursive: true, mode: 0o700 });
    await this.#writeJson(file, value ?? null);
  }

  /**
   * The fence is checked against the lock's token file just before the write.
   * Between that read and the write, another process may take the lock: a
   * window of one file read, which files cannot close without a mutex on
   * every write; a database store checks and writes in one transaction.
   */
  async #checkFence(fence: Fence | undefined, executionId: string): Promise<void> {
    if (fence !== undefined) checkFence(fence, await this.#locks.currentToken(fence.key), executionId);
  }

  #executionDir(executionId: string): string {
    return join(this.home, 'executions', encodeKey(executionId));
  }

  #breakerFile(key: string): string {
    return join(this.home, 'breakers', `${encodeKey(key)}.json`);
  }

  #backupFile(id: string): string {
    return join(this.home, 'backups', `${encodeKey(id)}.json`);
  }

  #baselineFile(appId: string, name: string): string {
    return join(this.home, 'baselines', encodeKey(appId), `${encodeKey(name)}.json`);
  }

  async #writeJson(file: string, value: unknown): Promise<void> {
    await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
  }

  async #readHeader(file: string): Promise<ExecutionHeader | null> {
    const value = await readJsonOrNull(file);
    if (value === null) return null;
    const parsed = HeaderSchema.safeParse(value);
    if (!parsed.success) throw corrupt(file, `is not an execution record: ${describeIssues(parsed.error)}`);
    return parsed.data;
  }

  async #readObject<T>(file: string): Promise<T | null> {
    const value = await readJsonOrNull(file);
    if (value !== null && (typeof value !== 'object' || Array.isArray(value))) throw corrupt(file, 'does not hold an object');
    return value as T | null;
  }

  /** Every `*.json` record of a folder (temp files start with '.', so they are skipped). */
  async #readAll<T>(dir: string): Promise<T[]> {
    const out: T[] = [];
    for (const name of await listNames(dir)) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const value = await this.#readObject<T>(join(dir, name));
      if (value !== null) out.push(value);
    }
    return out;
  }


}

function notFound(executionId: string): HealerError {
  return new HealerError('EXECUTION_NOT_FOUND', `No execution ${executionId}`, { details: { executionId } });
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}

async function listNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
}
