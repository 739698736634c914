/** The Node actions, reusable by another plugin whose app metadata holds the Node fields. */
import { auditFixAction } from './audit-fix.js';
import { freePortAction } from './free-port.js';
import { reinstallDependenciesAction } from './reinstall.js';
import { restartAction } from './restart.js';
import type { NodeAction } from './shared.js';

export { auditFixAction, freePortAction, reinstallDependenciesAction, restartAction };

export const nodejsActions: NodeAction[] = [restartAction, reinstallDependenciesAction, freePortAction, auditFixAction];
