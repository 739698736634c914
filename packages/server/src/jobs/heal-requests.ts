/**
 * Asking for a heal: at most one open heal per application. Under a
 * PostgreSQL advisory lock on the application, an open execution (QUEUED or
 * running) is returned instead of a new one; else core records a QUEUED
 * execution, the row gets the application and what was asked, and the job
 * is added. Three requests at once make one execution.
 */
import { TERMINAL_STATES, type Approval, type ModeInput } from '@healer/core';
import type { Application } from '../db/entities.js';
import type { Orm } from '../db/orm.js';
import { targetOf, type Fleet } from '../fleet/fleet.js';
import type { JobQueues } from './queues.js';

export interface HealRequestBody {
  mode?: ModeInput;
  approve?: Approval;
}

export interface QueuedHeal {
  executionId: string;
  /** True when an open heal of the application was found: nothing new was queued. */
  existing: boolean;
  /** False when Redis refused the job: the workers' reconciler adds it from the row. */
  jobAdded: boolean;
}

export async function queueHeal(deps: { orm: Orm; fleet: Fleet; queues: JobQueues; application: Application; request: HealRequestBody; actor: string }): Promise<QueuedHeal> {
  const { orm, fleet, queues, application } = deps;
  const knex = orm.em.getKnex();
  const queued = await knex.transaction(async (trx): Promise<Omit<QueuedHeal, 'jobAdded'>> => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`heal:${application.id}`]);
    const open = (await trx('executions')
      .select('id')
      .where('application_id', application.id)
      .where('kind', 'heal')
      .whereNotIn('state', [...TERMINAL_STATES])
      .orderBy('started_at', 'asc')
      .first()) as { id: string } | undefined;
    if (open) return { executionId: open.id, existing: true };
    const healer = await fleet.healer();
    try {
      const executionId = await healer.createExecution(targetOf(application), deps.request.mode ? { mode: deps.request.mode } : {});
      await trx('executions')
        .update({ application_id: application.id, request: JSON.stringify({ ...deps.request, by: deps.actor }) })
        .where('id', executionId);
      return { executionId, existing: false };
    } finally {
      await healer.close();
    }
  });
  // After the commit: a worker that takes the job finds the row complete. Adding it twice is one job.
  if (queued.existing) return { ...queued, jobAdded: false };
  const jobAdded = await queues.heal({ executionId: queued.executionId, applicationId: application.id }).then(
    () => true,
    () => false,
  );
  return { ...queued, jobAdded };
}
