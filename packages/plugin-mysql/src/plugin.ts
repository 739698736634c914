/**
 * The MySQL/MariaDB plugin object: detection, checks, actions, operations
 * and backup parts for a database server, local or over SSH.
 */
import { definePlugin } from '@healer/core';
import { mysqlConfigSchema } from './config.js';
import { detectMysql, serverTarget, SIGNATURES } from './detect.js';
import { mysqlChecks } from './checks/index.js';
import { mysqlActions } from './actions/index.js';
import { mysqlBackup } from './backup.js';
import { mysqlOperations } from './operations.js';
import type { MysqlMetadata } from './types.js';

export const PLUGIN_VERSION = '1.0.0';

export const mysqlPlugin = definePlugin<typeof mysqlConfigSchema, MysqlMetadata>({
  name: 'mysql',
  version: PLUGIN_VERSION,
  description: 'MySQL and MariaDB servers: connection, version support, MySQLTuner-grade status checks, crashed and fragmented tables, long queries, replication, disk, accounts; repair, optimize, kill, restart and SET GLOBAL with rollback.',
  engines: { core: '^1.0.0' },
  stacks: ['mysql'],
  signatures: [...SIGNATURES],
  configSchema: mysqlConfigSchema,
  secrets: (config) => Object.values(config.servers).map((s) => s.password),
  detect: detectMysql,
  targets: (config) => Object.fromEntries(Object.keys(config.servers).map((name) => [name, serverTarget(config, name)!])),
  checks: mysqlChecks,
  actions: mysqlActions,
  operations: mysqlOperations,
  backup: mysqlBackup,
});
