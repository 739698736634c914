/**
 * Every finding MySQLTuner prints on a server is found by this plugin on
 * the same server: first a fresh one (default settings), then the same
 * server broken the way the benchmark breaks it. MySQLTuner runs three
 * ways, as a user would read it: the text report (its `[!!]` lines, up to
 * where 1.9.9 divides by zero), the text report with `--skipsize` (which
 * gets past that) and `--json --skipsize` (its recommendations and
 * variables to adjust).
 *
 * Each MySQLTuner finding must match a rule below, and the rule's checks
 * must judge it: a non-passing result, or, where this plugin deliberately
 * judges otherwise (the reason is in the rule), a result whose message
 * states the same fact. A finding no rule matches fails the test: a gap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '@healer/core';
import { anonymousUser, crashTable, exhaustConnections, fragmentTable, runMysqltuner, startMariadb, type MysqltunerResult, type RunningMariadb } from '@healer/test-utils';
import { mysqlHealer } from './helpers/healer.js';

type Result = CheckResult & { id: string };

interface Rule {
  /** MySQLTuner's wording. */
  tuner: RegExp;
  /** The checks that judge the same thing. */
  checks: string[];
  /** Where this plugin judges otherwise: why, and what its message must still state. */
  otherwise?: { why: string; states: RegExp };
}

const RULES: Rule[] = [
  { tuner: /Highest connection usage|max_connections \(>/, checks: ['mysql/connections-used'] },
  { tuner: /wait_timeout \(<|interactive_timeout \(<|persistent connections/, checks: ['mysql/connections-used'], otherwise: { why: 'advice that comes with the connections finding', states: /wait_timeout/ } },
  { tuner: /Aborted connections|Aborted_connects|connect_timeout/, checks: ['mysql/aborted-connects'] },
  { tuner: /slow queries|Slow queries|long_query_time/i, checks: ['mysql/slow-queries'] },
  { tuner: /Temporary tables created on disk|tmp_table_size|max_heap_table_size/, checks: ['mysql/tmp-disk-tables'] },
  { tuner: /Thread cache|thread_cache_size/, checks: ['mysql/thread-cache'] },
  { tuner: /Table cache hit rate|table_open_cache|table_definition_cache/, checks: ['mysql/table-cache'] },
  { tuner: /open_files_limit|Open file limit/, checks: ['mysql/open-files'] },
  { tuner: /InnoDB buffer pool \/ data size|innodb_buffer_pool_size|InnoDB Read buffer efficiency/, checks: ['mysql/innodb-buffer-pool'] },
  {
    tuner: /Ratio InnoDB log file size|innodb_log_file_size/,
    checks: ['mysql/redo-log'],
    // MySQLTuner wants the redo log at 20-30% of the pool; a larger one only lengthens crash recovery, MariaDB's own default is 75%.
    otherwise: { why: 'a redo log above 25% of the pool is not a fault', states: /redo log \(.+\) is \d+(\.\d+)?% of the buffer pool/ },
  },
  {
    tuner: /EOL software|unsupported version|supported version/,
    checks: ['mysql/version-eol'],
    // MySQLTuner 1.9.9's list of supported series predates MariaDB 10.11, whose vendor supports it until 2028.
    otherwise: { why: "the vendor's published end of support", states: /supported until \d{4}-\d{2}-\d{2}/ },
  },
  { tuner: /error\(s\)|Check error line/, checks: ['mysql/error-log'], otherwise: { why: 'errors before the last start are history', states: /error line\(s\) before it/ } },
  { tuner: /warning\(s\)|Check warning line/, checks: ['mysql/error-log'], otherwise: { why: 'warnings are counted, not judged', states: /\d+ warning line\(s\)/ } },
  { tuner: /fragmented tables|OPTIMIZE TABLE/i, checks: ['mysql/fragmentation'] },
  { tuner: /anonymous account|Anonymous User/i, checks: ['mysql/security'] },
  { tuner: /has no password|without password|can log in from any host|'%'/i, checks: ['mysql/security'] },
  { tuner: /crashed|corrupt/i, checks: ['mysql/crashed-tables'] },
  { tuner: /Name resolution is active|skip-name-resolve|ip or subnets/, checks: ['mysql/name-resolution'] },
  { tuner: /Performance.schema/i, checks: ['mysql/performance-schema'] },
  { tuner: /Aria pagecache|aria_pagecache/i, checks: ['mysql/aria-pagecache'], otherwise: { why: 'hit rates of a few requests are noise', states: /hit rate [\d.]+% of \d+ \(too few to judge\)/ } },
  {
    tuner: /InnoDB is enabled but isn't being used|No tables are Innodb/i,
    checks: ['mysql/innodb-buffer-pool'],
    // MySQLTuner then suggests turning InnoDB off; MariaDB needs it, and the next CREATE TABLE uses it.
    otherwise: { why: 'InnoDB stays on', states: /No InnoDB table outside the system schema/ },
  },
  { tuner: /Key buffer|key_buffer_size/i, checks: ['mysql/key-buffer'], otherwise: { why: 'hit rates of a few requests are noise', states: /hit rate [\d.]+% of \d+ \(too few to judge\)/ } },
  { tuner: /swap space/, checks: ['mysql/memory'], otherwise: { why: 'no swap is a choice; the peak is what matters', states: /swap/ } },
  { tuner: /Maximum possible memory usage|memory footprint|Maximum reached memory/, checks: ['mysql/memory'] },
  {
    tuner: /started within the last 24 hours/,
    checks: ['mysql/aborted-connects', 'mysql/slow-queries', 'mysql/tmp-disk-tables', 'mysql/thread-cache', 'mysql/table-cache'],
    otherwise: { why: 'a caveat on counters: each counter check says how long it counted', states: /since the server started: less than a day/ },
  },
];

/** MySQLTuner's findings on the server: `[!!]` lines of both text runs, recommendations and adjustments of the JSON run. */
async function tunerFindings(db: RunningMariadb): Promise<{ findings: string[]; runs: MysqltunerResult[] }> {
  const target = { port: db.port, user: db.user, password: db.password };
  const runs = await Promise.all([runMysqltuner({ ...target, format: 'text' }), runMysqltuner({ ...target, format: 'text', skipSize: true }), runMysqltuner({ ...target, skipSize: true })]);
  const findings = new Set<string>();
  for (const r of runs) for (const line of [...r.warnings, ...r.recommendations, ...r.adjustments]) findings.add(line);
  return { findings: [...findings], runs };
}

/** The findings no rule covers, or whose rule's checks do not judge them. */
function uncovered(findings: readonly string[], results: readonly Result[]): string[] {
  const gaps: string[] = [];
  for (const finding of findings) {
    const rule = RULES.find((r) => r.tuner.test(finding));
    if (!rule) {
      gaps.push(`no rule: ${finding}`);
      continue;
    }
    const judged = results.filter((r) => rule.checks.includes(r.id));
    const found = judged.some((r) => r.status === 'warn' || r.status === 'fail') || (rule.otherwise !== undefined && judged.some((r) => rule.otherwise!.states.test(r.message)));
    if (!found) gaps.push(`${finding}  <-  ${judged.map((r) => `${r.id} ${r.status}: ${r.message}`).join(' | ') || `none of ${rule.checks.join(', ')} ran`}`);
  }
  return gaps;
}

let db: RunningMariadb;

beforeAll(async () => {
  db = await startMariadb({ serverOptions: { max_connections: 40, slow_query_log: true, long_query_time: 0.05 } });
}, 120_000);

afterAll(async () => {
  await db?.cleanup();
});

async function diagnose(): Promise<Result[]> {
  const healer = mysqlHealer({ config: { servers: { tuner: { dataDir: db.dataDir, user: db.user, password: db.password, host: db.host, port: db.port, socket: db.socket } }, longQuerySeconds: 1 } });
  try {
    return (await healer.diagnose(db.dataDir)).results as Result[];
  } finally {
    await healer.close();
  }
}

describe("MySQLTuner's findings, found here too", () => {
  it('a fresh server: no check fails, and every MySQLTuner finding is judged', async () => {
    const [{ findings, runs }, results] = await Promise.all([tunerFindings(db), diagnose()]);
    // MySQLTuner ran: its text report printed findings before (or without) dying.
    expect(runs[0]!.warnings.length, runs[0]!.error).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => `${r.id}: ${r.message}`)).toEqual([]);
    expect(uncovered(findings, results)).toEqual([]);
  }, 240_000);

  it('the server broken as the benchmark breaks it: every MySQLTuner finding is judged', async () => {
    await crashTable(db, 'shop', 'orders', 'MyISAM');
    await fragmentTable(db, 'shop', 'events');
    await anonymousUser(db);
    for (let i = 0; i < 5; i++) await db.sql('SELECT SLEEP(0.1)');
    const held = await exhaustConnections(db, 0.9);
    try {
      const [{ findings }, results] = await Promise.all([tunerFindings(db), diagnose()]);
      const failing = results.filter((r) => r.status === 'fail').map((r) => r.id);
      expect(failing).toEqual(expect.arrayContaining(['mysql/connections-used', 'mysql/crashed-tables', 'mysql/security']));
      expect(findings.some((f) => /anonymous/i.test(f))).toBe(true);
      expect(uncovered(findings, results)).toEqual([]);
    } finally {
      await held.close();
    }
  }, 300_000);
});
