/**
 * Reusing the PHP checks and actions in another plugin: core's
 * `reuseCheck`/`reuseAction` from the `php` namespace to the caller's.
 */
import { reuseAction, reuseCheck, type DiagnosticCheck, type HealingAction } from '@healer/core';

/** A PHP check under `<namespace>/...`, its results' `fixes` renamed too. */
export function checkInNamespace<C, M extends object>(check: DiagnosticCheck<C, M>, namespace: string): DiagnosticCheck<C, M> {
  return reuseCheck(check, { from: 'php', to: namespace });
}

/** A PHP action under `<namespace>/...`, with the check ids it fixes renamed. */
export function actionInNamespace<C, M extends object>(action: HealingAction<C, M>, namespace: string): HealingAction<C, M> {
  return reuseAction(action, { from: 'php', to: namespace });
}
