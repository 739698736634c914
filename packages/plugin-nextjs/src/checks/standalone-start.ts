/**
 * `nextjs/standalone-start`: an app built with `output: 'standalone'` must
 * run `node .next/standalone/server.js`; `next start` does not serve the
 * standalone build (Next warns and serves it without the traced files).
 * Seen in the configured start command, or in a running `next-server`
 * whose working folder is the app root (server.js runs from
 * `.next/standalone`).
 */
import { appProcesses } from '@healer/plugin-nodejs';
import { nextMeta } from '../detect.js';
import { STANDALONE_START } from './ids.js';
import type { NextCheck } from './shared.js';

const NEXT_START = /(^|[\s/])next(\.js)?\s+start(\s|$)/;

export const standaloneStartCheck: NextCheck = {
  id: STANDALONE_START,
  title: "An output: 'standalone' build is started with its server.js",
  category: 'configuration',
  severity: 'high',
  async run(ctx) {
    const meta = nextMeta(ctx.app);
    if (meta.outputMode !== 'standalone') return { status: 'skip', message: `next.config sets output ${meta.outputMode === 'default' ? 'to the default server build' : `'${meta.outputMode}'`}, not 'standalone'.` };
    const fix = 'start it with node .next/standalone/server.js (after copying public/ and .next/static/ beside it)';
    const start = ctx.config.commands?.start.join(' ');
    if (start && NEXT_START.test(start)) {
      return { status: 'fail', message: `output is 'standalone' but the configured start command runs next start: ${fix}.`, evidence: [start] };
    }
    const procs = await appProcesses(ctx);
    // Both servers retitle themselves `next-server (vX)`; the standalone server.js chdirs into .next/standalone first.
    const wrong = procs.filter((p) => NEXT_START.test(p.command) || (/next-server/.test(p.command) && p.cwd === ctx.app.root));
    if (wrong.length > 0) {
      return { status: 'fail', message: `output is 'standalone' but the app runs next start (pid ${wrong.map((p) => p.pid).join(', ')}): ${fix}.`, evidence: wrong.map((p) => p.command) };
    }
    if (procs.length === 0 && meta.runner.kind === 'unknown' && meta.startScript && NEXT_START.test(meta.startScript)) {
      return { status: 'warn', message: `output is 'standalone' but package.json scripts.start runs next start: ${fix}.`, evidence: [meta.startScript] };
    }
    return { status: 'pass', message: "output is 'standalone' and nothing starts it with next start." };
  },
};
