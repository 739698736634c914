/**
 * InnoDB sizing: a buffer pool smaller than the InnoDB data and indexes it
 * caches, and a redo log small against the pool (MySQLTuner: the log should
 * be 25% of the pool).
 */
import { formatBytes, numberOf, percent, roundUpMiB } from '../ratios.js';
import { findingResult, snapshotCheck, type MysqlCheck, type SnapshotCheck, type Suggestion } from './shared.js';

/** Bytes of InnoDB data and indexes, from the table list. */
export function innodbBytes(tables: ReadonlyArray<{ engine: string | null; dataBytes: number; indexBytes: number }>): number {
  return tables.filter((t) => t.engine?.toLowerCase() === 'innodb').reduce((sum, t) => sum + t.dataBytes + t.indexBytes, 0);
}

export const bufferPoolCheck: SnapshotCheck = snapshotCheck({
  id: 'mysql/innodb-buffer-pool',
  title: 'InnoDB buffer pool against the InnoDB data',
  category: 'performance',
  severity: 'medium',
  async judge(snap, ctx) {
    const pool = numberOf(snap.variables, 'innodb_buffer_pool_size');
    const finding = { variable: 'innodb_buffer_pool_size', value: pool, threshold: 'smaller than the InnoDB data and indexes', suggested: [] as Suggestion[], verifiable: true };
    if (snap.tables === null || pool === null) return findingResult('skip', 'The table sizes or innodb_buffer_pool_size could not be read.', finding);
    const data = innodbBytes(snap.tables);
    if (innodbBytes(snap.tables.filter((t) => t.schema !== 'mysql')) === 0 && pool >= data) {
      return findingResult('pass', `No InnoDB table outside the system schema yet: the buffer pool (${formatBytes(pool)}) holds the ${formatBytes(data)} there.`, finding, { innodbBytes: data });
    }
    if (pool >= data) return findingResult('pass', `The buffer pool (${formatBytes(pool)}) holds all InnoDB data and indexes (${formatBytes(data)}).`, finding, { innodbBytes: data });
    // Never more than 75% of the machine's memory.
    const memory = await ctx.facts.memory().catch(() => null);
    const cap = memory ? Math.floor((memory.totalBytes * 0.75) / 1024 ** 2) * 1024 ** 2 : Infinity;
    const want = Math.min(roundUpMiB(data * 1.1), cap);
    if (want > pool) finding.suggested.push({ variable: 'innodb_buffer_pool_size', value: String(want), dynamic: true });
    return findingResult('warn', `The buffer pool (${formatBytes(pool)}) is smaller than the InnoDB data and indexes (${formatBytes(data)}): reads go to disk.`, finding, { innodbBytes: data });
  },
});

/** The redo log should be at least this share of the buffer pool. */
export const REDO_LOG_PCT = 25;

/** The redo log's total size: `innodb_redo_log_capacity` (MySQL 8.0.30+), else file size times files. */
export function redoLogBytes(variables: Record<string, string>): { bytes: number | null; variable: string } {
  const capacity = numberOf(variables, 'innodb_redo_log_capacity');
  if (capacity !== null) return { bytes: capacity, variable: 'innodb_redo_log_capacity' };
  const size = numberOf(variables, 'innodb_log_file_size');
  const files = numberOf(variables, 'innodb_log_files_in_group') ?? 1;
  return { bytes: size === null ? null : size * files, variable: 'innodb_log_file_size' };
}

export const redoLogCheck: SnapshotCheck = snapshotCheck({
  id: 'mysql/redo-log',
  title: 'InnoDB redo log size against the buffer pool',
  category: 'performance',
  severity: 'low',
  judge(snap) {
    const pool = numberOf(snap.variables, 'innodb_buffer_pool_size');
    const log = redoLogBytes(snap.variables);
    const pct = percent(log.bytes, pool);
    const finding = { variable: log.variable, value: log.bytes, threshold: `< ${REDO_LOG_PCT}% of innodb_buffer_pool_size`, suggested: [] as Suggestion[], verifiable: true };
    if (pct === null || log.bytes === null || pool === null) return findingResult('skip', 'The redo log or buffer pool size could not be read.', finding);
    if (pct >= REDO_LOG_PCT) return findingResult('pass', `The redo log (${formatBytes(log.bytes)}) is ${pct}% of the buffer pool (${formatBytes(pool)}).`, finding, { percent: pct });
    const files = log.variable === 'innodb_log_file_size' ? (numberOf(snap.variables, 'innodb_log_files_in_group') ?? 1) : 1;
    // Resizable at runtime: MariaDB 10.9+ (innodb_log_file_size, one file), MySQL 8.0.30+ (innodb_redo_log_capacity).
    const dynamic = log.variable === 'innodb_redo_log_capacity' || (snap.variables['version']?.includes('MariaDB') === true && files === 1 && !/^10\.[0-8]\./.test(snap.variables['version'] ?? ''));
    finding.suggested.push({ variable: log.variable, value: String(roundUpMiB((pool * REDO_LOG_PCT) / 100 / files)), dynamic });
    return findingResult('warn', `The redo log (${formatBytes(log.bytes)}) is ${pct}% of the buffer pool (${formatBytes(pool)}), under ${REDO_LOG_PCT}%: frequent checkpoints slow writes.`, finding, { percent: pct });
  },
});

export const innodbChecks: MysqlCheck[] = [bufferPoolCheck, redoLogCheck];
