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
