/**
 * What the MySQL checks share: their type, the ids of the actions they
 * name, and the shape of a finding (the variable, its value, the threshold,
 * the suggested setting).
 */
import type { CheckResult, DiagnosticCheck, CheckContext } from '@healer/core';
import type { MysqlConfig } from '../config.js';
import type { MysqlMetadata } from '../types.js';
import { isLogin, login } from '../connection.js';
import { serverSnapshot, type ServerSnapshot } from '../snapshot.js';

export type MysqlCheck = DiagnosticCheck<MysqlConfig, MysqlMetadata>;
export type MysqlCheckContext = CheckContext<MysqlConfig, MysqlMetadata>;

/** Action ids, defined once: checks name them in `fixes`, actions take their ids from here. */
export const ACTION = {
  repairTable: 'mysql/repair-table',
  optimizeTable: 'mysql/optimize-table',
  optimizeLargeTable: 'mysql/optimize-large-table',
  killQuery: 'mysql/kill-query',
  restartServer: 'mysql/restart-server',
  setGlobal: 'mysql/set-global',
} as const;

/** A server variable to change, and to what. */
export interface Suggestion {
  variable: string;
  /** The value to set, as `SET GLOBAL` takes it (a number, `ON`...). */
  value: string;
  /** The server takes it at runtime (`SET GLOBAL`); otherwise only in an option file with a restart. */
  dynamic: boolean;
}

/** What a status check found: named by variable, with its value, the threshold and the suggested setting. */
export interface Finding {
  /** The variable (or ratio of variables) judged. */
  variable: string;
  value: number | string | null;
  /** The rule, e.g. `> 85% of max_connections`. */
  threshold: string;
  suggested: Suggestion[];
  /**
   * A runtime change of the suggested settings shows in this check at once
   * (a limit compared with a size). False for ratios of counters kept since
   * the server started: a new value shows only in counters gathered after
   * it, so a heal could never be verified and would always be rolled back.
   * Only verifiable findings name `mysql/set-global` in `fixes`.
   */
  verifiable?: boolean;
}

/**
 * The result of a finding: its details carry every field; `fixes` names
 * `set-global` when a suggestion can be applied at runtime and the check
 * would then pass (`verifiable`).
 */
export function findingResult(status: CheckResult['status'], message: string, finding: Finding, extra: Record<string, unknown> = {}): CheckResult {
  const dynamic = finding.verifiable ? finding.suggested.filter((s) => s.dynamic) : [];
  const later = finding.verifiable || finding.suggested.length === 0 ? '' : ' (counted since the server started: a new value shows only in what is counted after it)';
  const suggestion = finding.suggested.length > 0 ? ` Suggested: ${finding.suggested.map((s) => `${s.variable} = ${s.value}${s.dynamic ? '' : ' (in the option file, then a restart)'}`).join(', ')}${later}.` : '';
  return {
    status,
    message: status === 'pass' || status === 'skip' ? message : `${message}${suggestion}`,
    details: { ...extra, variable: finding.variable, value: finding.value, threshold: finding.threshold, suggested: finding.suggested, verifiable: finding.verifiable === true },
    ...(status !== 'pass' && status !== 'skip' && dynamic.length > 0 ? { fixes: [ACTION.setGlobal] } : {}),
  };
}

/** The snapshot, or a `skip` result when the server cannot be reached (`mysql/connection` reports that). */
export async function snapshotOrSkip(ctx: MysqlCheckContext): Promise<ServerSnapshot | CheckResult> {
  const l = await login(ctx);
  if (!isLogin(l)) return { status: 'skip', message: `Not judged: cannot log in to the server (${l.message}); see mysql/connection.` };
  return serverSnapshot(ctx);
}

export function isResult(v: unknown): v is CheckResult {
  return typeof v === 'object' && v !== null && 'status' in v && 'message' in v;
}

/** A check that judges the snapshot; `judge` is exposed for tests on parsed fixtures. */
export type SnapshotCheck = MysqlCheck & { judge(snap: ServerSnapshot, ctx: MysqlCheckContext): CheckResult | Promise<CheckResult> };

/** A check that judges the snapshot (skipped when the server is unreachable). */
export function snapshotCheck(def: Omit<MysqlCheck, 'run'> & { judge(snap: ServerSnapshot, ctx: MysqlCheckContext): CheckResult | Promise<CheckResult> }): SnapshotCheck {
  const { judge } = def;
  return {
    // The snapshot reads information_schema.TABLES, which opens every table: slow on large servers.
    timeoutMs: 60_000,
    ...def,
    async run(ctx) {
      const snap = await snapshotOrSkip(ctx);
      return isResult(snap) ? snap : judge(snap, ctx);
    },
  };
}

/** `ON`/`1`/`YES` as true. */
export function isOn(value: string | undefined): boolean {
  return value !== undefined && ['on', '1', 'yes', 'true'].includes(value.toLowerCase());
}
