/**
 * Actions whose change is carried out by the operations layer (an option
 * update, a `REPAIR TABLE`) describe it in their plan as `note` steps; their
 * apply() builds the steps again from the site as it is now and refuses to
 * go on when they differ, so what runs is exactly what was planned (and,
 * when it needed approval, approved).
 * @internal
 */
import { HealerError, describeStep, type Step } from '@healer/core';

export function assertSamePlan(actionId: string, planned: readonly Step[], fresh: readonly Step[]): void {
  const show = (steps: readonly Step[]): string[] => steps.map((s) => describeStep(s).display);
  const a = show(planned);
  const b = show(fresh);
  if (a.length === b.length && a.every((line, i) => line === b[i])) return;
  throw new HealerError(
    'ACTION_UNSAFE',
    `${actionId}: the site changed since the plan was made (planned: ${a.join('; ')} | now: ${b.join('; ')}); nothing was changed.`,
  );
}
