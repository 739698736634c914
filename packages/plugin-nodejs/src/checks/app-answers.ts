/** `nodejs/app-answers`: the app answers on its health URL (`settings.url`), through core's HTTP health probe. */
import { httpHealthCheck } from '@healer/core';
import type { NodeCheck } from './shared.js';

export const APP_ANSWERS = 'nodejs/app-answers';
export const RESTART = 'nodejs/restart';

export const appAnswersCheck: NodeCheck = {
  id: APP_ANSWERS,
  title: 'The app answers on its health URL',
  category: 'availability',
  severity: 'critical',
  description: 'GET settings.url: a 2xx or 3xx answer within the timeout, with the configured body markers.',
  timeoutMs: 30_000,
  async run(ctx) {
    const result = await httpHealthCheck.run(ctx);
    return result.status === 'fail' ? { ...result, fixes: [...(result.fixes ?? []), RESTART] } : result;
  },
};
