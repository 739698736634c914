/**
 * More broken states on private servers, each found by its check with the
 * server's own words: a replica whose SQL thread stopped, unsafe accounts,
 * corruption in the error log, connections near max_connections (healed
 * with SET GLOBAL once approved).
 */
import { appendFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyConnections } from './helpers/broken.js';
import { mysqlHealer } from './helpers/healer.js';
import { startPrivateServer, type PrivateServer } from './helpers/private-server.js';

let server: PrivateServer;

beforeAll(async () => {
  server = await startPrivateServer();
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const resultOf = async (target: string, id: string, config = {}) => {
  const healer = mysqlHealer({ config });
  try {
    return (await healer.diagnose(target)).results.find((r) => r.id === id)!;
  } finally {
    await healer.close();
  }
};

describe('broken states', () => {
  it('a replica whose SQL thread stopped fails mysql/replication; running, it passes', async () => {
    const primary = await startPrivateServer(['server-id=1', 'log-bin=primary-bin']);
    const replica = await startPrivateServer(['server-id=2']);
    try {
      await primary.sql("CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'repl-pw'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'");
      await replica.sql(`CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${primary.port}, MASTER_USER='repl', MASTER_PASSWORD='repl-pw', MASTER_USE_GTID=slave_pos; START SLAVE`);
      // Slave_IO_Running and Slave_SQL_Running are the 11th and 12th columns.
      const running = async (): Promise<string> => (await replica.sql('SHOW SLAVE STATUS')).split('\t').slice(10, 12).join(' ');
      const deadline = Date.now() + 20_000;
      while ((await running()) !== 'Yes Yes') {
        if (Date.now() > deadline) throw new Error('replication did not start');
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await resultOf(replica.dataDir, 'mysql/replication')).toMatchObject({ status: 'pass' });
      await replica.sql('STOP SLAVE SQL_THREAD');
      const r = await resultOf(replica.dataDir, 'mysql/replication');
      expect(r.status).toBe('fail');
      expect(r.message).toContain('SQL thread No');
    } finally {
      await Promise.all([primary.stop(), replica.stop()]);
    }
  }, 180_000);

  it('an anonymous account, an account without a password and root from anywhere fail mysql/security', async () => {
    await server.sql("CREATE USER ''@'localhost'; CREATE USER 'app'@'%'; CREATE USER 'root'@'%' IDENTIFIED BY 'x'");
    try {
      const r = await resultOf(server.dataDir, 'mysql/security');
      expect(r).toMatchObject({ status: 'fail', details: { anonymous: 1, withoutPassword: ['app@%'], rootFromAnyHost: true } });
    } finally {
      await server.sql("DROP USER ''@'localhost', 'app'@'%', 'root'@'%'");
    }
  });

  it('a corruption line in the error log that names no table warns, with the line as evidence', async () => {
    const p = (n: number) => String(n).padStart(2, '0');
    const d = new Date();
    const stamp = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    const line = `${stamp} 0 [ERROR] InnoDB: Page [page id: space=5, page number=3] log sequence number is in the future; checksum mismatch`;
    await appendFile(server.errorLog, `${line}\n`);
    const r = await resultOf(server.dataDir, 'mysql/crashed-tables');
    expect(r).toMatchObject({ status: 'warn' });
    expect(r.evidence).toContain(line);
  });

  it('connections near max_connections fail, and SET GLOBAL of the suggested value heals it once approved', async () => {
    const busy = await busyConnections(server);
    const healer = mysqlHealer();
    try {
      const diagnosis = await healer.diagnose(server.dataDir);
      const r = diagnosis.results.find((x) => x.id === 'mysql/connections-used')!;
      expect(r).toMatchObject({ status: 'fail', fixes: ['mysql/set-global'], details: { variable: 'Max_used_connections', threshold: '> 85% of max_connections' } });
      const plan = await healer.plan(server.dataDir, { mode: 'auto' });
      const { execution } = await healer.heal(server.dataDir, { mode: 'auto', approve: { planHash: plan.planHash, actions: ['mysql/set-global'] } });
      expect(execution.state, execution.message).toBe('FIXED');
      expect(Number((await server.sql('SELECT @@GLOBAL.max_connections')).trim())).toBeGreaterThanOrEqual(14);
    } finally {
      await healer.close();
      await busy.stop();
    }
  }, 120_000);
});
