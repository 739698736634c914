/** Helpers the PHP actions share. */
import { HealerError } from '@healer/core';

/** A nonce (`PlanContext.nonce`) as it goes into a file name: letters, digits, `_` and `-` only. */
export const safeName = (nonce: string): string => nonce.replace(/[^A-Za-z0-9_-]/g, '_');

/** The error a plan() throws when the action does not apply after all. */
export function notApplicable(actionId: string, reason: string): HealerError {
  return new HealerError('ACTION_UNSAFE', `${actionId} does not apply: ${reason}.`);
}
