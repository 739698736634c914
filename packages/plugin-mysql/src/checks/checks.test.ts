/**
 * Every snapshot check on parsed fixtures: the thresholds (MySQLTuner's),
 * each finding naming variable, value, threshold and suggested setting, and
 * zero counters everywhere (a fresh server, where MySQLTuner 1.9.9 divides
 * by zero) giving no failure and no throw.
 */
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '@healer/core';
import { mysqlConfigSchema } from '../config.js';
import type { ServerSnapshot } from '../snapshot.js';
import type { MysqlCheckContext, SnapshotCheck } from './shared.js';
import { bufferPoolCheck, redoLogCheck } from './innodb.js';
import { longQueriesCheck, replicationCheck, securityCheck, versionEolCheck } from './server.js';
import { abortedConnectsCheck, connectionsUsedCheck, openFilesCheck, slowQueriesCheck, tableCacheCheck, threadCacheCheck, tmpDiskTablesCheck } from './status.js';
import { fragmentationCheck, tableInLogLine, logLineTime } from './tables.js';
import { ariaPagecacheCheck, isHostName, keyBufferCheck, memoryCheck, nameResolutionCheck, performanceSchemaCheck } from './settings.js';
import { splitAtLastStart } from './error-log.js';

const GiB = 1024 ** 3;
const roundMiB = (b: number): number => Math.ceil(b / 1024 ** 2) * 1024 ** 2;
const MiB = 1024 ** 2;

/** A healthy MariaDB 10.11 after some traffic; tests override what they judge. */
function snapshot(over: { status?: Record<string, string | number>; variables?: Record<string, string | number>; rest?: Partial<ServerSnapshot> } = {}): ServerSnapshot {
  const str = (r: Record<string, string | number>): Record<string, string> => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]));
  return {
    status: str({
      Max_used_connections: 20, Aborted_connects: 1, Connections: 1000, Slow_queries: 2, Questions: 10_000, Created_tmp_disk_tables: 10, Created_tmp_tables: 100,
      Threads_created: 30, Table_open_cache_hits: 9000, Table_open_cache_misses: 200, Open_tables: 200, Opened_tables: 250, Open_files: 40, Uptime: 200_000,
      Key_blocks_unused: 6000, Key_read_requests: 5000, Key_reads: 10, Key_write_requests: 2000, Key_writes: 20, Aria_pagecache_read_requests: 50_000, Aria_pagecache_reads: 100, ...over.status,
    }),
    variables: str({
      version: '10.11.19-MariaDB-0+deb12u1', max_connections: 151, connect_timeout: 10, slow_query_log: 'OFF', long_query_time: 10, tmp_table_size: 16 * MiB, max_heap_table_size: 16 * MiB,
      thread_cache_size: 151, table_open_cache: 2000, open_files_limit: 32_000, innodb_buffer_pool_size: 128 * MiB, innodb_log_file_size: 96 * MiB, innodb_file_per_table: 'ON',
      key_buffer_size: 8 * MiB, key_cache_block_size: 1024, aria_pagecache_buffer_size: 128 * MiB, skip_name_resolve: 'ON', performance_schema: 'ON', sort_buffer_size: 2 * MiB, join_buffer_size: 256 * 1024, ...over.variables,
    }),
    processes: [],
    replication: [],
    accounts: [{ user: 'root', host: 'localhost', plugin: 'mysql_native_password', hasPassword: true, locked: false }],
    tables: [{ schema: 'shop', name: 'orders', engine: 'InnoDB', dataBytes: 10 * MiB, indexBytes: 2 * MiB, freeBytes: 0 }],
    errors: [],
    ...over.rest,
  };
}

const ctx = { config: mysqlConfigSchema.parse({}), facts: { memory: async () => ({ totalBytes: 8 * GiB, availableBytes: 4 * GiB, swapTotalBytes: 0, swapFreeBytes: 0 }) } } as unknown as MysqlCheckContext;
const judge = (check: SnapshotCheck, snap: ServerSnapshot): Promise<CheckResult> => Promise.resolve(check.judge(snap, ctx));

const ALL: SnapshotCheck[] = [connectionsUsedCheck, abortedConnectsCheck, slowQueriesCheck, tmpDiskTablesCheck, threadCacheCheck, tableCacheCheck, openFilesCheck, bufferPoolCheck, redoLogCheck, versionEolCheck, longQueriesCheck, replicationCheck, securityCheck, fragmentationCheck, keyBufferCheck, ariaPagecacheCheck, memoryCheck, nameResolutionCheck, performanceSchemaCheck];

describe('zero counters (a fresh server)', () => {
  it('no check divides by zero, throws or fails when every counter and limit is 0', async () => {
    const zero = (r: Record<string, string>) => Object.fromEntries(Object.keys(r).map((k) => [k, k === 'version' || k.endsWith('_log') || k === 'innodb_file_per_table' ? r[k]! : '0']));
    const base = snapshot();
    const snap = { ...base, status: zero(base.status), variables: { ...zero(base.variables), thread_cache_size: '8' }, tables: [] };
    for (const check of ALL) {
      const r = await judge(check, snap);
      expect(['pass', 'skip', 'warn'], `${check.id}: ${r.message}`).toContain(r.status);
      expect(r.message).not.toMatch(/NaN|Infinity/);
    }
  });

  it('nothing judged when the counters are absent altogether', async () => {
    const snap = { ...snapshot(), status: {}, variables: { version: '10.11.19-MariaDB' } };
    for (const check of ALL) expect(['pass', 'skip'], check.id).toContain((await judge(check, snap)).status);
  });

  it('a healthy snapshot passes every check', async () => {
    for (const check of ALL) expect((await judge(check, snapshot())).status, check.id).toBe('pass');
  });
});

describe('thresholds and findings', () => {
  it('connections used above 85% of max_connections: fail, suggesting more', async () => {
    expect((await judge(connectionsUsedCheck, snapshot({ status: { Max_used_connections: 128 } }))).status).toBe('pass');
    const r = await judge(connectionsUsedCheck, snapshot({ status: { Max_used_connections: 130 } }));
    expect(r).toMatchObject({ status: 'fail', fixes: ['mysql/set-global'], details: { variable: 'Max_used_connections', value: 130, threshold: '> 85% of max_connections', suggested: [{ variable: 'max_connections', value: '186', dynamic: true }], verifiable: true } });
    expect(r.message).toContain('max_connections = 186');
  });

  it('aborted connects above 3%', async () => {
    expect((await judge(abortedConnectsCheck, snapshot({ status: { Aborted_connects: 30 } }))).status).toBe('pass');
    expect(await judge(abortedConnectsCheck, snapshot({ status: { Aborted_connects: 31 } }))).toMatchObject({ status: 'warn', details: { variable: 'Aborted_connects', value: 31, percent: 3.1 } });
  });

  it('slow queries above 5%, suggesting the slow log when it is off', async () => {
    expect((await judge(slowQueriesCheck, snapshot({ status: { Slow_queries: 500 } }))).status).toBe('pass');
    const r = await judge(slowQueriesCheck, snapshot({ status: { Slow_queries: 501 } }));
    expect(r).toMatchObject({ status: 'warn', details: { slow_query_log: 'OFF', suggested: [{ variable: 'slow_query_log', value: 'ON' }], verifiable: false } });
    // Slow_queries counts since startup: turning the log on cannot make this pass, so no heal is planned for it.
    expect(r.fixes).toBeUndefined();
    expect(r.message).toContain('counted since the server started');
    const logged = await judge(slowQueriesCheck, snapshot({ status: { Slow_queries: 501 }, variables: { slow_query_log: 'ON' } }));
    expect(logged).toMatchObject({ status: 'warn', details: { suggested: [] } });
    expect(logged.fixes).toBeUndefined();
  });

  it('temporary tables on disk above 25%: both size limits doubled together (advice: the counters are since startup)', async () => {
    expect((await judge(tmpDiskTablesCheck, snapshot({ status: { Created_tmp_disk_tables: 25 } }))).status).toBe('pass');
    const r = await judge(tmpDiskTablesCheck, snapshot({ status: { Created_tmp_disk_tables: 26 } }));
    expect(r).toMatchObject({
      status: 'warn',
      details: { suggested: [{ variable: 'tmp_table_size', value: String(32 * MiB) }, { variable: 'max_heap_table_size', value: String(32 * MiB) }] },
    });
    expect(r.fixes).toBeUndefined();
  });

  it('thread cache off, or a hit rate at or below 50%', async () => {
    expect(await judge(threadCacheCheck, snapshot({ variables: { thread_cache_size: 0 } }))).toMatchObject({ status: 'warn', details: { suggested: [{ variable: 'thread_cache_size', value: '16' }] } });
    expect(await judge(threadCacheCheck, snapshot({ status: { Threads_created: 500 }, variables: { thread_cache_size: 8 } }))).toMatchObject({ status: 'warn', details: { hitPercent: 50 } });
    expect((await judge(threadCacheCheck, snapshot({ status: { Threads_created: 499 } }))).status).toBe('pass');
    // Too few connections to judge.
    expect((await judge(threadCacheCheck, snapshot({ status: { Threads_created: 50, Connections: 50 } }))).status).toBe('pass');
  });

  it('table cache hit rate below 20%, from the hit counters or else Open_tables / Opened_tables', async () => {
    expect(await judge(tableCacheCheck, snapshot({ status: { Table_open_cache_hits: 19, Table_open_cache_misses: 81 } }))).toMatchObject({ status: 'warn', details: { value: 19, suggested: [{ variable: 'table_open_cache', value: '4000' }] } });
    const old = snapshot({ status: { Open_tables: 100, Opened_tables: 1000 } });
    delete old.status['Table_open_cache_hits'];
    delete old.status['Table_open_cache_misses'];
    expect(await judge(tableCacheCheck, old)).toMatchObject({ status: 'warn', details: { variable: 'Open_tables / Opened_tables', value: 10 } });
  });

  it('open files above 85% of the limit: fail, the limit only settable in the option file', async () => {
    const r = await judge(openFilesCheck, snapshot({ status: { Open_files: 900 }, variables: { open_files_limit: 1000 } }));
    expect(r).toMatchObject({ status: 'fail', details: { suggested: [{ variable: 'open_files_limit', value: '1500', dynamic: false }] } });
    expect(r.fixes).toBeUndefined();
    expect(r.message).toContain('in the option file');
  });

  it('a buffer pool smaller than the InnoDB data, capped at 75% of memory', async () => {
    const big = { tables: [{ schema: 's', name: 't', engine: 'InnoDB', dataBytes: 200 * MiB, indexBytes: 50 * MiB, freeBytes: 0 }] };
    expect(await judge(bufferPoolCheck, snapshot({ rest: big }))).toMatchObject({ status: 'warn', fixes: ['mysql/set-global'], details: { innodbBytes: 250 * MiB, suggested: [{ variable: 'innodb_buffer_pool_size', value: String(275 * MiB) }] } });
    const huge = { tables: [{ schema: 's', name: 't', engine: 'InnoDB', dataBytes: 100 * GiB, indexBytes: 0, freeBytes: 0 }] };
    expect(await judge(bufferPoolCheck, snapshot({ rest: huge }))).toMatchObject({ details: { suggested: [{ value: String(6 * GiB) }] } });
  });

  it('a redo log under 25% of the pool; MariaDB 10.11 resizes it at runtime, 10.5 does not', async () => {
    const r = await judge(redoLogCheck, snapshot({ variables: { innodb_buffer_pool_size: GiB, innodb_log_file_size: 128 * MiB } }));
    expect(r).toMatchObject({ status: 'warn', details: { variable: 'innodb_log_file_size', percent: 12.5, suggested: [{ variable: 'innodb_log_file_size', value: String(256 * MiB), dynamic: true }] } });
    const old = await judge(redoLogCheck, snapshot({ variables: { version: '10.5.23-MariaDB', innodb_buffer_pool_size: GiB, innodb_log_file_size: 128 * MiB } }));
    expect(old).toMatchObject({ details: { suggested: [{ dynamic: false }] } });
    const mysql = await judge(redoLogCheck, snapshot({ variables: { version: '8.0.36', innodb_buffer_pool_size: GiB, innodb_redo_log_capacity: 100 * MiB } }));
    expect(mysql).toMatchObject({ details: { variable: 'innodb_redo_log_capacity', suggested: [{ variable: 'innodb_redo_log_capacity', dynamic: true }] } });
  });

  it('end of support: past fails, near warns, unknown is not judged', async () => {
    expect((await judge(versionEolCheck, snapshot({ variables: { version: '10.4.34-MariaDB' } }))).status).toBe('fail');
    expect((await judge(versionEolCheck, snapshot({ variables: { version: '5.7.44-log' } }))).status).toBe('fail');
    expect((await judge(versionEolCheck, snapshot({ variables: { version: '10.11.19-MariaDB' } }))).status).toBe('pass');
    expect((await judge(versionEolCheck, snapshot({ variables: { version: '99.1.0-MariaDB' } }))).status).toBe('skip');
  });

  it('long queries: only Query threads of clients, above the threshold', async () => {
    const p = (id: number, time: number, command = 'Query', user = 'app') => ({ id, user, host: 'localhost', db: 'shop', command, time, state: 'Sending data', info: 'SELECT SLEEP(1000)' });
    const r = await judge(longQueriesCheck, snapshot({ rest: { processes: [p(1, 301), p(2, 10), p(3, 9999, 'Sleep'), p(4, 9999, 'Query', 'system user')] } }));
    expect(r).toMatchObject({ status: 'warn', fixes: ['mysql/kill-query'], details: { value: 301, threshold: '> 300 s (longQuerySeconds)', queries: [{ id: 1, seconds: 301 }] } });
    expect((await judge(longQueriesCheck, snapshot({ rest: { processes: null } }))).status).toBe('skip');
  });

  it('replication stopped fails, lagging warns', async () => {
    const row = (io: string, sqlRunning: string, lag: string | null) => ({ Connection_name: '', Slave_IO_Running: io, Slave_SQL_Running: sqlRunning, Seconds_Behind_Master: lag, Last_Error: '' });
    expect((await judge(replicationCheck, snapshot({ rest: { replication: [row('Yes', 'No', null)] } }))).status).toBe('fail');
    expect((await judge(replicationCheck, snapshot({ rest: { replication: [row('Yes', 'Yes', '301')] } }))).status).toBe('warn');
    expect((await judge(replicationCheck, snapshot({ rest: { replication: [row('Yes', 'Yes', '3')] } }))).status).toBe('pass');
  });

  it('security: anonymous accounts, empty passwords and root from anywhere fail; locked and socket accounts do not', async () => {
    const a = (user: string, host: string, plugin: string, hasPassword: boolean, locked = false) => ({ user, host, plugin, hasPassword, locked });
    const ok = await judge(securityCheck, snapshot({ rest: { accounts: [a('mariadb.sys', 'localhost', 'mysql_native_password', false, true), a('root', 'localhost', 'unix_socket', false)] } }));
    expect(ok.status).toBe('pass');
    const bad = await judge(securityCheck, snapshot({ rest: { accounts: [a('', 'localhost', 'mysql_native_password', false), a('app', '%', 'mysql_native_password', false), a('root', '%', 'mysql_native_password', true)] } }));
    expect(bad).toMatchObject({ status: 'fail', details: { anonymous: 1, withoutPassword: ['app@%'], rootFromAnyHost: true } });
  });

  it('fragmentation: tables larger than 100 MB with more than 10% free', async () => {
    const t = (name: string, data: number, free: number, engine = 'InnoDB') => ({ schema: 'shop', name, engine, dataBytes: data, indexBytes: 0, freeBytes: free });
    // a: 601 MiB, 17% free; b: 7% free; c: 60 MiB in all; d: 127 MiB, 38% free (a bulk delete).
    const tables = [t('a', 500 * MiB, 101 * MiB), t('b', 2 * GiB, 150 * MiB), t('c', 10 * MiB, 50 * MiB), t('d', 79 * MiB, 48 * MiB)];
    const r = await judge(fragmentationCheck, snapshot({ rest: { tables } }));
    expect(r).toMatchObject({ status: 'warn', fixes: ['mysql/optimize-table'], details: { tables: [{ table: 'shop.a', freeBytes: 101 * MiB }, { table: 'shop.d', freeBytes: 48 * MiB }] } });
    expect(r.details?.['tables']).toHaveLength(2);
    const large = await judge(fragmentationCheck, snapshot({ rest: { tables: [t('big', 2 * GiB, 1 * GiB)] } }));
    expect(large.fixes).toEqual(['mysql/optimize-large-table']);
    // Shared tablespace: InnoDB free space is not the table's.
    expect((await judge(fragmentationCheck, snapshot({ variables: { innodb_file_per_table: 'OFF' }, rest: { tables: [t('a', 500 * MiB, 101 * MiB)] } }))).status).toBe('pass');
  });
});

describe('settings: key buffer, Aria page cache, memory, name resolution, performance_schema', () => {
  const myisam = (indexBytes: number) => ({ tables: [{ schema: 'shop', name: 'log', engine: 'MyISAM', dataBytes: 50 * MiB, indexBytes, freeBytes: 0 }] });

  it('key buffer: a poor read hit rate from enough requests warns and, when smaller than the indexes, suggests their size', async () => {
    const r = await judge(keyBufferCheck, snapshot({ status: { Key_read_requests: 10_000, Key_reads: 2000, Key_blocks_unused: 0 }, rest: myisam(40 * MiB) }));
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/index reads go to disk/);
    expect(r.details).toMatchObject({ suggested: [{ variable: 'key_buffer_size', value: String(44 * MiB), dynamic: true }], readHitPercent: 80 });
  });

  it('key buffer: a poor rate from a few requests is not judged, and says so', async () => {
    const r = await judge(keyBufferCheck, snapshot({ status: { Key_write_requests: 21, Key_writes: 20, Key_blocks_unused: 0 }, rest: myisam(4 * MiB) }));
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/write hit rate 4\.8% of 21 \(too few to judge\)/);
  });

  it('key buffer: mostly empty and far larger than the indexes warns, suggesting a size above what it holds', async () => {
    // 128 MiB, 23 MiB used (a crashed table, engine unknown, holds them).
    const r = await judge(keyBufferCheck, snapshot({ variables: { key_buffer_size: 128 * MiB }, status: { Key_blocks_unused: (105 * MiB) / 1024 }, rest: { tables: [{ schema: 'shop', name: 'orders', engine: null, dataBytes: 0, indexBytes: 0, freeBytes: 0 }] } }));
    expect(r.status).toBe('warn');
    expect(r.details).toMatchObject({ suggested: [{ variable: 'key_buffer_size', value: String(roundMiB(23 * MiB * 1.2)) }] });
  });

  it('Aria page cache: a poor hit rate from enough requests warns; its size is set in the option file', async () => {
    const r = await judge(ariaPagecacheCheck, snapshot({ status: { Aria_pagecache_read_requests: 10_000, Aria_pagecache_reads: 3000 } }));
    expect(r).toMatchObject({ status: 'warn', details: { suggested: [{ variable: 'aria_pagecache_buffer_size', dynamic: false }] } });
    expect(r.fixes).toBeUndefined();
  });

  it('memory: a peak above 85% of the machine warns and names the swap', async () => {
    // 151 connections x (2 MiB + 256 KiB) + 128 MiB + 16 MiB + 8 MiB + 128 MiB: 0.6 GiB of 8 GiB.
    expect((await judge(memoryCheck, snapshot())).message).toMatch(/no swap/);
    const r = await judge(memoryCheck, snapshot({ variables: { max_connections: 4000, sort_buffer_size: 2 * MiB } }));
    expect(r.status).toBe('warn');
    expect(r.details?.['percent']).toBeGreaterThan(85);
  });

  it('name resolution on warns, naming accounts that name their host; performance_schema off warns', async () => {
    const accounts = [
      { user: 'app', host: 'web1.example.test', plugin: 'mysql_native_password', hasPassword: true, locked: false },
      { user: 'app', host: '10.0.%', plugin: 'mysql_native_password', hasPassword: true, locked: false },
    ];
    const r = await judge(nameResolutionCheck, snapshot({ variables: { skip_name_resolve: 'OFF' }, rest: { accounts } }));
    expect(r).toMatchObject({ status: 'warn', details: { accountsByHostName: ["'app'@'web1.example.test'"], suggested: [{ variable: 'skip_name_resolve', value: 'ON', dynamic: false }] } });
    expect([isHostName('localhost'), isHostName('%'), isHostName('192.168.1.%'), isHostName('::1'), isHostName('db.internal')]).toEqual([false, false, false, false, true]);
    expect((await judge(performanceSchemaCheck, snapshot({ variables: { performance_schema: 'OFF' } }))).status).toBe('warn');
  });
});

describe('error-log lines', () => {
  it('names the table and the time of a crash line', () => {
    const line = "2026-12-06 23:32:31 5 [ERROR] mariadbd: Table './shop/orders' is marked as crashed and should be repaired";
    expect(tableInLogLine(line)).toBe('shop.orders');
    expect(logLineTime(line)?.getFullYear()).toBe(2026);
    expect(tableInLogLine('InnoDB: Page [page id: space=5, page number=3] log sequence number is in the future')).toBeNull();
  });

  it('splits the tail at the last start: errors before it are history', () => {
    const lines = ['2026-12-06 10:00:00 0 [ERROR] old', '2026-12-06 11:00:00 0 [Note] Starting MariaDB 10.11.19-MariaDB source revision as process 42', '2026-12-06 11:00:01 0 [ERROR] new'];
    expect(splitAtLastStart(lines)).toEqual({ before: [lines[0]], current: lines.slice(1) });
    expect(splitAtLastStart(['x [ERROR] y']).current).toEqual(['x [ERROR] y']);
  });
});
