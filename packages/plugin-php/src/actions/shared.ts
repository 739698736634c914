/** Helpers the PHP actions share. */
import { HealerError, type ActionContext } from '@healer/core';

/** A nonce (`PlanContext.nonce`) as it goes into a file name: letters, digits, `_` and `-` only. */
export const safeName = (nonce: string): string => nonce.replace(/[^A-Za-z0-9_-]/g, '_');

/** The error a plan() throws when the action does not apply after all. */
export function notApplicable(actionId: string, reason: string): HealerError {
  return new HealerError('ACTION_UNSAFE', `${actionId} does not apply: ${reason}.`);
}

/** The rollback of a change nothing can undo (a restart): declared because medium-risk actions must have one; it refuses, saying why. */
export function cannotUndo(what: string): (ctx: ActionContext<never, never>) => Promise<void> {
  return async () => {
    throw new HealerError('NOTHING_TO_ROLL_BACK', `${what}: there is nothing to put back.`);
  };
}
