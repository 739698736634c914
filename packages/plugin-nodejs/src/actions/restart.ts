/** `nodejs/restart` (low): restart through pm2, systemd, or the configured commands, then wait for the app to answer. */
import { APP_ANSWERS, appAnswersCheck, RESTART } from '../checks/app-answers.js';
import { CRASH_LOOP } from '../checks/crash-loop.js';
import { dependenciesInstalledCheck } from '../checks/dependencies.js';
import { envVarsCheck } from '../checks/env-vars.js';
import { nodeMeta } from '../detect.js';
import { restartSteps, waitForApp, type NodeAction } from './shared.js';

export const restartAction: NodeAction = {
  id: RESTART,
  title: 'Restart the app',
  risk: 'low',
  fixes: [APP_ANSWERS, CRASH_LOOP],
  async preconditions(ctx) {
    const steps = restartSteps(nodeMeta(ctx.app).runner, ctx.app.root);
    if (typeof steps === 'string') return steps;
    // A restart cannot help an app that cannot load: say what must change instead.
    for (const check of [dependenciesInstalledCheck, envVarsCheck]) {
      const r = await check.run(ctx);
      if (r.status === 'fail') return `a restart would not help: ${r.message}`;
    }
    // Planned only because the app did not answer: one that answers again since (started by a person) is not restarted.
    if (ctx.results.length > 0 && ctx.results.every((r) => r.id !== CRASH_LOOP && !r.id.endsWith('/crash-loop'))) {
      const now = await appAnswersCheck.run(ctx);
      if (now.status === 'pass') return `the app answers again: ${now.message}`;
    }
    return true;
  },
  plan(ctx) {
    const steps = restartSteps(nodeMeta(ctx.app).runner, ctx.app.root);
    return typeof steps === 'string' ? [{ kind: 'note', write: false, description: `cannot restart: ${steps}` }] : steps;
  },
  settle: waitForApp,
};
