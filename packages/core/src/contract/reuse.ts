/**
 * Reusing another plugin's checks and actions (Next.js reuses Node's,
 * Laravel reuses PHP's): the registry requires every id to sit in its own
 * plugin's namespace and refuses ids copied from another plugin, so a
 * reused item is renamed from `<from>/...` to `<to>/...`, and the check and
 * action ids it points at (`fixes`) follow.
 */
import type { CheckResult, DiagnosticCheck, HealingAction } from './plugin.js';

/** Which namespace to rename from, and to. */
export interface Renaming {
  /** The namespace the items come from: `nodejs`. */
  from: string;
  /** The reusing plugin's: `nextjs`. */
  to: string;
}

function rename(id: string, { from, to }: Renaming): string {
  return id.startsWith(`${from}/`) ? `${to}/${id.slice(from.length + 1)}` : id;
}

/** A check under `<to>/...`, the `fixes` of its results renamed too. */
export function reuseCheck<C, M extends object>(check: DiagnosticCheck<C, M>, renaming: Renaming): DiagnosticCheck<C, M> {
  return {
    ...check,
    id: rename(check.id, renaming),
    async run(ctx): Promise<CheckResult> {
      const result = await check.run(ctx);
      return result.fixes ? { ...result, fixes: result.fixes.map((f) => rename(f, renaming)) } : result;
    },
  };
}

/** An action under `<to>/...`, with the check ids it fixes renamed. */
export function reuseAction<C, M extends object>(action: HealingAction<C, M>, renaming: Renaming): HealingAction<C, M> {
  return { ...action, id: rename(action.id, renaming), fixes: action.fixes.map((f) => rename(f, renaming)) };
}
