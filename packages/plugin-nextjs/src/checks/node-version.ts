/** `nextjs/node-version`: the Node on the target is in the range the installed Next supports (its `engines.node`). */
import { satisfiesEngine } from '@healer/plugin-nodejs';
import { nextMeta } from '../detect.js';
import { NODE_VERSION } from './ids.js';
import type { NextCheck } from './shared.js';

export const nodeVersionCheck: NextCheck = {
  id: NODE_VERSION,
  title: "The Node.js version is one Next.js supports",
  category: 'configuration',
  severity: 'high',
  async run(ctx) {
    const meta = nextMeta(ctx.app);
    const range = meta.nextEnginesNode;
    if (!meta.nextInstalled) return { status: 'skip', message: 'next is not installed (node_modules/next is missing): its supported Node range is unknown.' };
    const line = await ctx.facts.commandVersion(ctx.config.nodeBinary, ['-v']);
    if (line === null) return { status: 'fail', message: `Node.js (${ctx.config.nodeBinary}) is not installed on the target or not on the PATH.` };
    const version = line.trim();
    if (!range) return { status: 'pass', message: `Node.js ${version}; next ${meta.nextVersion ?? ''} declares no engines.node.`, details: { version } };
    const ok = satisfiesEngine(version, range);
    const details = { version, range, next: meta.nextVersion };
    if (ok === null) return { status: 'warn', message: `Cannot compare Node.js ${version} with Next's engines.node "${range}".`, details };
    return ok
      ? { status: 'pass', message: `Node.js ${version} is supported by next ${meta.nextVersion} (${range}).`, details }
      : { status: 'fail', message: `Node.js ${version} is not supported by next ${meta.nextVersion}, which needs ${range}: install a matching Node.js.`, details };
  },
};
