/** The Node checks, each reusable by another plugin whose app metadata holds the Node fields. */
import { appAnswersCheck } from './app-answers.js';
import { auditCheck } from './audit.js';
import { crashLoopCheck } from './crash-loop.js';
import { dependenciesInstalledCheck } from './dependencies.js';
import { envVarsCheck } from './env-vars.js';
import { memoryCheck } from './memory.js';
import { nodeEngineCheck } from './node-engine.js';
import { nodeEnvCheck } from './node-env.js';
import { portHeldCheck } from './port-held.js';
import { recentErrorsCheck } from './recent-errors.js';
import type { NodeCheck } from './shared.js';

export {
  appAnswersCheck,
  auditCheck,
  crashLoopCheck,
  dependenciesInstalledCheck,
  envVarsCheck,
  memoryCheck,
  nodeEngineCheck,
  nodeEnvCheck,
  portHeldCheck,
  recentErrorsCheck,
};

export const nodejsChecks: NodeCheck[] = [
  dependenciesInstalledCheck,
  nodeEngineCheck,
  envVarsCheck,
  nodeEnvCheck,
  appAnswersCheck,
  portHeldCheck,
  crashLoopCheck,
  recentErrorsCheck,
  auditCheck,
  memoryCheck,
];
