/**
 * The checks on real servers: a fresh MariaDB with default settings gives
 * no failure (where MySQLTuner 1.9.9 divides by zero), a crashed MyISAM
 * table and a runaway query are found on a private server, and the
 * machine's own server accepts a login (nothing more: other sessions'
 * tables are on it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealer, MemoryStateStore, withOnlyChecks } from '@healer/core';
import { mysqlPlugin } from '../src/plugin.js';
import { mysqlHealer } from './helpers/healer.js';
import { crashedTable, runawayQuery } from './helpers/broken.js';
import { startPrivateServer, type PrivateServer } from './helpers/private-server.js';

let server: PrivateServer;

beforeAll(async () => {
  server = await startPrivateServer();
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('checks on real servers', () => {
  it('a fresh server with default settings: no check fails or errors', async () => {
    const healer = mysqlHealer();
    try {
      const diagnosis = await healer.diagnose(server.dataDir);
      const bad = diagnosis.results.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => `${r.id}: ${r.message}`);
      expect(bad).toEqual([]);
      expect(diagnosis.results.map((r) => r.id)).toContain('mysql/tmp-disk-tables');
      expect(diagnosis.results.find((r) => r.id === 'mysql/security')?.status).toBe('pass');
      expect(diagnosis.results.find((r) => r.id === 'mysql/crashed-tables')?.details?.['checked']).toBeGreaterThan(0);
    } finally {
      await healer.close();
    }
  });

  it('finds a crashed MyISAM table with CHECK TABLE and names the repair', async () => {
    const table = await crashedTable(server, 'crashdb', 'orders');
    const healer = mysqlHealer();
    try {
      const r = (await healer.diagnose(server.dataDir)).results.find((x) => x.id === 'mysql/crashed-tables')!;
      expect(r).toMatchObject({ status: 'fail', fixes: ['mysql/repair-table'], details: { tables: [table] } });
    } finally {
      await healer.close();
      await server.sql('DROP DATABASE crashdb');
    }
  });

  it('finds a query running longer than the threshold, with its thread id', async () => {
    const q = await runawayQuery(server);
    const healer = mysqlHealer({ config: { longQuerySeconds: 1 } });
    try {
      await new Promise((r) => setTimeout(r, 2100));
      const r = (await healer.diagnose(server.dataDir)).results.find((x) => x.id === 'mysql/long-queries')!;
      expect(r).toMatchObject({ status: 'warn', fixes: ['mysql/kill-query'], details: { queries: [{ id: q.id, user: 'root' }] } });
    } finally {
      await healer.close();
      await q.stop();
    }
  });

  it("the machine's server: the login only (a full diagnosis opens and checks every table, other sessions' too)", async () => {
    const healer = createHealer({ plugins: [{ plugin: withOnlyChecks(mysqlPlugin, ['mysql/connection']), config: {} }], state: new MemoryStateStore(), sharedChecks: false });
    try {
      const diagnosis = await healer.diagnose('/var/lib/mysql');
      expect(diagnosis.results.map((r) => [r.id, r.status])).toEqual([['mysql/connection', 'pass']]);
    } finally {
      await healer.close();
    }
  });
});
