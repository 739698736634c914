/** Types and helpers the Laravel actions share. */
import { HealerError, type ActionContext, type HealingAction, type PlanContext } from '@healer/core';
import type { LaravelConfig } from '../config.js';
import type { LaravelMeta } from '../types.js';

export type LaravelAction = HealingAction<LaravelConfig, LaravelMeta>;
export type LaravelActionContext = ActionContext<LaravelConfig, LaravelMeta>;
export type LaravelPlanContext = PlanContext<LaravelConfig, LaravelMeta>;

/** plan() called although preconditions() said no (a caller that skipped them). */
export function notApplicable(id: string, why: string): HealerError {
  return new HealerError('ACTION_UNSAFE', `${id} does not apply: ${why}.`);
}
