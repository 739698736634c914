/**
 * The Next.js actions: rebuild, restart, clear the cache, plus the Node
 * plugin's dependency, port and audit actions renamed into `nextjs/...`.
 */
import { actionInNamespace, auditFixAction, freePortAction, reinstallDependenciesAction } from '@healer/plugin-nodejs';
import { clearCacheAction } from './clear-cache.js';
import { rebuildAction } from './rebuild.js';
import { restartAction } from './restart.js';
import type { NextAction } from './shared.js';

export { clearCacheAction, rebuildAction, restartAction };

/** The Node actions, as `nextjs/...`. */
export const reusedNodeActions: NextAction[] = [reinstallDependenciesAction, freePortAction, auditFixAction].map((a) => actionInNamespace(a, 'nextjs') as NextAction);

export const nextjsActions: NextAction[] = [rebuildAction, restartAction, clearCacheAction, ...reusedNodeActions];
