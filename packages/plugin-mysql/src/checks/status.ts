/**
 * The status-variable checks, MySQLTuner's thresholds as the floor. Every
 * ratio goes through `ratio()`/`percent()`: a counter at zero (a fresh
 * server) gives "nothing to judge yet", never a division by zero.
 */
import { numberOf, percent } from '../ratios.js';
import type { ServerSnapshot } from '../snapshot.js';
import { findingResult, isOn, snapshotCheck, type MysqlCheck, type SnapshotCheck, type Suggestion } from './shared.js';

/** Events below this many are too few to judge a hit rate by. */
export const MIN_SAMPLE = 100;

const s = (snap: ServerSnapshot, name: string): number | null => numberOf(snap.status, name);

/** Counters of less than a day of uptime judge a server poorly: below this, a counter check says how long it counted. */
export const FULL_DAY_SECONDS = 86_400;

/** A check of counters kept since the server started: its message says so when that is less than a day. */
function counterCheck(def: Parameters<typeof snapshotCheck>[0]): SnapshotCheck {
  const judge = def.judge;
  return snapshotCheck({
    ...def,
    async judge(snap, ctx) {
      const result = await judge(snap, ctx);
      const uptime = s(snap, 'Uptime');
      if (uptime === null || uptime >= FULL_DAY_SECONDS || result.status === 'skip') return result;
      const span = uptime < 3600 ? `${Math.max(1, Math.round(uptime / 60))} min` : `${Math.round(uptime / 3600)} h`;
      return { ...result, message: `${result.message} (Counted over the ${span} since the server started: less than a day of traffic.)`, details: { ...result.details, uptimeSeconds: uptime } };
    },
  });
}
const v = (snap: ServerSnapshot, name: string): number | null => numberOf(snap.variables, name);

/** Connections used > 85% of max_connections (Max_used_connections / max_connections). */
export const CONNECTIONS_USED_PCT = 85;
export const connectionsUsedCheck: SnapshotCheck = snapshotCheck({
  id: 'mysql/connections-used',
  title: 'Connections used against max_connections',
  category: 'performance',
  severity: 'high',
  judge(snap) {
    const used = s(snap, 'Max_used_connections');
    const max = v(snap, 'max_connections');
    const pct = percent(used, max);
    const threshold = `> ${CONNECTIONS_USED_PCT}% of max_connections`;
    if (pct === null || used === null || max === null) return findingResult('skip', 'max_connections or Max_used_connections is missing or zero: nothing to judge.', { variable: 'Max_used_connections', value: used, threshold, suggested: [] });
    // Max_used_connections against the new limit: a raise shows at once.
    const finding = { variable: 'Max_used_connections', value: used, threshold, suggested: [] as Suggestion[], verifiable: true };
    if (pct <= CONNECTIONS_USED_PCT) return findingResult('pass', `${used} of ${max} connections used at most (${pct}%).`, finding, { percent: pct, max_connections: max });
    finding.suggested.push({ variable: 'max_connections', value: String(Math.ceil((used * 100) / 70)), dynamic: true });
    const wait = v(snap, 'wait_timeout');
    const idle = wait !== null && wait > 600 ? ` Idle (persistent) connections hold their slot for wait_timeout ${wait} s: a lower wait_timeout and interactive_timeout, or fewer persistent connections, frees them sooner.` : '';
    return findingResult('fail', `${used} of max_connections ${max} were in use at once (${pct}%, ${threshold}): new clients get "Too many connections".${idle}`, finding, { percent: pct, max_connections: max, wait_timeout: wait });
  },
});

/** Aborted connects > 3% of connection attempts. */
export const ABORTED_CONNECTS_PCT = 3;
export const abortedConnectsCheck: SnapshotCheck = counterCheck({
  id: 'mysql/aborted-connects',
  title: 'Aborted connection attempts',
  category: 'availability',
  severity: 'medium',
  judge(snap) {
    const aborted = s(snap, 'Aborted_connects');
    const connections = s(snap, 'Connections');
    const pct = percent(aborted, connections);
    const finding = { variable: 'Aborted_connects', value: aborted, threshold: `> ${ABORTED_CONNECTS_PCT}% of Connections`, suggested: [] };
    if (pct === null) return findingResult('pass', 'No connection attempt yet: nothing to judge.', finding);
    if (pct <= ABORTED_CONNECTS_PCT) return findingResult('pass', `${aborted} of ${connections} connection attempts aborted (${pct}%).`, finding, { percent: pct });
    return findingResult('warn', `${aborted} of ${connections} connection attempts aborted (${pct}%, more than ${ABORTED_CONNECTS_PCT}%): wrong passwords, clients without privileges, or network timeouts (connect_timeout ${snap.variables['connect_timeout'] ?? '?'}).`, finding, { percent: pct });
  },
});

/** Slow queries > 5% of all queries, and whether the slow log records them. */
export const SLOW_QUERIES_PCT = 5;
export const slowQueriesCheck: SnapshotCheck = counterCheck({
  id: 'mysql/slow-queries',
  title: 'Slow queries',
  category: 'performance',
  severity: 'medium',
  judge(snap) {
    const slow = s(snap, 'Slow_queries');
    const questions = s(snap, 'Questions');
    const pct = percent(slow, questions);
    const logOn = isOn(snap.variables['slow_query_log']);
    const finding = { variable: 'Slow_queries', value: slow, threshold: `> ${SLOW_QUERIES_PCT}% of Questions (long_query_time ${snap.variables['long_query_time'] ?? '?'} s)`, suggested: [] as Suggestion[] };
    const extra = { percent: pct, slow_query_log: logOn ? 'ON' : 'OFF' };
    if (pct === null) return findingResult('pass', 'No query yet: nothing to judge.', finding, extra);
    if (pct <= SLOW_QUERIES_PCT) return findingResult('pass', `${slow} of ${questions} queries were slow (${pct}%).`, finding, extra);
    if (!logOn) finding.suggested.push({ variable: 'slow_query_log', value: 'ON', dynamic: true });
    return findingResult('warn', `${slow} of ${questions} queries were slow (${pct}%, more than ${SLOW_QUERIES_PCT}%)${logOn ? '; the slow log names them' : ' and the slow query log is off, so nothing says which'}.`, finding, extra);
  },
});

/** Temporary tables created on disk > 25% of all temporary tables. */
export const TMP_DISK_PCT = 25;
export const tmpDiskTablesCheck: SnapshotCheck = counterCheck({
  id: 'mysql/tmp-disk-tables',
  title: 'Temporary tables on disk',
  category: 'performance',
  severity: 'medium',
  judge(snap) {
    const disk = s(snap, 'Created_tmp_disk_tables');
    const all = s(snap, 'Created_tmp_tables');
    const pct = percent(disk, all);
    const finding = { variable: 'Created_tmp_disk_tables', value: disk, threshold: `> ${TMP_DISK_PCT}% of Created_tmp_tables`, suggested: [] as Suggestion[] };
    if (pct === null) return findingResult('pass', 'No temporary table yet: nothing to judge.', finding);
    if (pct <= TMP_DISK_PCT) return findingResult('pass', `${disk} of ${all} temporary tables went to disk (${pct}%).`, finding, { percent: pct });
    // Both limit an in-memory temporary table: the smaller wins, so both go up together.
    const size = Math.min(2 * Math.max(v(snap, 'tmp_table_size') ?? 0, v(snap, 'max_heap_table_size') ?? 0, 16 * 1024 ** 2), 1024 ** 3);
    finding.suggested.push({ variable: 'tmp_table_size', value: String(size), dynamic: true }, { variable: 'max_heap_table_size', value: String(size), dynamic: true });
    return findingResult('warn', `${disk} of ${all} temporary tables went to disk (${pct}%, more than ${TMP_DISK_PCT}%).`, finding, { percent: pct });
  },
});

/** Thread cache: off, or a hit rate (1 - Threads_created / Connections) at or below 50%. */
export const THREAD_CACHE_HIT_PCT = 50;
export const threadCacheCheck: SnapshotCheck = counterCheck({
  id: 'mysql/thread-cache',
  title: 'Thread cache hit rate',
  category: 'performance',
  severity: 'low',
  judge(snap) {
    const size = v(snap, 'thread_cache_size');
    const created = s(snap, 'Threads_created');
    const connections = s(snap, 'Connections');
    const threshold = `thread_cache_size = 0, or hit rate <= ${THREAD_CACHE_HIT_PCT}%`;
    const finding = { variable: 'thread_cache_size', value: size, threshold, suggested: [] as Suggestion[] };
    if (size === 0) {
      finding.suggested.push({ variable: 'thread_cache_size', value: '16', dynamic: true });
      return findingResult('warn', 'The thread cache is off (thread_cache_size = 0): every connection creates a thread.', finding);
    }
    const missPct = percent(created, connections);
    if (missPct === null || (connections ?? 0) < MIN_SAMPLE) return findingResult('pass', `Too few connections yet (${connections ?? 0}) to judge the thread cache.`, finding);
    const hit = Math.round((100 - missPct) * 10) / 10;
    if (hit > THREAD_CACHE_HIT_PCT) return findingResult('pass', `Thread cache hit rate ${hit}% (${created} threads created for ${connections} connections).`, finding, { hitPercent: hit });
    finding.suggested.push({ variable: 'thread_cache_size', value: String(Math.min(Math.max(2 * (size ?? 8), 16), 16_384)), dynamic: true });
    return findingResult('warn', `Thread cache hit rate ${hit}% (at or below ${THREAD_CACHE_HIT_PCT}%): ${created} threads created for ${connections} connections.`, { ...finding, variable: 'Threads_created', value: created }, { hitPercent: hit });
  },
});

/** Table open cache hit rate below 20% (Table_open_cache_hits, else Open_tables / Opened_tables). */
export const TABLE_CACHE_HIT_PCT = 20;
export const tableCacheCheck: SnapshotCheck = counterCheck({
  id: 'mysql/table-cache',
  title: 'Table open cache hit rate',
  category: 'performance',
  severity: 'low',
  judge(snap) {
    const hits = s(snap, 'Table_open_cache_hits');
    const misses = s(snap, 'Table_open_cache_misses');
    const cache = v(snap, 'table_open_cache');
    const opened = s(snap, 'Opened_tables');
    const byHits = hits !== null && misses !== null;
    const events = byHits ? hits + misses : (opened ?? 0);
    const hit = byHits ? percent(hits, hits + misses) : percent(s(snap, 'Open_tables'), opened);
    const finding = { variable: byHits ? 'Table_open_cache_hits' : 'Open_tables / Opened_tables', value: hit, threshold: `hit rate < ${TABLE_CACHE_HIT_PCT}%`, suggested: [] as Suggestion[] };
    if (hit === null || events < MIN_SAMPLE) return findingResult('pass', `Too few table opens yet (${events}) to judge the table cache.`, finding);
    if (hit >= TABLE_CACHE_HIT_PCT) return findingResult('pass', `Table open cache hit rate ${hit}%.`, finding, { table_open_cache: cache });
    if (cache !== null) finding.suggested.push({ variable: 'table_open_cache', value: String(Math.min(Math.max(2 * cache, 400), 1_048_576)), dynamic: true });
    return findingResult('warn', `Table open cache hit rate ${hit}% (below ${TABLE_CACHE_HIT_PCT}%; table_open_cache ${cache ?? '?'}, Opened_tables ${opened ?? '?'}).`, finding, { table_open_cache: cache });
  },
});

/** Open files > 85% of open_files_limit. */
export const OPEN_FILES_PCT = 85;
export const openFilesCheck: SnapshotCheck = snapshotCheck({
  id: 'mysql/open-files',
  title: 'Open files against the limit',
  category: 'system',
  severity: 'high',
  judge(snap) {
    const open = s(snap, 'Open_files');
    const limit = v(snap, 'open_files_limit');
    const pct = percent(open, limit);
    const finding = { variable: 'Open_files', value: open, threshold: `> ${OPEN_FILES_PCT}% of open_files_limit`, suggested: [] as Suggestion[] };
    if (pct === null) return findingResult('skip', 'open_files_limit or Open_files is missing or zero: nothing to judge.', finding);
    if (pct <= OPEN_FILES_PCT) return findingResult('pass', `${open} files open of ${limit} allowed (${pct}%).`, finding, { percent: pct, open_files_limit: limit });
    // Not settable at runtime: the option file (and the service's LimitNOFILE), then a restart.
    finding.suggested.push({ variable: 'open_files_limit', value: String(Math.ceil((open! * 100) / 60)), dynamic: false });
    return findingResult('fail', `${open} files open of open_files_limit ${limit} (${pct}%, more than ${OPEN_FILES_PCT}%): the server is about to fail to open tables.`, finding, { percent: pct, open_files_limit: limit });
  },
});

export const statusChecks: MysqlCheck[] = [connectionsUsedCheck, abortedConnectsCheck, slowQueriesCheck, tmpDiskTablesCheck, threadCacheCheck, tableCacheCheck, openFilesCheck];
