/**
 * The Next.js actions: rebuild, restart, clear the cache, audit fix (with a
 * rebuild), plus the Node plugin's dependency and port actions renamed into
 * `nextjs/...`.
 */
import { actionInNamespace, freePortAction, reinstallDependenciesAction } from '@healer/plugin-nodejs';
import { nextAuditFixAction } from './audit-fix.js';
import { clearCacheAction } from './clear-cache.js';
import { rebuildAction } from './rebuild.js';
import { restartAction } from './restart.js';
import type { NextAction } from './shared.js';

export { clearCacheAction, nextAuditFixAction, rebuildAction, restartAction };

/** The Node actions, as `nextjs/...`. */
export const reusedNodeActions: NextAction[] = [reinstallDependenciesAction, freePortAction].map((a): NextAction => actionInNamespace(a, 'nextjs'));

export const nextjsActions: NextAction[] = [rebuildAction, restartAction, clearCacheAction, nextAuditFixAction, ...reusedNodeActions];
