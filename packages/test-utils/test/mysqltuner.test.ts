import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariadb, type RunningMariadb } from '../src/mariadb.js';
import { anonymousUser, emptyPasswordUser } from '../src/mariadb-states.js';
import { parseJsonReport, parseTextReport, runMysqltuner } from '../src/mysqltuner.js';

describe('runMysqltuner against a private MariaDB', () => {
  let db: RunningMariadb;
  let passwords: string;
  /** MySQLTuner 1.9.9 divides by zero in its InnoDB section on MariaDB 10.5 and later (later releases may not). */
  let divides: boolean;
  beforeAll(async () => {
    db = await startMariadb({ serverOptions: { max_connections: 40 } });
    passwords = join(db.dir, 'weak-passwords.txt');
    await fsp.writeFile(passwords, 'password\nsecret\n');
    const [major, minor] = db.version.split('.').map(Number) as [number, number];
    const help = await new Promise<string>((resolve) => execFile('mysqltuner', ['--help'], (_err, stdout) => resolve(stdout)));
    divides = /MySQLTuner 1\.9\.9\b/.test(help) && (major > 10 || (major === 10 && minor >= 5));
  });
  afterAll(async () => {
    await db?.cleanup();
  });
  const target = (): { port: number; user: string; password: string } => ({ port: db.port, user: db.user, password: db.password });

  it('returns the division by zero of a fresh MariaDB as a result, with the elapsed time', async () => {
    const r = await runMysqltuner({ ...target(), passwordFile: passwords });
    expect(r.elapsedMs).toBeGreaterThan(0);
    if (divides) {
      expect(r.outcome).toBe('division-by-zero');
      expect(r.error).toMatch(/^Illegal (division|modulus) by zero at \S+ line \d+\.?$/);
      expect(r.report).toBeNull();
    } else {
      expect(r.outcome).toBe('ok');
    }
  });

  it('reads the JSON report when the table scan is skipped: recommendations and the variables it flags, from this server', async () => {
    const anon = await anonymousUser(db);
    try {
      const r = await runMysqltuner({ ...target(), skipSize: true, passwordFile: passwords });
      expect(r.outcome).toBe('ok');
      expect(r.exitCode).toBe(0);
      expect(r.version).toMatch(/^\d+\.\d+\.\d+$/);
      // Our anonymous account, so this is the private server's report.
      expect(r.recommendations).toContain('Remove Anonymous User accounts - there are 1 anonymous accounts.');
      const variables = r.report?.['Variables'] as Record<string, unknown>;
      expect(String(variables['port'])).toBe(String(db.port));
      expect(String(variables['max_connections'])).toBe('40');
      // The private server runs without the performance schema, which MySQLTuner always asks for.
      expect(r.adjustments).toContain('performance_schema=ON');
      expect(r.variables).toContain('performance_schema');
      // Every flagged variable is a real server variable named in an adjustment.
      for (const v of r.variables) {
        expect(r.adjustments.some((a) => a.replace(/-/g, '_').includes(v))).toBe(true);
        expect(Object.keys(variables)).toContain(v);
      }
    } finally {
      await anon.drop();
    }
  });

  it('keeps the [!!] warnings of the text report, those printed before a crash included, and finds weak passwords from the given list', async () => {
    const weak = await emptyPasswordUser(db, 'healer_weak');
    await db.sql("ALTER USER healer_weak@localhost IDENTIFIED BY 'secret'");
    try {
      const r = await runMysqltuner({ ...target(), format: 'text', passwordFile: passwords });
      expect(r.outcome).toBe(divides ? 'division-by-zero' : 'ok');
      expect(r.report).toBeNull();
      expect(r.warnings).toContain("User 'healer_weak@localhost' is using weak password: secret in a lower, upper or capitalize derivative version.");
      expect(r.warnings.some((w) => /EOL|Performance_schema/.test(w))).toBe(true);
    } finally {
      await weak.drop();
    }
  });

  it('fails when the login is refused, with its own complaint in text format', async () => {
    const json = await runMysqltuner({ ...target(), password: 'wrong', skipPasswordChecks: true });
    expect(json).toMatchObject({ outcome: 'failed', exitCode: 1, error: 'exit code 1', recommendations: [] });
    const text = await runMysqltuner({ ...target(), password: 'wrong', skipPasswordChecks: true, format: 'text' });
    expect(text.outcome).toBe('failed');
    expect(text.error).toMatch(/login credentials.*invalid/);
  });
});

describe('MySQLTuner report parsing', () => {
  it('takes recommendations and adjustments from the JSON report, and the variables they name', () => {
    const json = JSON.stringify({
      MySQLTuner: { version: '1.9.9' },
      Recommendations: ['Reduce your overall MySQL memory footprint'],
      AdjustVariables: ['join_buffer_size (> 256.0K, or always use indexes with JOINs)', 'tmp_table_size (> 16M)', 'max_heap_table_size (> 16M)', 'tmp_table_size should match', 'skip-name-resolve=1'],
    });
    const r = parseJsonReport(json);
    expect(r.version).toBe('1.9.9');
    expect(r.recommendations).toEqual(['Reduce your overall MySQL memory footprint']);
    expect(r.variables).toEqual(['join_buffer_size', 'tmp_table_size', 'max_heap_table_size', 'skip_name_resolve']);
    expect(parseJsonReport('').report).toBeNull();
  });

  it('takes [!!] lines and both final lists from the text report', () => {
    const text = [
      ' >>  MySQLTuner 1.9.9',
      '[!!] Temporary tables created on disk: 77%',
      '[OK] Slow queries: 0%',
      '-------- Recommendations ---------------------------------------------------------------------------',
      'General recommendations:',
      '    Remove Anonymous User accounts - there are 1 anonymous accounts.',
      'Variables to adjust:',
      '  *** MySQL\'s maximum memory usage is dangerously high ***',
      '    tmp_table_size (> 16M)',
      '',
    ].join('\n');
    const r = parseTextReport(text);
    expect(r).toMatchObject({
      version: '1.9.9',
      warnings: ['Temporary tables created on disk: 77%'],
      recommendations: ['Remove Anonymous User accounts - there are 1 anonymous accounts.'],
      adjustments: ['tmp_table_size (> 16M)'],
      variables: ['tmp_table_size'],
    });
  });
});
