/**
 * Reusing the PHP checks and actions in another plugin (Laravel...): core
 * requires every id to sit in its plugin's namespace and refuses ids copied
 * from another plugin, so the reused items are renamed, and the check and
 * action ids they point at (`fixes`) follow.
 */
import type { CheckResult, DiagnosticCheck, HealingAction } from '@healer/core';

const PREFIX = 'php/';

function rename(id: string, namespace: string): string {
  return id.startsWith(PREFIX) ? `${namespace}/${id.slice(PREFIX.length)}` : id;
}

/** A PHP check under `<namespace>/...`, its results' `fixes` renamed too. */
export function checkInNamespace<C, M extends object>(check: DiagnosticCheck<C, M>, namespace: string): DiagnosticCheck<C, M> {
  return {
    ...check,
    id: rename(check.id, namespace),
    async run(ctx): Promise<CheckResult> {
      const result = await check.run(ctx);
      return result.fixes ? { ...result, fixes: result.fixes.map((f) => rename(f, namespace)) } : result;
    },
  };
}

/** A PHP action under `<namespace>/...`, with the check ids it fixes renamed. */
export function actionInNamespace<C, M extends object>(action: HealingAction<C, M>, namespace: string): HealingAction<C, M> {
  return { ...action, id: rename(action.id, namespace), fixes: action.fixes.map((f) => rename(f, namespace)) };
}
