/**
 * Settings that cost performance or memory without a counter going red:
 * reverse name resolution on every connection, performance_schema off, the
 * MyISAM key buffer against the MyISAM indexes it caches, and the memory
 * the server may take at peak against the machine's.
 */
import { formatBytes, numberOf, percent, roundUpMiB } from '../ratios.js';
import type { ServerSnapshot } from '../snapshot.js';
import { findingResult, isOn, snapshotCheck, type MysqlCheck, type SnapshotCheck, type Suggestion } from './shared.js';

const v = (snap: ServerSnapshot, name: string): number | null => numberOf(snap.variables, name);
const s = (snap: ServerSnapshot, name: string): number | null => numberOf(snap.status, name);
const MiB = 1024 ** 2;

/** An account host that is a name the server must resolve (not an address, a pattern of one, `localhost` or `%`). */
export function isHostName(host: string): boolean {
  if (host === '' || host === '%' || host === 'localhost') return false;
  if (/^[\d.%_/]+$/.test(host) || host.includes(':')) return false;
  return /[a-z]/i.test(host);
}

export const nameResolutionCheck: SnapshotCheck = snapshotCheck({
  id: 'mysql/name-resolution',
  title: 'Reverse name resolution of clients',
  category: 'performance',
  severity: 'low',
  judge(snap) {
    const skip = isOn(snap.variables['skip_name_resolve']);
    const finding = { variable: 'skip_name_resolve', value: snap.variables['skip_name_resolve'] ?? null, threshold: 'OFF (a DNS lookup for every new connection)', suggested: [] as Suggestion[] };
    if (snap.variables['skip_name_resolve'] === undefined) return findingResult('skip', 'skip_name_resolve could not be read.', finding);
    if (skip) return findingResult('pass', 'skip_name_resolve is ON: clients are matched by address, without DNS lookups.', finding);
    const byName = (snap.accounts ?? []).filter((a) => isHostName(a.host)).map((a) => `'${a.user}'@'${a.host}'`);
    finding.suggested.push({ variable: 'skip_name_resolve', value: 'ON', dynamic: false });
    const accounts = byName.length > 0 ? ` ${byName.length} account(s) name their host (${byName.slice(0, 5).join(', ')}): give them addresses first, or they stop matching.` : ' Every account names its host by address.';
    return findingResult('warn', `Name resolution is active: every new connection waits for a reverse DNS lookup, and a slow DNS server stalls logins.${accounts}`, finding, { accountsByHostName: byName });
  },
});

export const performanceSchemaCheck: SnapshotCheck = snapshotCheck({
  id: 'mysql/performance-schema',
  title: 'performance_schema for diagnosing slow statements',
  category: 'performance',
  severity: 'info',
  judge(snap) {
    const on = isOn(snap.variables['performance_schema']);
    const finding = { variable: 'performance_schema', value: snap.variables['performance_schema'] ?? null, threshold: 'OFF', suggested: [] as Suggestion[] };
    if (snap.variables['performance_schema'] === undefined) return findingResult('skip', 'This server has no performance_schema.', finding);
    if (on) return findingResult('pass', 'performance_schema is ON: statement and wait statistics are kept.', finding);
    finding.suggested.push({ variable: 'performance_schema', value: 'ON', dynamic: false });
    return findingResult('warn', 'performance_schema is OFF: no per-statement or wait statistics to tell which queries cost the most (it takes some memory when on).', finding);
  },
});

/** Hit rates and use of the key buffer judged below this share... */
export const KEY_HIT_PCT = 95;
export const KEY_USED_PCT = 90;
/** ...from at least this many requests. */
export const KEY_MIN_REQUESTS = 1000;

/** MyISAM index bytes, from the table list (a crashed table, whose engine cannot be read, counts none). */
export function myisamIndexBytes(tables: ReadonlyArray<{ engine: string | null; indexBytes: number }>): number {
  return tables.filter((t) => t.engine?.toLowerCase() === 'myisam').reduce((sum, t) => sum + t.indexBytes, 0);
}

/** A hit rate in percent to 0.1 (`1 - misses / requests`), or null without requests. */
function hitRate(misses: number | null, requests: number): number | null {
  return requests > 0 ? Math.round((100 - (percent(misses, requests) ?? 0)) * 10) / 10 : null;
}

/** `read hit rate 99.1% of 5000`, with "too few to judge" below {@link KEY_MIN_REQUESTS}. */
function rateText(name: string, hit: number | null, requests: number): string {
  return hit === null ? `no ${name} yet` : `${name} hit rate ${hit}% of ${requests}${requests < KEY_MIN_REQUESTS ? ' (too few to judge)' : ''}`;
}

/** A judged hit rate: enough requests, and below {@link KEY_HIT_PCT}. */
const missesMuch = (hit: number | null, requests: number): boolean => hit !== null && requests >= KEY_MIN_REQUESTS && hit < KEY_HIT_PCT;

export const keyBufferCheck: SnapshotCheck = snapshotCheck({
  id: 'mysql/key-buffer',
  title: 'MyISAM key buffer against the MyISAM indexes',
  category: 'performance',
  severity: 'low',
  judge(snap) {
    const size = v(snap, 'key_buffer_size');
    const finding = { variable: 'key_buffer_size', value: size, threshold: `read/write hit rate < ${KEY_HIT_PCT}% (from ${KEY_MIN_REQUESTS} requests), or < ${KEY_USED_PCT}% used`, suggested: [] as Suggestion[] };
    if (snap.tables === null || size === null || size === 0) return findingResult('skip', 'The table sizes or key_buffer_size could not be read, or the key buffer is off.', finding);
    // A crashed MyISAM table shows no engine: it counts.
    const myisam = snap.tables.filter((t) => t.engine === null || t.engine.toLowerCase() === 'myisam').length;
    const indexes = myisamIndexBytes(snap.tables);
    const usedBytes = Math.max(0, size - (s(snap, 'Key_blocks_unused') ?? 0) * (v(snap, 'key_cache_block_size') ?? 1024));
    const usedPct = percent(usedBytes, size) ?? 0;
    if (myisam === 0 && usedBytes === 0) return findingResult('pass', `No MyISAM table: the key buffer (${formatBytes(size)}) caches nothing${size > 8 * MiB ? '; key_buffer_size could be lowered to give the memory to InnoDB' : ''}.`, finding, { myisamTables: 0 });
    const reads = s(snap, 'Key_read_requests') ?? 0;
    const writes = s(snap, 'Key_write_requests') ?? 0;
    const readHit = hitRate(s(snap, 'Key_reads'), reads);
    const writeHit = hitRate(s(snap, 'Key_writes'), writes);
    const facts = `${myisam} MyISAM table(s) with ${formatBytes(indexes)} of indexes; key buffer ${formatBytes(usedBytes)} used of ${formatBytes(size)} (${usedPct}%); ${rateText('read', readHit, reads)}; ${rateText('write', writeHit, writes)}`;
    const extra = { myisamTables: myisam, myisamIndexBytes: indexes, usedBytes, usedPercent: usedPct, readHitPercent: readHit, writeHitPercent: writeHit };
    const problems: string[] = [];
    if (missesMuch(readHit, reads)) problems.push('index reads go to disk');
    if (missesMuch(writeHit, writes)) problems.push('most index writes go to disk (delay_key_write helps MyISAM tables that take many writes)');
    if (problems.length > 0 && size < indexes) finding.suggested.push({ variable: 'key_buffer_size', value: String(roundUpMiB(indexes * 1.1)), dynamic: true });
    if (problems.length > 0) return findingResult('warn', `${facts}: ${problems.join('; ')}.`, finding, extra);
    // Oversized: mostly empty, and larger than twice what it holds or could hold.
    const need = Math.max(indexes, usedBytes);
    if (usedPct < KEY_USED_PCT && size > Math.max(2 * need, 8 * MiB)) {
      finding.suggested.push({ variable: 'key_buffer_size', value: String(Math.max(roundUpMiB(need * 1.2), 8 * MiB)), dynamic: true });
      return findingResult('warn', `${facts}: the key buffer is larger than the MyISAM indexes need; the memory could go to the InnoDB buffer pool.`, finding, extra);
    }
    return findingResult('pass', `${facts}.`, finding, extra);
  },
});

export const ariaPagecacheCheck: SnapshotCheck = snapshotCheck({
  id: 'mysql/aria-pagecache',
  title: 'Aria page cache hit rate',
  category: 'performance',
  severity: 'low',
  judge(snap) {
    const size = v(snap, 'aria_pagecache_buffer_size');
    const requests = s(snap, 'Aria_pagecache_read_requests') ?? 0;
    const finding = { variable: 'aria_pagecache_buffer_size', value: size, threshold: `read hit rate < ${KEY_HIT_PCT}% (from ${KEY_MIN_REQUESTS} requests)`, suggested: [] as Suggestion[] };
    if (size === null) return findingResult('skip', 'Not a MariaDB server with Aria.', finding);
    const hit = hitRate(s(snap, 'Aria_pagecache_reads'), requests);
    const facts = `Aria page cache ${formatBytes(size)}; ${rateText('read', hit, requests)}`;
    if (!missesMuch(hit, requests)) return findingResult('pass', `${facts}.`, finding, { readHitPercent: hit });
    // Not settable at runtime.
    finding.suggested.push({ variable: 'aria_pagecache_buffer_size', value: String(roundUpMiB(size * 2)), dynamic: false });
    return findingResult('warn', `${facts}: Aria tables (the system tables and internal temporary tables among them) are read from disk.`, finding, { readHitPercent: hit });
  },
});

/** The peak the server may take: above this share of the machine's memory... */
export const PEAK_MEMORY_PCT = 85;

/** What the server may allocate at peak: its global buffers plus every connection's buffers (MySQLTuner's sum). */
export function peakMemory(snap: ServerSnapshot): { global: number; perThread: number; maxConnections: number; peak: number } {
  const n = (name: string): number => v(snap, name) ?? 0;
  const global = n('key_buffer_size') + Math.max(n('tmp_table_size'), n('max_heap_table_size')) + n('innodb_buffer_pool_size') + n('innodb_log_buffer_size') + n('query_cache_size') + n('aria_pagecache_buffer_size');
  const perThread = n('read_buffer_size') + n('read_rnd_buffer_size') + n('sort_buffer_size') + n('thread_stack') + n('join_buffer_size') + n('binlog_cache_size');
  const maxConnections = n('max_connections');
  return { global, perThread, maxConnections, peak: global + perThread * maxConnections };
}

export const memoryCheck: SnapshotCheck = snapshotCheck({
  id: 'mysql/memory',
  title: 'Peak memory against the machine',
  category: 'system',
  severity: 'medium',
  async judge(snap, ctx) {
    const m = peakMemory(snap);
    const memory = await ctx.facts.memory().catch(() => null);
    const finding = { variable: 'global buffers + per-connection buffers x max_connections', value: m.peak, threshold: `> ${PEAK_MEMORY_PCT}% of the machine's memory`, suggested: [] as Suggestion[] };
    if (!memory || memory.totalBytes <= 0) return findingResult('skip', "The machine's memory could not be read.", finding);
    const pct = percent(m.peak, memory.totalBytes) ?? 0;
    const swap = memory.swapTotalBytes > 0 ? `${formatBytes(memory.swapTotalBytes)} of swap` : 'no swap: when memory runs out the kernel kills the server rather than slowing it';
    const sum = `At peak the server may take ${formatBytes(m.peak)} (${formatBytes(m.global)} of global buffers + ${formatBytes(m.perThread)} for each of ${m.maxConnections} connections), ${pct}% of the machine's ${formatBytes(memory.totalBytes)}; ${swap}`;
    const extra = { ...m, percent: pct, totalBytes: memory.totalBytes, swapTotalBytes: memory.swapTotalBytes };
    if (pct <= PEAK_MEMORY_PCT) return findingResult('pass', `${sum}.`, finding, extra);
    return findingResult('warn', `${sum}. Above ${PEAK_MEMORY_PCT}%: lower max_connections or the buffers before a busy hour meets the limit.`, finding, extra);
  },
});

export const settingsChecks: MysqlCheck[] = [keyBufferCheck, ariaPagecacheCheck, memoryCheck, nameResolutionCheck, performanceSchemaCheck];
