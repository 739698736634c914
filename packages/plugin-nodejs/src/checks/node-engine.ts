/** `nodejs/node-engine`: the Node on the target satisfies `engines.node` (semver). */
import semver from 'semver';
import { nodeMeta } from '../detect.js';
import type { NodeCheck } from './shared.js';

export const NODE_ENGINE = 'nodejs/node-engine';

/**
 * Whether `version` (`v20.11.1`) satisfies `range` (`>=18 <21`): true,
 * false, or null when either cannot be read.
 */
export function satisfiesEngine(version: string, range: string): boolean | null {
  const v = semver.coerce(version);
  if (!v || semver.validRange(range) === null) return null;
  return semver.satisfies(v, range, { includePrerelease: true });
}

export const nodeEngineCheck: NodeCheck = {
  id: NODE_ENGINE,
  title: 'The Node.js version satisfies engines.node',
  category: 'configuration',
  severity: 'high',
  async run(ctx) {
    const range = nodeMeta(ctx.app).enginesNode;
    const line = await ctx.facts.commandVersion(ctx.config.nodeBinary, ['-v']);
    if (line === null) return { status: 'fail', message: `Node.js (${ctx.config.nodeBinary}) is not installed on the target or not on the PATH.` };
    const version = line.trim();
    if (!range) return { status: 'pass', message: `Node.js ${version}; package.json sets no engines.node.`, details: { version } };
    const ok = satisfiesEngine(version, range);
    if (ok === null) return { status: 'warn', message: `Cannot compare Node.js ${version} with engines.node "${range}": not a semver range.`, details: { version, range } };
    return ok
      ? { status: 'pass', message: `Node.js ${version} satisfies engines.node ${range}.`, details: { version, range } }
      : { status: 'fail', message: `Node.js ${version} does not satisfy engines.node ${range}: install a matching Node.js or change engines.node.`, details: { version, range } };
  },
};
