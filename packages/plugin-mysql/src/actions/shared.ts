/** What the MySQL actions share: their types, and the refusal of an action that no longer applies. */
import { HealerError, type ActionContext, type HealingAction, type PlanContext } from '@healer/core';
import type { MysqlConfig } from '../config.js';
import type { MysqlMetadata } from '../types.js';

export type MysqlAction = HealingAction<MysqlConfig, MysqlMetadata>;
export type MysqlPlanContext = PlanContext<MysqlConfig, MysqlMetadata>;
export type MysqlActionContext = ActionContext<MysqlConfig, MysqlMetadata>;

export function notApplicable(actionId: string, reason: string): HealerError {
  return new HealerError('ACTION_UNSAFE', `${actionId} does not apply: ${reason}.`);
}

/**
 * The rollback of a change nothing can undo (a killed query, a restart).
 * Declared because high-risk actions must have one; it refuses, saying why.
 */
export function cannotUndo(what: string): (ctx: MysqlActionContext) => Promise<void> {
  return async () => {
    throw new HealerError('NOTHING_TO_ROLL_BACK', `${what}: there is nothing to put back.`);
  };
}
