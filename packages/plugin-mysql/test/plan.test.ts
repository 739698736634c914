/**
 * What runs unattended and what waits for a person: on a private server,
 * OPTIMIZE TABLE of a table above `optimizeMaxBytes` is only planned as
 * the high-risk `mysql/optimize-large-table`, and SET GLOBAL (high) never
 * runs without approval, even in `auto` mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { busyConnections } from './helpers/broken.js';
import { mysqlHealer } from './helpers/healer.js';
import { startPrivateServer, type PrivateServer } from './helpers/private-server.js';

let server: PrivateServer;

beforeAll(async () => {
  server = await startPrivateServer();
  await server.sql(
    [
      'CREATE DATABASE shop',
      'CREATE TABLE shop.log (id INT PRIMARY KEY AUTO_INCREMENT, v CHAR(200)) ENGINE=MyISAM',
      "INSERT INTO shop.log (v) VALUES ('x')",
      ...Array.from({ length: 14 }, () => 'INSERT INTO shop.log (v) SELECT v FROM shop.log'),
      'DELETE FROM shop.log WHERE id % 2 = 0',
    ].join('; '),
  );
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const maxUsed = async (): Promise<number> => Number((await server.sql("SHOW GLOBAL STATUS LIKE 'Max_used_connections'")).split('\t')[1]);
const free = async (): Promise<number> => Number((await server.sql("SELECT DATA_FREE FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'log'")).trim());

describe('risk and approval', () => {
  it('a fragmented table above optimizeMaxBytes waits for approval; below it, auto mode optimizes it', async () => {
    expect(await free()).toBeGreaterThan(1024 ** 2);
    const large = mysqlHealer({ config: { fragmentationMinTableBytes: 1024 ** 2, optimizeMaxBytes: 1024 ** 2 } });
    try {
      const plan = await large.plan(server.dataDir, { mode: 'auto' });
      expect(plan.autoHeal.map((a) => a.actionId)).toEqual([]);
      expect(plan.requireApproval.map((a) => a.actionId)).toEqual(['mysql/optimize-large-table']);
      const { execution } = await large.heal(server.dataDir, { mode: 'auto' });
      expect(execution.attempts).toEqual([]);
      expect(await free()).toBeGreaterThan(1024 ** 2);
    } finally {
      await large.close();
    }

    const small = mysqlHealer({ config: { fragmentationMinTableBytes: 1024 ** 2 } });
    try {
      const { execution } = await small.heal(server.dataDir, { mode: 'auto' });
      expect(execution.state, execution.message).toBe('FIXED');
      expect(execution.attempts).toMatchObject([{ actionId: 'mysql/optimize-table', verified: true }]);
      expect(await free()).toBe(0);
    } finally {
      await small.close();
    }
  }, 120_000);

  it('SET GLOBAL waits for approval even in auto mode, then runs once approved', async () => {
    const busy = await busyConnections(server);
    const healer = mysqlHealer();
    try {
      const plan = await healer.plan(server.dataDir, { mode: 'auto' });
      const setGlobal = plan.requireApproval.find((a) => a.actionId === 'mysql/set-global');
      expect(setGlobal?.steps.map((s) => s.display)).toEqual([`mysql/set-variable: SET GLOBAL max_connections = ${Math.ceil(((await maxUsed()) * 100) / 70)} (was 10)`]);
      const unattended = await healer.heal(server.dataDir, { mode: 'auto' });
      expect(unattended.execution.attempts.map((a) => a.actionId)).not.toContain('mysql/set-global');
      expect((await server.sql('SELECT @@GLOBAL.max_connections')).trim()).toBe('10');
      const { execution } = await healer.heal(server.dataDir, { mode: 'auto', approve: { planHash: plan.planHash, actions: ['mysql/set-global'] } });
      expect(execution.state, execution.message).toBe('FIXED');
      expect(Number((await server.sql('SELECT @@GLOBAL.max_connections')).trim())).toBeGreaterThanOrEqual(14);
      // Never written to an option file.
      expect(await readFile(server.optionFile, 'utf8')).not.toContain('max_connections');
    } finally {
      await healer.close();
      await busy.stop();
    }
  }, 120_000);
});
