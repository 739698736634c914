/**
 * The check runner: checks in parallel under a concurrency limit, each with a
 * timeout through an AbortSignal. A check that throws or times out becomes
 * `error`; it never breaks the run.
 */
import type { CheckContext, CheckResult, CheckStatus, DiagnosticCheck, Severity } from '../contract/plugin.js';
import type { CheckResultEntry } from '../schemas.js';
import { errorMessage } from '../errors.js';

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
  const width = Math.max(1, Math.min(options.concurrency ?? 8, jobs.length));
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

async function runOne(job: CheckJob, options: RunChecksOptions): Promise<CheckResultEntry> {
  const { check } = job;
  const timeoutMs = check.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  const onOuterAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let outcome: CheckResult;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new Error(`timed out after ${timeoutMs} ms`);
        controller.abort(err);
        reject(err);
      }, timeoutMs);
    });
    const aborted = new Promise<never>((_, reject) => {
      if (controller.signal.aborted) reject(new Error('cancelled'));
      controller.signal.addEventListener('abort', () => reject(new Error('cancelled')), { once: true });
    });
    outcome = normalize(await Promise.race([check.run(job.context(controller.signal)), timeout, aborted]));
  } catch (e) {
    outcome = { status: 'error', message: `The check could not run: ${errorMessage(e)}` };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onOuterAbort);
    if (!controller.signal.aborted) controller.abort(new Error('check finished'));
  }
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

const STATUSES: readonly CheckStatus[] = ['pass', 'warn', 'fail', 'error', 'skip'];

function normalize(value: CheckResult): CheckResult {
  if (!value || typeof value !== 'object' || !STATUSES.includes(value.status)) {
    return { status: 'error', message: `The check returned an invalid result: ${JSON.stringify(value)?.slice(0, 200)}` };
  }
  return { ...value, message: String(value.message ?? '') };
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
export function overallStatus(results: ReadonlyArray<Pick<CheckResultEntry, 'status'>>): 'pass' | 'warn' | 'fail' | 'error' {
  const has = (s: CheckStatus): boolean => results.some((r) => r.status === s);
  if (has('fail')) return 'fail';
  if (has('error')) return 'error';
  if (has('warn')) return 'warn';
  return 'pass';
}
