/**
 * The BullMQ queues. PostgreSQL holds the truth (executions, diagnostic
 * runs); a job only says "run this one". So a job added twice is one job
 * (the id is the row's id), a heal job is never retried (the execution's
 * journal decides what happens after a crash), and jobs Redis lost are added
 * again from the rows still waiting (see the worker's reconciler).
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Application } from '../db/entities.js';

export const QUEUES = ['discover', 'diagnose', 'heal', 'check'] as const;
export type QueueName = (typeof QUEUES)[number];

export interface DiscoverJob {
  serverId: string;
  roots?: string[];
  maxDepth?: number;
}
export interface DiagnoseJob {
  runId: string;
  applicationId: string;
}
export interface HealJob {
  executionId: string;
  applicationId: string;
}
export interface CheckJob {
  applicationId: string;
}
export interface JobData {
  discover: DiscoverJob;
  diagnose: DiagnoseJob;
  heal: HealJob;
  check: CheckJob;
}

/** BullMQ's key prefix under the server's Redis prefix. */
export function bullPrefix(prefix: string): string {
  return `${prefix}:bull`;
}

const KEEP = { removeOnComplete: { count: 1_000 }, removeOnFail: { count: 1_000 } } satisfies JobsOptions;

export class JobQueues {
  readonly #queues: { [K in QueueName]: Queue<JobData[K]> };

  readonly #defaultCheckSeconds: number;

  /**
   * `defaultCheckSeconds`: how often an enabled application is checked when
   * its settings do not say (`checkIntervalSeconds`); 0 for never.
   */
  constructor(connection: Redis, prefix: string, onError: (err: Error & { code?: string }) => void = () => undefined, defaultCheckSeconds = 300) {
    this.#defaultCheckSeconds = defaultCheckSeconds;
    const make = <K extends QueueName>(name: K) => {
      const queue = new Queue<JobData[K]>(name, { connection, prefix: bullPrefix(prefix) });
      // A Redis that is away is reported by /health/ready; adding a job then fails the call that adds it.
      queue.on('error', onError);
      return queue;
    };
    this.#queues = { discover: make('discover'), diagnose: make('diagnose'), heal: make('heal'), check: make('check') };
  }

  queue<K extends QueueName>(name: K): Queue<JobData[K]> {
    return this.#queues[name];
  }

  async discover(job: DiscoverJob): Promise<string> {
    const added = await this.#queues.discover.add('discover', job, { ...KEEP, attempts: 1 });
    return added.id!;
  }

  async diagnose(job: DiagnoseJob): Promise<void> {
    // Read-only work: a lost worker's job may run again.
    await this.#queues.diagnose.add('diagnose', job, { ...KEEP, jobId: job.runId, attempts: 2, backoff: { type: 'exponential', delay: 1_000 } });
  }

  /**
   * One job per execution, run once: a failed job is removed, so that the
   * reconciler can add it again while its execution is still QUEUED (core
   * claims a QUEUED execution once; a second run is refused).
   */
  async heal(job: HealJob): Promise<void> {
    await this.#queues.heal.add('heal', job, { jobId: job.executionId, attempts: 1, removeOnComplete: { count: 1_000 }, removeOnFail: true });
  }

  /** Scheduled health checks of one app (diagnose, then heal by its mode); `everyMs` null removes them. */
  async schedule(applicationId: string, everyMs: number | null): Promise<void> {
    const id = `check-${applicationId}`;
    if (everyMs === null) await this.#queues.check.removeJobScheduler(id);
    else await this.#queues.check.upsertJobScheduler(id, { every: everyMs }, { name: 'check', data: { applicationId }, opts: { ...KEEP, attempts: 1 } });
  }

  /** How often an application is checked, in ms, or null: disabled, or 0 seconds (its own setting, else the default). */
  checkEveryMs(app: Pick<Application, 'enabled' | 'settings'>): number | null {
    if (app.enabled === false) return null;
    const own = (app.settings ?? {})['checkIntervalSeconds'];
    const seconds = typeof own === 'number' && Number.isFinite(own) && own >= 0 ? own : this.#defaultCheckSeconds;
    return seconds > 0 ? seconds * 1_000 : null;
  }

  /** Make an application's scheduled checks match its row (after a discovery or a change). */
  async syncChecks(app: Pick<Application, 'id' | 'enabled' | 'settings'>): Promise<void> {
    await this.schedule(app.id, this.checkEveryMs(app));
  }

  /** Waiting, active and delayed jobs per queue (queue depth). */
  async depth(): Promise<Record<QueueName, number>> {
    const counts = await Promise.all(QUEUES.map((name) => this.#queues[name].getJobCounts('waiting', 'active', 'delayed', 'prioritized')));
    return Object.fromEntries(QUEUES.map((name, i) => [name, Object.values(counts[i]!).reduce((a, b) => a + b, 0)])) as Record<QueueName, number>;
  }

  async close(): Promise<void> {
    await Promise.all(QUEUES.map((name) => this.#queues[name].close()));
  }
}
