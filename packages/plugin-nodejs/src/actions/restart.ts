/** `nodejs/restart` (low): restart through pm2, systemd, or the configured commands, then wait for the app to answer. */
import { APP_ANSWERS, RESTART } from '../checks/app-answers.js';
import { CRASH_LOOP } from '../checks/crash-loop.js';
import { dependenciesInstalledCheck } from '../checks/dependencies.js';
import { envVarsCheck } from '../checks/env-vars.js';
import { nodeMeta } from '../detect.js';
import { restartSteps, runSteps, waitForApp, type NodeAction } from './shared.js';

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
    return true;
  },
  plan(ctx) {
    const steps = restartSteps(nodeMeta(ctx.app).runner, ctx.app.root);
    return typeof steps === 'string' ? [{ kind: 'note', write: false, description: `cannot restart: ${steps}` }] : steps;
  },
  async apply(ctx, steps) {
    await runSteps(ctx, steps);
    await waitForApp(ctx);
  },
};
