/** Every check of the MySQL plugin, in the order a report lists them. */
import { errorLogChecks } from './error-log.js';
import { innodbChecks } from './innodb.js';
import { serverChecks } from './server.js';
import { settingsChecks } from './settings.js';
import type { MysqlCheck } from './shared.js';
import { statusChecks } from './status.js';
import { tableChecks } from './tables.js';

export { ACTION, findingResult, type Finding, type MysqlCheck, type MysqlCheckContext, type SnapshotCheck, type Suggestion } from './shared.js';
export { connectionCheck, versionEolCheck, longQueriesCheck, replicationCheck, dataDiskCheck, securityCheck, versionSeries, END_OF_LIFE } from './server.js';
export { connectionsUsedCheck, abortedConnectsCheck, slowQueriesCheck, tmpDiskTablesCheck, threadCacheCheck, tableCacheCheck, openFilesCheck } from './status.js';
export { bufferPoolCheck, redoLogCheck, innodbBytes, redoLogBytes } from './innodb.js';
export { ariaPagecacheCheck, keyBufferCheck, memoryCheck, nameResolutionCheck, performanceSchemaCheck, peakMemory, myisamIndexBytes, isHostName } from './settings.js';
export { errorLogCheck, errorLogPath, splitAtLastStart, START_PATTERN } from './error-log.js';
export { crashedTablesCheck, fragmentationCheck, fragmentedTables, damagedTables, groupCheckRows, tableOk, qualified, tableInLogLine } from './tables.js';

export const mysqlChecks: MysqlCheck[] = [...serverChecks.slice(0, 2), ...statusChecks, ...innodbChecks, ...settingsChecks, ...tableChecks, ...errorLogChecks, ...serverChecks.slice(2)];
