/**
 * `nextjs/restart` (low): the Node plugin's restart (pm2, systemd or the
 * configured commands, then wait for the URL), refused when there is no
 * production build to start.
 */
import { posix } from 'node:path';
import { actionInNamespace, appAnswersCheck, restartAction as nodeRestart } from '@healer/plugin-nodejs';
import { AVAILABILITY, RESTART } from '../checks/ids.js';
import type { NextAction } from './shared.js';

// The Node plugin's app-answers check is nextjs/availability here.
const reused: NextAction = actionInNamespace({ ...nodeRestart, fixes: nodeRestart.fixes.map((f) => (f === appAnswersCheck.id ? AVAILABILITY : f)) }, 'nextjs');

export const restartAction: NextAction = {
  ...reused,
  id: RESTART,
  async preconditions(ctx) {
    if (!(await ctx.fs.exists(posix.join(ctx.app.root, '.next/BUILD_ID')))) return 'there is no production build to start (see nextjs/rebuild)';
    return reused.preconditions ? reused.preconditions(ctx) : true;
  },
};
