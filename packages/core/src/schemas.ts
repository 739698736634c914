/**
 * JSON shapes of what Healer reports: a diagnosis, a plan, an execution.
 * Exported as zod schemas and published as JSON Schema (`@healer/core/schema/*.json`).
 *
 * The string unions of the contract (`Risk`, `Mode`, `CheckStatus`,
 * `Severity`, `CheckCategory`) are declared here once, as zod enums; the
 * TypeScript types are inferred from them, and lists and orders are read from
 * their `.options` (lowest risk first, most cautious mode first).
 */
import { z } from 'zod';

/** How risky a change is, lowest first. */
export const RiskSchema = z.enum(['low', 'medium', 'high', 'critical']);
/** Healing modes, most cautious first. */
export const ModeSchema = z.enum(['manual', 'supervised', 'auto']);
export const CheckStatusSchema = z.enum(['pass', 'warn', 'fail', 'error', 'skip']);
/** How bad a failing check is, mildest first. */
export const SeveritySchema = z.enum(['info', 'low', 'medium', 'high', 'critical']);
export const CategorySchema = z.enum([
  'system',
  'security',
  'performance',
  'configuration',
  'dependencies',
  'database',
  'availability',
]);

export const TargetSchema = z.object({
  host: z.string(),
  path: z.string(),
  url: z.string().optional(),
});

export const AppSummarySchema = z.object({
  id: z.string(),
  stack: z.string(),
  version: z.string().nullable(),
  confidence: z.number().min(0).max(1),
  plugin: z.string(),
  root: z.string(),
});

export const CheckResultEntrySchema = z.object({
  id: z.string(),
  title: z.string(),
  category: CategorySchema,
  severity: SeveritySchema,
  status: CheckStatusSchema,
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
  evidence: z.array(z.string()),
  fixes: z.array(z.string()),
  durationMs: z.number(),
});

export const DiagnosisSchema = z.object({
  target: TargetSchema,
  app: AppSummarySchema,
  /** The worst status among the results (`skip` and `pass` count as pass). */
  status: CheckStatusSchema.exclude(['skip']),
  /** 0..100, weighted by severity. */
  healthScore: z.number().int().min(0).max(100),
  results: z.array(CheckResultEntrySchema),
  /** How commands reached the target (an SSH fallback to exec channels is noted here). */
  transport: z
    .object({ kind: z.enum(['local', 'ssh']), host: z.string(), mode: z.enum(['process', 'persistent-shell', 'exec-channel']), notes: z.array(z.string()) })
    .optional(),
  startedAt: z.string(),
  durationMs: z.number(),
});

export const StepSchema = z.object({
  kind: z.enum(['run', 'write-file', 'remove', 'rename', 'chmod', 'op', 'note']),
  write: z.boolean(),
  /** One line a person can read: the command as `sh` would see it, or the edit. */
  display: z.string(),
  description: z.string().optional(),
});

export const PlannedActionSchema = z.object({
  actionId: z.string(),
  title: z.string(),
  risk: RiskSchema,
  plugin: z.string(),
  /** Failing check ids this action addresses. */
  fixes: z.array(z.string()),
  backup: z.boolean(),
  /** Why it sits in its bucket. */
  reason: z.string(),
  /** Critical actions need their own approval; `--approve-all` never covers them. */
  explicitApproval: z.boolean(),
  /** Why this change cannot be undone, when it cannot (`HealingAction.irreversible`). */
  irreversible: z.string().optional(),
  steps: z.array(StepSchema),
  /** The token the steps use for names unique to this change (see `PlanContext.nonce`); hashed as `<nonce>`. */
  nonce: z.string().optional(),
});

export const CannotHealSchema = z.object({
  checkId: z.string(),
  actionId: z.string().optional(),
  reason: z.string(),
});

/** An action held back while the app does not answer: hygiene waits for a heal of an app that answers. */
export const DeferredActionSchema = z.object({
  actionId: z.string(),
  title: z.string(),
  risk: RiskSchema,
  /** Failing check ids it would address. */
  fixes: z.array(z.string()),
  reason: z.string(),
});

/** An action that targets a check whose warning did not name it (see `Plan.notPlanned`). */
export const NotPlannedSchema = z.object({
  checkId: z.string(),
  actionId: z.string(),
  reason: z.string(),
});

export const PlanSchema = z.object({
  app: AppSummarySchema,
  target: TargetSchema,
  mode: ModeSchema,
  planHash: z.string(),
  fingerprint: z.string(),
  createdAt: z.string(),
  autoHeal: z.array(PlannedActionSchema),
  requireApproval: z.array(PlannedActionSchema),
  cannotHeal: z.array(CannotHealSchema),
  /** Actions held back because the app does not answer (outage first). */
  deferred: z.array(DeferredActionSchema).default([]),
  /**
   * Actions that list a check in their `fixes` but were not planned for it:
   * the check only warned, and a warning is healed only when its result names
   * the action in `fixes`. Informational: nothing is wrong with the plan.
   */
  notPlanned: z.array(NotPlannedSchema).default([]),
});

export const ExecutionStateSchema = z.enum([
  /** Created ahead of its run (`healer.createExecution`), waiting for `heal(target, { executionId })`. */
  'QUEUED',
  'PENDING',
  'DETECTING',
  'DIAGNOSING',
  'BACKING_UP',
  'APPLYING',
  'VERIFYING',
  'ROLLING_BACK',
  'FIXED',
  'NOTHING_TO_DO',
  'AWAITING_APPROVAL',
  'ROLLED_BACK',
  'ESCALATED',
  'FAILED',
  'BLOCKED',
]);

/** Every event type the engine writes to an execution's journal (recovery reads them back). */
export const TimelineEventTypeSchema = z.enum([
  'execution.queued',
  'execution.started',
  'app.detected',
  'state',
  'diagnosis',
  'plan',
  'blocked',
  'action.started',
  'action.skipped',
  'backup.started',
  'backup.created',
  'apply.started',
  'apply.finished',
  'verify.started',
  'verify.result',
  'action.fixed',
  'rollback.started',
  'rollback.finished',
  'rollback.failed',
  'escalated',
  'recovered',
  'process.started',
  'processes.stopped',
  'execution.finished',
]);

export const TimelineEventSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  type: TimelineEventTypeSchema,
  state: ExecutionStateSchema.optional(),
  actionId: z.string().optional(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});

export const AttemptSchema = z.object({
  actionId: z.string(),
  risk: RiskSchema,
  backupId: z.string().nullable(),
  verified: z.boolean(),
  rolledBack: z.boolean(),
  message: z.string().optional(),
});

export const ExecutionSchema = z.object({
  executionId: z.string(),
  kind: z.enum(['heal', 'rollback']),
  appId: z.string(),
  target: TargetSchema,
  plugin: z.string(),
  mode: ModeSchema,
  state: ExecutionStateSchema,
  planHash: z.string().nullable(),
  message: z.string(),
  /** When a BLOCKED heal may try again. */
  nextAttemptAt: z.string().nullable(),
  attempts: z.array(AttemptSchema),
  timeline: z.array(TimelineEventSchema),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** The process running it, to tell a dead run from a live one. */
  owner: z.object({ pid: z.number(), hostname: z.string() }).optional(),
  /** For a rollback execution: the execution it undid. */
  rollbackOf: z.string().optional(),
  /** Why it FAILED or was refused, for programs. */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/**
 * `{ low: 0, medium: 1, ... }` for the values of a zod enum, in the order the
 * enum declares them.
 * @internal
 */
export function rankOf<const T extends string>(values: readonly T[]): Readonly<Record<T, number>> {
  return Object.freeze(Object.fromEntries(values.map((v, i) => [v, i])) as Record<T, number>);
}

export type CheckResultEntry = z.infer<typeof CheckResultEntrySchema>;
export type Diagnosis = z.infer<typeof DiagnosisSchema>;
export type AppSummary = z.infer<typeof AppSummarySchema>;
export type PlannedStep = z.infer<typeof StepSchema>;
export type PlannedAction = z.infer<typeof PlannedActionSchema>;
export type DeferredAction = z.infer<typeof DeferredActionSchema>;
export type CannotHeal = z.infer<typeof CannotHealSchema>;
export type NotPlanned = z.infer<typeof NotPlannedSchema>;
export type Plan = z.infer<typeof PlanSchema>;
export type ExecutionState = z.infer<typeof ExecutionStateSchema>;
export type TimelineEventType = z.infer<typeof TimelineEventTypeSchema>;
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;
export type Attempt = z.infer<typeof AttemptSchema>;
export type Execution = z.infer<typeof ExecutionSchema>;

export const TERMINAL_STATES: readonly ExecutionState[] = [
  'FIXED',
  'NOTHING_TO_DO',
  'AWAITING_APPROVAL',
  'ROLLED_BACK',
  'ESCALATED',
  'FAILED',
  'BLOCKED',
];

/** The schemas published as JSON Schema files, by file name. */
export const PUBLISHED_SCHEMAS = {
  diagnosis: DiagnosisSchema,
  plan: PlanSchema,
  execution: ExecutionSchema,
} as const;
