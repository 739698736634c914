/**
 * The action contract (`checkActionContract`) for every MySQL action, each
 * phase on a fresh private MariaDB in the broken state the action fixes:
 * planned twice, the same hash; applied, verified and rolled back, the
 * state byte-identical to before (or, for kills and restarts, which declare
 * they cannot be undone, a rollback refused that changes nothing); a change
 * by a person before the apply or before the rollback refused.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryStateStore } from '@healer/core';
import { checkActionContract, type ActionScenario, type ContractApp } from '@healer/test-utils';
import { describe, expect, it } from 'vitest';
import type { MysqlConfigInput } from '../src/config.js';
import { mysqlPlugin } from '../src/plugin.js';
import { busyConnections, crashedTable, runawayQuery } from './helpers/broken.js';
import { startPrivateServer, type PrivateServer } from './helpers/private-server.js';

const EMPTY = { planTwice: [], roundTrip: [], driftBeforeApply: [], driftBeforeRollback: [] };
const sha256 = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

interface Broken {
  config?: MysqlConfigInput;
  /** More `[mysqld]` lines for the server. */
  serverOptions?: string[];
  /** The target as given to the healer (default: the data directory). */
  target?(server: PrivateServer): string;
  breakServer(server: PrivateServer): Promise<{ drift(): Promise<void>; snapshot(): Promise<string>; cleanup?(): Promise<void> }>;
}

function scenario(actionId: string, spec: Broken): ActionScenario {
  return {
    actionId,
    plugin: mysqlPlugin,
    async setup(): Promise<ContractApp> {
      const server = await startPrivateServer(spec.serverOptions);
      try {
        const broken = await spec.breakServer(server);
        return {
          target: spec.target?.(server) ?? server.dataDir,
          options: { state: new MemoryStateStore(), sharedChecks: false, checkTimeoutMs: 120_000, breaker: { cooldownMs: 0 } },
          config: { ...spec.config },
          drift: broken.drift,
          snapshot: broken.snapshot,
          async cleanup() {
            await broken.cleanup?.();
            await server.stop();
          },
        };
      } catch (e) {
        await server.stop();
        throw e;
      }
    },
  };
}

/** The bytes of a MyISAM table's data file (not a SELECT: opening a crashed table lets the server repair it). */
async function dataFile(server: PrivateServer, table: string): Promise<string> {
  const [db, name] = table.split('.') as [string, string];
  await server.sql(`FLUSH TABLES ${db}.${name}`);
  return sha256(await readFile(join(server.dataDir, db, `${name}.MYD`)));
}

/** A MyISAM table of about 4 MB with every other row deleted: about 2 MB free inside it. */
async function fragmentedTable(server: PrivateServer): Promise<string> {
  await server.sql(
    [
      'CREATE DATABASE shop',
      'CREATE TABLE shop.log (id INT PRIMARY KEY AUTO_INCREMENT, v CHAR(200)) ENGINE=MyISAM',
      "INSERT INTO shop.log (v) VALUES ('x')",
      ...Array.from({ length: 14 }, () => 'INSERT INTO shop.log (v) SELECT v FROM shop.log'),
      'DELETE FROM shop.log WHERE id % 2 = 0',
    ].join('; '),
  );
  return 'shop.log';
}

const rows = (server: PrivateServer, table: string): Promise<string> => server.sql(`CHECKSUM TABLE ${table} EXTENDED`);
const personInserts = async (server: PrivateServer, table: string): Promise<void> => void (await server.sql(`INSERT INTO ${table} (v) VALUES ('added by a person')`));

/** A person repairs the table by hand; once it is sound, adds a row. */
const repairedOrInserted = (server: PrivateServer, table: string) => async (): Promise<void> => {
  if (/error|corrupt|crashed/i.test(await server.sql(`CHECK TABLE ${table}`))) await server.sql(`REPAIR TABLE ${table}`);
  else await personInserts(server, table);
};

/** A person optimizes the table by hand; once it has no free space left, adds a row. */
const optimizedOrInserted = (server: PrivateServer, table: string) => async (): Promise<void> => {
  const [db, name] = table.split('.');
  const free = Number((await server.sql(`SELECT DATA_FREE FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${db}' AND TABLE_NAME = '${name}'`)).trim());
  if (free > 0) await server.sql(`OPTIMIZE TABLE ${table}`);
  else await personInserts(server, table);
};

const scenarios: ActionScenario[] = [
  scenario('mysql/repair-table', {
    // With the default (BACKUP,QUICK) the server repairs a crashed MyISAM table itself when something opens it, which
    // the diagnosis does (information_schema.TABLES): the action is for servers where that is off, or did not work.
    serverOptions: ['myisam-recover-options=OFF'],
    async breakServer(server) {
      const table = await crashedTable(server);
      return { drift: repairedOrInserted(server, table), snapshot: () => dataFile(server, table) };
    },
  }),
  scenario('mysql/optimize-table', {
    config: { fragmentationMinTableBytes: 1024 ** 2 },
    async breakServer(server) {
      const table = await fragmentedTable(server);
      return { drift: optimizedOrInserted(server, table), snapshot: () => rows(server, table) };
    },
  }),
  scenario('mysql/optimize-large-table', {
    config: { fragmentationMinTableBytes: 1024 ** 2, optimizeMaxBytes: 1024 ** 2 },
    async breakServer(server) {
      const table = await fragmentedTable(server);
      return { drift: optimizedOrInserted(server, table), snapshot: () => rows(server, table) };
    },
  }),
  scenario('mysql/set-global', {
    async breakServer(server) {
      // Nine of ten connections used: mysql/connections-used suggests max_connections = 15.
      const busy = await busyConnections(server);
      return {
        drift: async () => void (await server.sql('SET GLOBAL max_connections = 12')),
        snapshot: () => server.sql('SELECT @@GLOBAL.max_connections'),
        cleanup: busy.stop,
      };
    },
  }),
  scenario(
    'mysql/kill-query',
    {
      config: { longQuerySeconds: 1 },
      async breakServer(server) {
        const q = await runawayQuery(server);
        await new Promise((r) => setTimeout(r, 2100));
        return {
          drift: async () => void (await server.sql(`KILL QUERY ${q.id}`).catch(() => undefined)),
          snapshot: () => server.sql("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(%) AS runaway' ORDER BY ID"),
          cleanup: q.stop,
        };
      },
    },
  ),
  scenario(
    'mysql/restart-server',
    {
      async breakServer(server) {
        await server.kill();
        return {
          // A person starts the server by hand.
          drift: () => server.start(),
          snapshot: async () => ((await server.sql('SELECT 1').then(() => true, () => false)) ? 'up' : 'down'),
        };
      },
    },
  ),
];

/** The restart scenario needs the server's option file (it is down: no process to find it by) and the way to start it. */
const restartScenario = scenarios.find((s) => s.actionId === 'mysql/restart-server')!;
const plainSetup = restartScenario.setup;
restartScenario.setup = async () => {
  const app = await plainSetup();
  const dataDir = app.target as string;
  const dir = join(dataDir, '..');
  return { ...app, config: { servers: { test: { dataDir, optionFile: join(dir, 'my.cnf') } }, restartCommand: ['sh', join(dir, 'restart.sh')] } };
};

describe('plugin contract 1.1: every MySQL action', () => {
  it('has one scenario per shipped action', () => {
    expect(scenarios.map((s) => s.actionId).sort()).toEqual(mysqlPlugin.actions.map((a) => a.id).sort());
  });

  for (const s of scenarios) {
    it(`${s.actionId} keeps the contract`, async () => {
      expect(await checkActionContract(s)).toEqual(EMPTY);
    }, 600_000);
  }
});
