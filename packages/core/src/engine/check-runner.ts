/**
 * The check runner: checks in parallel under a concurrency limit, each with a
 * timeout through an AbortSignal. A check that throws or times out becomes
 * `error`; it never breaks the run.
 */
import type { CheckContext, CheckResult, CheckStatus, DiagnosticCheck, Severity } from '../contract/plugin.js';
import { CheckStatusSchema, type CheckResultEntry, type Diagnosis } from '../schemas.js';
import { errorMessage } from '../errors.js';
import { cancelMessage, withTimeout } from './with-timeout.js';

export interface RunChecksOptions {
  /** At most this many checks at once. Default 8. */
  concurrency?: number;
  /** Per-check timeout unless the check sets its own. Default 10 000 ms. */
  timeoutMs?: number;
  /** Cancels every check still running. */
  signal?: AbortSignal;
  /** Called as each result arrives. */
  onResult?(result: CheckResultEntry): void;
}

/** A check with the context it runs in. */
export interface CheckJob {
  check: DiagnosticCheck;
  /** Build the context with the signal the runner owns for this check. */
  context(signal: AbortSignal): CheckContext;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Run checks; results come back in the order of `jobs`. */
export async function runChecks(jobs: CheckJob[], options: RunChecksOptions = {}): Promise<CheckResultEntry[]> {
  const results: CheckResultEntry[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next++;
      const result = await runOne(jobs[index]!, options);
      results[index] = result;
      options.onResult?.(result);
    }
  };
  const limit = options.concurrency === undefined || Number.isNaN(options.concurrency) ? 8 : Math.floor(options.concurrency);
  const width = Math.max(1, Math.min(limit, jobs.length));
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

async function runOne(job: CheckJob, options: RunChecksOptions): Promise<CheckResultEntry> {
  const { check } = job;
  const timeoutMs = check.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = performance.now();
  // A queued check whose run was cancelled before it started never starts.
  const outcome: CheckResult = options.signal?.aborted
    ? { status: 'error', message: `The check did not run: ${cancelMessage(options.signal)}` }
    : await runGuarded(job, timeoutMs, options.signal);
  return {
    id: check.id,
    title: check.title,
    category: check.category,
    severity: check.severity,
    status: outcome.status,
    message: outcome.message,
    details: outcome.details ?? {},
    evidence: outcome.evidence ?? [],
    fixes: outcome.fixes ?? [],
    durationMs: Math.round((performance.now() - started) * 100) / 100,
  };
}

/** Run one check against its timeout and the outer signal; whatever happens, a CheckResult comes back. */
async function runGuarded(job: CheckJob, timeoutMs: number, outer: AbortSignal | undefined): Promise<CheckResult> {
  try {
    return normalize(await withTimeout(timeoutMs, outer, 'the check', (signal) => job.check.run(job.context(signal))));
  } catch (e) {
    return { status: 'error', message: `The check could not run: ${errorMessage(e)}` };
  }
}

const STATUSES: readonly CheckStatus[] = CheckStatusSchema.options;

function normalize(value: CheckResult): CheckResult {
  const problem = invalidResult(value);
  if (problem) {
    return { status: 'error', message: `The check returned an invalid result (${problem}): ${JSON.stringify(value)?.slice(0, 200)}` };
  }
  return { ...value, message: String(value.message ?? '') };
}

/** Why `value` is not a usable CheckResult, or null when it is. */
function invalidResult(value: unknown): string | null {
  if (!value || typeof value !== 'object') return 'not an object';
  const v = value as Partial<Record<keyof CheckResult, unknown>>;
  if (!STATUSES.includes(v.status as CheckStatus)) return `unknown status ${JSON.stringify(v.status)}`;
  if (v.details !== undefined && (v.details === null || typeof v.details !== 'object' || Array.isArray(v.details))) return 'details must be an object';
  const strings = (x: unknown): boolean => Array.isArray(x) && x.every((s) => typeof s === 'string');
  if (v.evidence !== undefined && !strings(v.evidence)) return 'evidence must be a list of strings';
  if (v.fixes !== undefined && !strings(v.fixes)) return 'fixes must be a list of action ids';
  return null;
}

const WEIGHT: Record<Severity, number> = { info: 1, low: 2, medium: 4, high: 7, critical: 10 };
const CREDIT: Record<CheckStatus, number | null> = { pass: 1, warn: 0.6, error: 0.5, fail: 0, skip: null };

/** 0..100: the severity-weighted share of checks that pass (warn and error count partly, skip not at all). */
export function healthScore(results: ReadonlyArray<Pick<CheckResultEntry, 'status' | 'severity'>>): number {
  let total = 0;
  let earned = 0;
  for (const r of results) {
    const credit = CREDIT[r.status];
    if (credit === null) continue;
    total += WEIGHT[r.severity];
    earned += WEIGHT[r.severity] * credit;
  }
  return total === 0 ? 100 : Math.round((earned / total) * 100);
}

/** The overall status: fail > error > warn > pass. */
export function overallStatus(results: ReadonlyArray<Pick<CheckResultEntry, 'status'>>): Diagnosis['status'] {
  const has = (s: CheckStatus): boolean => results.some((r) => r.status === s);
  if (has('fail')) return 'fail';
  if (has('error')) return 'error';
  if (has('warn')) return 'warn';
  return 'pass';
}
