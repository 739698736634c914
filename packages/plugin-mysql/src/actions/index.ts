/** Every action of the MySQL plugin, lowest risk first. */
import { killQueryAction } from './kill-query.js';
import { restartServerAction } from './restart-server.js';
import { setGlobalAction } from './set-global.js';
import type { MysqlAction } from './shared.js';
import { optimizeLargeTableAction, optimizeTableAction, repairTableAction } from './tables.js';

export { killQueryAction, restartServerAction, setGlobalAction, optimizeLargeTableAction, optimizeTableAction, repairTableAction };
export type { MysqlAction, MysqlActionContext, MysqlPlanContext } from './shared.js';

export const mysqlActions: MysqlAction[] = [repairTableAction, optimizeTableAction, optimizeLargeTableAction, setGlobalAction, killQueryAction, restartServerAction];
