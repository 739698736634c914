/**
 * The Next.js checks: Next's own, plus the Node checks of
 * `@healer/plugin-nodejs` renamed into `nextjs/...` (dependencies, engines,
 * env vars, NODE_ENV, port, crash loop, errors, audit, memory).
 */
import {
  appAnswersCheck,
  auditCheck,
  checkInNamespace,
  crashLoopCheck,
  dependenciesInstalledCheck,
  envVarsCheck,
  memoryCheck,
  nodeEngineCheck,
  nodeEnvCheck,
  portHeldCheck,
  recentErrorsCheck,
} from '@healer/plugin-nodejs';
import { buildExistsCheck, buildStaleCheck } from './build.js';
import { cacheSizeCheck } from './cache-size.js';
import { AVAILABILITY } from './ids.js';
import { nodeVersionCheck } from './node-version.js';
import type { NextCheck } from './shared.js';
import { standaloneStartCheck } from './standalone-start.js';

const NS = 'nextjs';

/** `nextjs/availability`: the Node plugin's health-URL check (core's HTTP probe); a failure is fixed by `nextjs/restart`. */
export const availabilityCheck: NextCheck = { ...checkInNamespace(appAnswersCheck, NS), id: AVAILABILITY, title: 'The app answers on its URL' };

export { buildExistsCheck, buildStaleCheck, cacheSizeCheck, nodeVersionCheck, standaloneStartCheck };

/** The Node checks, as `nextjs/...`. */
export const reusedNodeChecks: NextCheck[] = [
  dependenciesInstalledCheck,
  nodeEngineCheck,
  envVarsCheck,
  nodeEnvCheck,
  portHeldCheck,
  crashLoopCheck,
  recentErrorsCheck,
  auditCheck,
  memoryCheck,
].map((c) => checkInNamespace(c, NS));

export const nextjsChecks: NextCheck[] = [buildExistsCheck, buildStaleCheck, standaloneStartCheck, nodeVersionCheck, cacheSizeCheck, availabilityCheck, ...reusedNodeChecks];
