/**
 * The server's error log: `[ERROR]` lines since the server last started
 * (older ones are history: counted, not judged), with `[Warning]` lines
 * counted beside them. Damage lines are also judged by
 * `mysql/crashed-tables`, which can repair the table they name.
 */
import { readLastLines } from '@healer/core';
import { posix } from 'node:path';
import type { ServerSnapshot } from '../snapshot.js';
import { snapshotCheck, type MysqlCheck, type SnapshotCheck } from './shared.js';

/** A start of the server: MariaDB's `Starting MariaDB ... as process N`, MySQL's `mysqld ... starting as process N`. */
export const START_PATTERN = /starting as process|Starting MariaDB .* as process/i;
const ERROR = /\[ERROR\]/i;
const WARNING = /\[Warning\]/i;

/** The error log's path as the server names it (`log_error`, relative to the data directory), or null when it logs to stderr or syslog. */
export function errorLogPath(snap: ServerSnapshot, dataDir: string): string | null {
  const logError = snap.variables['log_error'] ?? '';
  if (logError === '' || logError === 'stderr') return null;
  return posix.resolve(dataDir, logError);
}

/** The lines since the last start (all of them when no start is in the tail), and those before it. */
export function splitAtLastStart(lines: readonly string[]): { current: string[]; before: string[] } {
  let at = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (START_PATTERN.test(lines[i]!)) {
      at = i;
      break;
    }
  }
  return at < 0 ? { current: [...lines], before: [] } : { current: lines.slice(at), before: lines.slice(0, at) };
}

export const errorLogCheck: SnapshotCheck = snapshotCheck({
  id: 'mysql/error-log',
  title: 'Errors in the server error log',
  category: 'availability',
  severity: 'medium',
  async judge(snap, ctx) {
    const path = errorLogPath(snap, ctx.app.metadata.dataDir);
    if (path === null) return { status: 'skip', message: 'The server logs to stderr or syslog (log_error is empty): read its errors with journalctl.', details: { variable: 'log_error' } };
    let lines: string[];
    try {
      lines = await readLastLines(ctx.exec, path, ctx.config.errorLogLines, { signal: ctx.signal });
    } catch (e) {
      return { status: 'skip', message: `The error log ${path} could not be read: ${(e as Error).message}`, details: { variable: 'log_error', path } };
    }
    const { current, before } = splitAtLastStart(lines);
    const errors = current.filter((l) => ERROR.test(l));
    const warnings = current.filter((l) => WARNING.test(l)).length;
    const older = before.filter((l) => ERROR.test(l)).length;
    const details = { variable: 'log_error', value: errors.length, threshold: '[ERROR] lines since the server started', path, errors: errors.length, warnings, olderErrors: older, linesRead: lines.length };
    const rest = `${warnings} warning line(s) since the start${older > 0 ? `; ${older} error line(s) before it` : ''}`;
    if (errors.length === 0) return { status: 'pass', message: `${path}: no error since the server started (${rest}).`, details };
    return { status: 'warn', message: `${path}: ${errors.length} error line(s) since the server started (${rest}); the latest: ${errors.at(-1)!.slice(0, 300)}`, details, evidence: errors.slice(-10) };
  },
});

export const errorLogChecks: MysqlCheck[] = [errorLogCheck];
