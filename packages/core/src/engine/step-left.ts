/**
 * What a verified action's steps left on the target, recorded so that a
 * rollback asked for later refuses when something else changed it since
 * (drift): a written file's sha256, a mode, whether a renamed or removed
 * path is there, and what an operation's `read()` returns.
 * @internal
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Operation, PlanContext, Step } from '../contract/plugin.js';
import { errorMessage } from '../errors.js';
import { resolveOperation } from './operations.js';

/** How to read one thing a step left again, as stored in the journal. */
const ProbeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('content'), path: z.string() }),
  z.object({ kind: z.literal('mode'), path: z.string() }),
  z.object({ kind: z.literal('presence'), path: z.string() }),
  z.object({ kind: z.literal('op'), op: z.string(), args: z.unknown() }),
]);
type Probe = z.infer<typeof ProbeSchema>;

export const LeftEntrySchema = z.object({ probe: ProbeSchema, value: z.string().nullable() });
/** One thing a step left and its value right after verification. */
export type LeftEntry = z.infer<typeof LeftEntrySchema>;

function probesOf(step: Step): Probe[] {
  switch (step.kind) {
    case 'write-file':
      return [{ kind: 'content', path: step.path }];
    case 'chmod':
      return [{ kind: 'mode', path: step.path }];
    case 'rename':
      return [
        { kind: 'presence', path: step.from },
        { kind: 'presence', path: step.to },
      ];
    case 'remove':
      return [{ kind: 'presence', path: step.path }];
    case 'op':
      return [{ kind: 'op', op: step.op, args: step.args }];
    case 'run':
    case 'note':
      return [];
  }
}

async function readProbe(ctx: PlanContext, probe: Probe, operations: readonly Operation[]): Promise<string | null | undefined> {
  switch (probe.kind) {
    case 'content': {
      const st = await ctx.fs.stat(probe.path, { followSymlinks: true });
      if (!st) return null;
      if (st.type !== 'file') return st.type;
      return createHash('sha256').update(await ctx.fs.readFile(probe.path)).digest('hex');
    }
    case 'mode': {
      const st = await ctx.fs.stat(probe.path, { followSymlinks: true });
      return st ? st.mode.toString(8).padStart(4, '0') : null;
    }
    case 'presence':
      return (await ctx.fs.stat(probe.path))?.type ?? null;
    case 'op': {
      const { operation, args } = resolveOperation(operations, probe.op, probe.args);
      return operation.read ? await operation.read(ctx, args) : undefined;
    }
  }
}

function describeProbe(probe: Probe): string {
  switch (probe.kind) {
    case 'content':
      return `the content of ${probe.path}`;
    case 'mode':
      return `the mode of ${probe.path}`;
    case 'presence':
      return `what is at ${probe.path}`;
    case 'op':
      return `what ${probe.op} ${JSON.stringify(probe.args)} changed`;
  }
}

/**
 * Read what the steps left (after a verified apply). A probe that cannot be
 * read is left out (logged): the rollback then cannot check that part.
 */
export async function readLeft(ctx: PlanContext, steps: readonly Step[], operations: readonly Operation[]): Promise<LeftEntry[]> {
  const out: LeftEntry[] = [];
  const seen = new Set<string>();
  for (const probe of steps.flatMap(probesOf)) {
    const key = JSON.stringify(probe);
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      const value = await readProbe(ctx, probe, operations);
      if (value !== undefined) out.push({ probe, value });
    } catch (e) {
      ctx.logger.warn(`Could not read ${describeProbe(probe)} after the change (a later rollback cannot check it for drift): ${errorMessage(e)}`);
    }
  }
  return out;
}

/** What changed since `left` was recorded, one line per difference (empty: no drift). An entry that cannot be read now counts as changed. */
export async function findStepDrift(ctx: PlanContext, left: readonly LeftEntry[], operations: readonly Operation[]): Promise<string[]> {
  const drift: string[] = [];
  for (const entry of left) {
    let now: string | null | undefined;
    try {
      now = await readProbe(ctx, entry.probe, operations);
    } catch (e) {
      drift.push(`${describeProbe(entry.probe)} cannot be read (${errorMessage(e)})`);
      continue;
    }
    if (now !== entry.value) drift.push(`${describeProbe(entry.probe)} changed since the heal`);
  }
  return drift;
}

/** The entries recorded in a journal event's data (`left`), or none when missing or malformed. */
export function leftFromData(data: Record<string, unknown> | undefined): LeftEntry[] {
  const parsed = z.array(LeftEntrySchema).safeParse(data?.['left']);
  return parsed.success ? parsed.data : [];
}
