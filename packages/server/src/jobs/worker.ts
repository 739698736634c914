/**
 * The workers: discover, diagnose, heal and scheduled checks, each a BullMQ
 * worker on its queue, plus two loops every worker runs:
 * - recovery: `healer.recover()` takes over executions whose lease ended
 *   (a worker that died mid-heal): they are rolled back from the journal;
 * - reconciliation: executions still QUEUED a while after they were asked
 *   for get their job added again (Redis lost it); core runs each once.
 */
import { isHealerError, type Diagnosis, type Execution, type Healer, type HealOutcome } from '@healer/core';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Histogram, Counter, type Registry } from 'prom-client';
import { ApplicationEntity, CheckResultEntity, DiagnosticRunEntity, ExecutionEntity, type Application, type HealthStatus } from '../db/entities.js';
import type { Orm } from '../db/orm.js';
import { hostOf } from '../fleet/executors.js';
import { targetOf, type Fleet } from '../fleet/fleet.js';
import { queueHeal } from './heal-requests.js';
import { bullPrefix, JobQueues, type CheckJob, type DiagnoseJob, type DiscoverJob, type HealJob, type QueueName } from './queues.js';

/** What the worker tells people about: escalations, failed heals, approvals needed (webhooks). */
export type OutcomeListener = (outcome: { execution: Execution; application: Application }) => void | Promise<void>;

export interface WorkerOptions {
  orm: Orm;
  redisUrl: string;
  fleet: Fleet;
  queues: JobQueues;
  logger: Logger;
  /** Jobs run at once per queue. Default 2. */
  concurrency?: number;
  /** How often recovery and reconciliation run, in ms. Default 15 000. */
  sweepEveryMs?: number;
  /** A QUEUED execution older than this gets its job added again. Default 30 000 ms. */
  requeueAfterMs?: number;
  registry?: Registry;
  onOutcome?: OutcomeListener;
}

export interface RunningWorker {
  /** Run recovery and reconciliation now (tests; the loop runs them on its own). */
  sweep(): Promise<void>;
  close(): Promise<void>;
}

export function healthOf(status: Diagnosis['status']): HealthStatus {
  return status === 'pass' ? 'healthy' : status === 'warn' ? 'degraded' : 'unhealthy';
}

/** Writes a finished diagnosis: the run, its check results, and the app's health, in one transaction. */
async function recordDiagnosis(orm: Orm, runId: string, applicationId: string, diagnosis: Diagnosis): Promise<void> {
  await orm.em.fork().transactional(async (em) => {
    const run = await em.findOneOrFail(DiagnosticRunEntity, { id: runId });
    run.status = diagnosis.status;
    run.score = diagnosis.healthScore;
    run.finishedAt = new Date();
    run.summary = { durationMs: diagnosis.durationMs, checks: diagnosis.results.length, failing: diagnosis.results.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => r.id) };
    for (const r of diagnosis.results) {
      em.create(CheckResultEntity, {
        run,
        checkId: r.id,
        status: r.status,
        severity: r.severity,
        category: r.category,
        message: r.message,
        details: { ...r.details, ...(r.evidence.length ? { evidence: r.evidence } : {}), ...(r.fixes.length ? { fixes: r.fixes } : {}) },
        durationMs: Math.round(r.durationMs),
      });
    }
    const app = await em.findOneOrFail(ApplicationEntity, { id: applicationId });
    app.healthStatus = healthOf(diagnosis.status);
    app.healthScore = diagnosis.healthScore;
    app.lastCheckAt = new Date();
  });
}

async function recordDiagnosisError(orm: Orm, runId: string, err: unknown): Promise<void> {
  const em = orm.em.fork();
  const run = await em.findOne(DiagnosticRunEntity, { id: runId });
  if (!run) return;
  run.status = 'error';
  run.finishedAt = new Date();
  run.summary = { error: isHealerError(err) ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: 'The diagnosis failed unexpectedly' } };
  await em.flush();
}

export function startWorker(options: WorkerOptions): RunningWorker {
  const { orm, fleet, queues, logger } = options;
  const concurrency = options.concurrency ?? 2;
  const registry = options.registry;
  const jobSeconds = new Histogram({
    name: 'healer_job_duration_seconds',
    help: 'Job duration in seconds, by queue and result',
    labelNames: ['queue', 'result'] as const,
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: registry ? [registry] : [],
  });
  const heals = new Counter({ name: 'healer_heal_outcomes_total', help: 'Heals run by this worker, by final state', labelNames: ['state'] as const, registers: registry ? [registry] : [] });

  const withHealer = async <T>(run: (healer: Healer) => Promise<T>): Promise<T> => {
    const healer = await fleet.healer();
    try {
      return await run(healer);
    } finally {
      await healer.close();
    }
  };

  /** Diagnose an app into its run row: the results and the app's health, or the run marked as error. */
  const diagnoseInto = async (runId: string, app: Application): Promise<Diagnosis> => {
    try {
      const diagnosis = await withHealer((h) => h.diagnose(targetOf(app)));
      await recordDiagnosis(orm, runId, app.id, diagnosis);
      return diagnosis;
    } catch (err) {
      await recordDiagnosisError(orm, runId, err);
      throw err;
    }
  };

  const processors: { [K in QueueName]: (job: Job) => Promise<unknown> } = {
    async discover(job) {
      const data = job.data as DiscoverJob;
      const server = await fleet.server(data.serverId);
      if (!server) return { found: 0, skipped: 'server deleted' };
      const found = await withHealer((h) => h.discover(data.roots, { host: hostOf(server), ...(data.maxDepth ? { maxDepth: data.maxDepth } : {}) }));
      const em = orm.em.fork();
      const added: Application[] = [];
      for (const f of found) {
        if (!f.app) continue;
        const known = await em.findOne(ApplicationEntity, { server: server.id, path: f.app.root });
        if (known) {
          known.stack = f.app.stack;
          known.version = f.app.version ?? null;
          known.confidence = f.app.confidence;
        } else {
          added.push(em.create(ApplicationEntity, { server, path: f.app.root, stack: f.app.stack, version: f.app.version ?? null, confidence: f.app.confidence }));
        }
      }
      await em.flush();
      // New applications are checked on schedule from now on.
      for (const app of added) await queues.syncChecks(app);
      return { found: found.filter((f) => f.app).length, added: added.length };
    },

    async diagnose(job) {
      const data = job.data as DiagnoseJob;
      const app = await fleet.application(data.applicationId);
      if (!app) return { skipped: 'application deleted' };
      const diagnosis = await diagnoseInto(data.runId, app);
      return { status: diagnosis.status, score: diagnosis.healthScore };
    },

    async heal(job) {
      const data = job.data as HealJob;
      const em = orm.em.fork();
      const row = await em.findOne(ExecutionEntity, { id: data.executionId });
      const app = await fleet.application(data.applicationId);
      if (!row || !app) return { skipped: 'execution or application deleted' };
      if (row.state !== 'QUEUED') return { skipped: `execution is ${row.state}` };
      const request = (row.request ?? {}) as { mode?: Execution['mode']; approve?: { actions?: string[]; all?: boolean; planHash?: string } };
      let outcome: HealOutcome;
      try {
        outcome = await withHealer((h) =>
          h.heal(targetOf(app), { executionId: data.executionId, ...(request.mode ? { mode: request.mode } : {}), ...(request.approve ? { approve: request.approve } : {}) }),
        );
      } catch (err) {
        // Core ends a QUEUED execution its heal cannot start (host, settings); this covers what fails before the
        // job's healer exists (plugin settings unreadable...). Either way the execution must not wait forever.
        await failQueued(fleet, data.executionId, err, logger);
        throw err;
      }
      heals.inc({ state: outcome.execution.state });
      await options.onOutcome?.({ execution: outcome.execution, application: app });
      return { state: outcome.execution.state };
    },

    async check(job) {
      const data = job.data as CheckJob;
      const app = await fleet.application(data.applicationId);
      if (!app || !app.enabled) return { skipped: 'application deleted or disabled' };
      const em = orm.em.fork();
      const run = em.create(DiagnosticRunEntity, { application: app.id, status: 'running' });
      await em.flush();
      const diagnosis = await diagnoseInto(run.id, app);
      if (diagnosis.status === 'pass' || diagnosis.status === 'warn' || app.mode === 'manual') return { status: diagnosis.status };
      // Only what an action can fix is worth a heal: a failing check with no fix (the machine's load...) is reported, not healed, again and again.
      const actionable = fleet.fixableChecks();
      const fixable = diagnosis.results.filter((r) => (r.status === 'fail' || r.status === 'error') && (r.fixes.length > 0 || actionable.has(r.id)));
      if (fixable.length === 0) return { status: diagnosis.status, heal: 'nothing an action can fix' };
      // Unhealthy: heal by the app's mode (supervised runs only low-risk actions and asks for the rest).
      const queued = await queueHeal({ orm, fleet, queues, application: app, request: { mode: app.mode }, actor: 'scheduler' });
      return { status: diagnosis.status, executionId: queued.executionId, ...(queued.existing ? { existing: true } : {}) };
    },
  };

  const connections: Redis[] = [];
  const workers = (Object.keys(processors) as QueueName[]).map((name) => {
    // A worker's blocking connection of its own, as BullMQ needs.
    const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    connections.push(connection);
    const worker = new Worker(
      name,
      async (job) => {
        const end = jobSeconds.startTimer({ queue: name });
        try {
          const result = await processors[name](job);
          end({ result: 'completed' });
          return result;
        } catch (err) {
          end({ result: 'failed' });
          throw err;
        }
      },
      {
        connection,
        prefix: bullPrefix(fleet.prefix),
        concurrency,
        // A heal whose worker vanished is never run again by BullMQ: its execution's lease and journal decide (recovery).
        maxStalledCount: name === 'heal' ? 0 : 1,
      },
    );
    worker.on('failed', (job, err) => logger.warn({ queue: name, jobId: job?.id, code: isHealerError(err) ? err.code : undefined }, `job failed: ${err.message}`));
    worker.on('error', (err: Error & { code?: string }) => logger.warn({ queue: name, code: err.code }, 'worker error'));
    return worker;
  });

  const requeueAfterMs = options.requeueAfterMs ?? 30_000;
  const sweep = async (): Promise<void> => {
    try {
      const reports = await withHealer((h) => h.recover());
      for (const r of reports) logger.info({ executionId: r.executionId }, 'recovered an execution left by a stopped run');
      const knex = orm.em.getKnex();
      const stale = (await knex('executions')
        .select('id', 'application_id')
        .where('state', 'QUEUED')
        .whereNotNull('application_id')
        .where('started_at', '<', new Date(Date.now() - requeueAfterMs))) as Array<{ id: string; application_id: string }>;
      for (const row of stale) await queues.heal({ executionId: row.id, applicationId: row.application_id });
    } catch (err) {
      logger.warn({ code: (err as { code?: string }).code }, `sweep failed: ${(err as Error).message}`);
    }
  };
  let sweeping: Promise<void> | undefined;
  const timer = setInterval(() => {
    sweeping ??= sweep().finally(() => (sweeping = undefined));
  }, options.sweepEveryMs ?? 15_000);
  timer.unref();

  return {
    sweep: () => (sweeping ??= sweep().finally(() => (sweeping = undefined))),
    async close() {
      clearInterval(timer);
      await Promise.all(workers.map((w) => w.close()));
      await sweeping;
      for (const c of connections) c.disconnect();
    },
  };
}

/** Mark an execution that could not start as FAILED (only while it is still QUEUED). */
async function failQueued(fleet: Fleet, executionId: string, err: unknown, logger: Logger): Promise<void> {
  try {
    const current = await fleet.store.getExecution(executionId);
    if (!current || current.state !== 'QUEUED') return;
    const error = isHealerError(err) ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: 'The heal could not start' };
    const at = new Date().toISOString();
    const seq = (current.timeline.at(-1)?.seq ?? 0) + 1;
    await fleet.store.appendEvent(executionId, { seq, at, type: 'execution.finished', state: 'FAILED', message: error.message });
    await fleet.store.updateExecution(executionId, { state: 'FAILED', message: error.message, finishedAt: at, error });
  } catch (e) {
    logger.warn({ executionId, code: (e as { code?: string }).code }, 'could not mark a heal that did not start as FAILED');
  }
}

