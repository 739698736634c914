/** Schemas of the routes that act on hosts: discover, diagnose, plan, heal, rollback, executions and their events. */
import { ExecutionStateSchema, ModeSchema } from '@healer/core';
import { z } from 'zod';
import { pageOf, PageQuerySchema } from './schemas.js';

const timestamp = z.iso.datetime();
const AbsolutePath = z
  .string()
  .max(4096)
  .regex(/^\/[^\0]*$/, 'must be an absolute path')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."');

export const DiscoverBodySchema = z
  .strictObject({
    roots: z.array(AbsolutePath).min(1).max(32).optional(),
    maxDepth: z.number().int().min(1).max(8).optional(),
  })
  .meta({ id: 'DiscoverRequest', description: 'Folders searched for apps (default: the usual web roots) and how deep.' });

export const JobAcceptedSchema = z.object({ jobId: z.string() }).meta({ id: 'JobAccepted' });
export const DiagnoseAcceptedSchema = z.object({ runId: z.uuid() }).meta({ id: 'DiagnoseAccepted' });

export const CheckResultSchema = z
  .object({
    checkId: z.string(),
    status: z.string(),
    severity: z.string().nullable(),
    category: z.string().nullable(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).nullable(),
    durationMs: z.number().int().nullable(),
  })
  .meta({ id: 'CheckResult' });

export const DiagnosticRunSchema = z
  .object({
    id: z.uuid(),
    applicationId: z.uuid(),
    status: z.string(),
    score: z.number().int().nullable(),
    startedAt: timestamp,
    finishedAt: timestamp.nullable(),
    summary: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'DiagnosticRun' });
export const DiagnosticRunDetailSchema = DiagnosticRunSchema.extend({ results: z.array(CheckResultSchema) }).meta({ id: 'DiagnosticRunDetail' });
export const DiagnosticRunPageSchema = pageOf(DiagnosticRunSchema, 'DiagnosticRunPage');

export const ApproveSchema = z
  .strictObject({
    actions: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/, 'an action id')).min(1).max(50).optional(),
    all: z.boolean().optional(),
    planHash: z.string().regex(/^[A-Za-z0-9:_-]{8,128}$/, 'a plan hash from GET /applications/:id/plan'),
  })
  .refine((a) => a.actions !== undefined || a.all === true, { message: 'name the approved actions, or set all: true' })
  .meta({ id: 'Approval' });

export const HealBodySchema = z
  .strictObject({
    mode: ModeSchema.optional(),
    approve: ApproveSchema.optional(),
  })
  .meta({ id: 'HealRequest' });

export const HealAcceptedSchema = z
  .object({ executionId: z.string(), state: ExecutionStateSchema, links: z.object({ execution: z.string(), events: z.string() }) })
  .meta({ id: 'HealAccepted' });

export const ExecutionIdParamsSchema = z.strictObject({ id: z.string().regex(/^ex_[a-z0-9]{1,16}_[a-f0-9]{10}$/, 'an execution id') });

export const ExecutionListQuerySchema = z.strictObject({
  application: z.uuid().optional(),
  state: ExecutionStateSchema.optional(),
  kind: z.enum(['heal', 'rollback']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

/** An execution as core records it (see @healer/core's `Execution`). */
export const ExecutionSchema = z
  .looseObject({ executionId: z.string(), kind: z.string(), state: ExecutionStateSchema, appId: z.string(), startedAt: z.string(), finishedAt: z.string().nullable() })
  .meta({ id: 'Execution' });
export const ExecutionPageSchema = z.object({ items: z.array(ExecutionSchema), nextCursor: z.string().nullable() }).meta({ id: 'ExecutionPage' });

export const RollbackBodySchema = z.strictObject({ force: z.boolean().optional() }).meta({ id: 'RollbackRequest' });

export const EventsQuerySchema = z.strictObject({ lastEventId: z.coerce.number().int().min(0).optional() });

export { PageQuerySchema };
