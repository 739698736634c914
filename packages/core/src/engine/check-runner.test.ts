import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { AppInfo, CheckContext, CheckResult, DiagnosticCheck, Severity } from '../contract/plugin.js';
import { createFacts } from '../checks/facts.js';
import { LocalExecutor } from '../exec/local-executor.js';
import { Redactor } from '../redact.js';
import type { CheckResultEntry } from '../schemas.js';
import { CheckResultEntrySchema } from '../schemas.js';
import { healthScore, overallStatus, runChecks, type CheckJob } from './check-runner.js';
import { makeCheckContext, type RunEnv } from './context.js';

const exec = new LocalExecutor();
const env: RunEnv = {
  exec,
  facts: createFacts(exec),
  logger: { debug() {}, info() {}, warn() {}, error() {} },
  redactor: new Redactor(),
  backupRootFor: () => tmpdir(),
};
const app: AppInfo = { id: 'a', plugin: 't', stack: 't', version: null, confidence: 1, evidence: [], metadata: {}, root: tmpdir() };

function job(id: string, run: (ctx: CheckContext) => Promise<CheckResult>, extra: Partial<DiagnosticCheck> = {}): CheckJob {
  return {
    check: { id, title: id, category: 'system', severity: 'medium', run, ...extra },
    context: (signal) =>
      makeCheckContext(env, { target: { host: 'local', path: app.root }, config: {}, settings: {}, signal, pluginVersion: '1.0.0' }, app),
  };
}

const pass = async (): Promise<CheckResult> => ({ status: 'pass', message: 'fine' });

/** Resolves when `signal` aborts; never otherwise. */
const untilAborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('saw abort')), { once: true }));

describe('runChecks', () => {
  it('runs checks in parallel, never more than the concurrency limit at once, results in job order', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const jobs = Array.from({ length: 10 }, (_, i) =>
      job(`t/c${i}`, async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(40 + (i % 3) * 10);
        inFlight--;
        return { status: 'pass', message: `check ${i}` };
      }),
    );
    const t0 = performance.now();
    const results = await runChecks(jobs, { concurrency: 3 });
    const elapsed = performance.now() - t0;
    expect(maxInFlight).toBe(3);
    expect(results.map((r) => r.message)).toEqual(jobs.map((_, i) => `check ${i}`));
    // 490 ms of sleeping in all, spread over 3 workers: never faster than a third of it.
    expect(elapsed).toBeGreaterThanOrEqual(150);
  });

  it('a concurrency of 1 runs them one at a time', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const jobs = Array.from({ length: 4 }, (_, i) =>
      job(`t/c${i}`, async () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await sleep(5);
        inFlight--;
        return { status: 'pass', message: '' };
      }),
    );
    await runChecks(jobs, { concurrency: 1 });
    expect(maxInFlight).toBe(1);
  });

  it('a check that throws becomes error; the others still run', async () => {
    const results = await runChecks([
      job('t/before', pass),
      job('t/throws', async () => {
        throw new Error('boom: cannot read the log');
      }),
      job('t/throws-sync', (() => {
        throw new TypeError('sync boom');
      }) as unknown as DiagnosticCheck['run']),
      job('t/after', pass),
    ]);
    expect(results.map((r) => `${r.id}=${r.status}`)).toEqual(['t/before=pass', 't/throws=error', 't/throws-sync=error', 't/after=pass']);
    expect(results[1]!.message).toContain('boom: cannot read the log');
    expect(results[2]!.message).toContain('sync boom');
  });

  it('a check that hangs becomes error after its own timeout, and its ctx.signal is aborted', async () => {
    let observed: unknown = null;
    const t0 = performance.now();
    const results = await runChecks(
      [
        job(
          't/hangs',
          async (ctx) => {
            try {
              return await untilAborted(ctx.signal);
            } catch (e) {
              observed = ctx.signal.aborted ? (e as Error).message : null;
              throw e;
            }
          },
          { timeoutMs: 150 },
        ),
        job('t/quick', pass),
      ],
      { timeoutMs: 5_000 },
    );
    const elapsed = performance.now() - t0;
    expect(results[0]!.status).toBe('error');
    expect(results[0]!.message).toMatch(/timed out after 150 ms/);
    expect(results[0]!.durationMs).toBeGreaterThanOrEqual(140);
    expect(results[1]!.status).toBe('pass');
    expect(observed).toBe('saw abort');
    expect(elapsed).toBeLessThan(2_000);
  });

  it('uses the runner timeout for checks without their own', async () => {
    const results = await runChecks([job('t/hangs', () => new Promise<never>(() => {}))], { timeoutMs: 80 });
    expect(results[0]!.status).toBe('error');
    expect(results[0]!.message).toContain('timed out after 80 ms');
  });

  it('a check that ignores its signal still ends as error at the timeout (the run never waits for it)', async () => {
    const t0 = performance.now();
    const results = await runChecks([job('t/deaf', () => sleep(3_000).then(() => ({ status: 'pass', message: 'late' }) as CheckResult))], {
      timeoutMs: 100,
    });
    expect(results[0]!.status).toBe('error');
    expect(performance.now() - t0).toBeLessThan(1_500);
  });

  it('the outer signal cancels running checks (they see it) and queued ones never start', async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const sawAbort: string[] = [];
    const hanging = (id: string): CheckJob =>
      job(id, async (ctx) => {
        started.push(id);
        if (id === 't/c1') setTimeout(() => controller.abort(new Error('user pressed ctrl-c')), 30);
        try {
          return await untilAborted(ctx.signal);
        } finally {
          if (ctx.signal.aborted) sawAbort.push(id);
        }
      });
    const t0 = performance.now();
    const results = await runChecks([hanging('t/c1'), hanging('t/c2'), hanging('t/c3'), hanging('t/c4')], {
      concurrency: 2,
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(results.map((r) => r.status)).toEqual(['error', 'error', 'error', 'error']);
    expect(started).toEqual(['t/c1', 't/c2']);
    expect(sawAbort.sort()).toEqual(['t/c1', 't/c2']);
    for (const r of results) expect(r.message).toContain('cancelled');
  });

  it('an outer signal aborted before the run starts runs nothing', async () => {
    let ran = 0;
    const results = await runChecks(
      [job('t/a', async () => (ran++, { status: 'pass', message: '' })), job('t/b', async () => (ran++, { status: 'pass', message: '' }))],
      { signal: AbortSignal.abort() },
    );
    expect(ran).toBe(0);
    expect(results.map((r) => r.status)).toEqual(['error', 'error']);
  });

  it('an invalid return value becomes error', async () => {
    const bad = (value: unknown): CheckJob => job(`t/bad-${String(Math.random()).slice(2, 8)}`, async () => value as CheckResult);
    const results = await runChecks([
      bad(undefined),
      bad(null),
      bad('pass'),
      bad({ status: 'great', message: 'x' }),
      bad({ status: 'pass', message: 'ok', details: 'not an object' }),
      bad({ status: 'fail', message: 'x', evidence: 'one line' }),
      bad({ status: 'fail', message: 'x', fixes: [42] }),
    ]);
    for (const r of results) {
      expect(r.status).toBe('error');
      expect(r.message).toContain('invalid result');
    }
  });

  it('fills every field of the result entry, with a duration', async () => {
    const results = await runChecks([
      job('t/full', async () => {
        await sleep(20);
        return { status: 'warn', message: 'almost full', details: { usedPercent: 91 }, evidence: ['/ 91%'], fixes: ['t/clean'] };
      }, { severity: 'high', category: 'performance', title: 'Disk' }),
      job('t/minimal', async () => ({ status: 'pass', message: 42 as unknown as string })),
    ]);
    for (const r of results) CheckResultEntrySchema.parse(r);
    expect(results[0]).toMatchObject({
      id: 't/full',
      title: 'Disk',
      category: 'performance',
      severity: 'high',
      status: 'warn',
      message: 'almost full',
      details: { usedPercent: 91 },
      evidence: ['/ 91%'],
      fixes: ['t/clean'],
    });
    expect(results[0]!.durationMs).toBeGreaterThanOrEqual(15);
    expect(results[1]).toMatchObject({ message: '42', details: {}, evidence: [], fixes: [] });
  });

  it('calls onResult once per check as results arrive', async () => {
    const seen: string[] = [];
    await runChecks(
      [
        job('t/slow', async () => (await sleep(60), { status: 'pass', message: '' })),
        job('t/fast', pass),
      ],
      { onResult: (r) => seen.push(r.id) },
    );
    expect(seen).toEqual(['t/fast', 't/slow']);
  });

  it('no jobs -> no results', async () => {
    expect(await runChecks([])).toEqual([]);
  });
});

const r = (status: CheckResultEntry['status'], severity: Severity = 'medium') => ({ status, severity });

describe('healthScore', () => {
  it('all pass -> 100; nothing -> 100; only skips -> 100', () => {
    expect(healthScore([r('pass'), r('pass', 'critical'), r('pass', 'info')])).toBe(100);
    expect(healthScore([])).toBe(100);
    expect(healthScore([r('skip'), r('skip', 'critical')])).toBe(100);
  });

  it('all fail -> 0', () => {
    expect(healthScore([r('fail'), r('fail', 'critical')])).toBe(0);
  });

  it('weights by severity and ignores skip', () => {
    // critical (10) fails, low (2) passes: 2 / 12.
    expect(healthScore([r('fail', 'critical'), r('pass', 'low')])).toBe(17);
    expect(healthScore([r('fail', 'critical'), r('pass', 'low'), r('skip', 'high')])).toBe(17);
    // info (1) fails, critical (10) passes: 10 / 11.
    expect(healthScore([r('fail', 'info'), r('pass', 'critical')])).toBe(91);
  });

  it('warn and error earn partial credit: warn more than error, both more than fail', () => {
    const warn = healthScore([r('warn'), r('pass')]);
    const error = healthScore([r('error'), r('pass')]);
    const fail = healthScore([r('fail'), r('pass')]);
    expect(warn).toBe(80);
    expect(error).toBe(75);
    expect(fail).toBe(50);
  });

  it('is an integer within 0..100', () => {
    const score = healthScore([r('warn', 'info'), r('fail', 'low'), r('error', 'high'), r('pass', 'medium')]);
    expect(Number.isInteger(score)).toBe(true);
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThan(100);
  });
});

describe('overallStatus', () => {
  it.each([
    [['pass', 'warn', 'error', 'fail'], 'fail'],
    [['fail', 'error'], 'fail'],
    [['pass', 'warn', 'error'], 'error'],
    [['warn', 'error', 'pass'], 'error'],
    [['pass', 'warn', 'skip'], 'warn'],
    [['pass', 'skip'], 'pass'],
    [['skip'], 'pass'],
    [[], 'pass'],
  ] as const)('%j -> %s', (statuses, expected) => {
    expect(overallStatus(statuses.map((status) => ({ status })))).toBe(expected);
  });
});
