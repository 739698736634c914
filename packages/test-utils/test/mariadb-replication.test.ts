import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariadb, type RunningMariadb } from '../src/mariadb.js';
import { breakReplication, delayReplication, startReplica, type RunningReplica } from '../src/mariadb-replication.js';

describe('replication between two private MariaDB servers', () => {
  let primary: RunningMariadb;
  let replica: RunningReplica;
  beforeAll(async () => {
    primary = await startMariadb();
    await primary.sql('CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY) ENGINE=InnoDB; INSERT INTO app.t VALUES (1)');
    replica = await startReplica(primary);
  });
  afterAll(async () => {
    await replica?.server.cleanup();
    await primary?.cleanup();
  });

  it('startReplica: both threads run, the primary gained a binary log, data from before it was copied, and writes arrive', async () => {
    const s = await replica.status();
    expect(s).toMatchObject({ Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes', Master_Port: String(primary.port), Last_SQL_Errno: '0' });
    expect(await primary.rows('SELECT @@log_bin, @@server_id')).toEqual([['1', '1']]);
    expect(await replica.server.rows('SELECT @@server_id')).toEqual([['2']]);
    // Written before the primary had a binary log: copied, not replicated.
    expect(await replica.server.rows('SELECT id FROM app.t')).toEqual([['1']]);
    await primary.sql('INSERT INTO app.t VALUES (2)');
    await replica.caughtUp();
    expect(await replica.server.rows('SELECT id FROM app.t WHERE id = 2')).toEqual([['2']]);
  });

  it('delayReplication: Seconds_Behind_Master reads the lag while both threads run, and release() catches up', async () => {
    const started = Date.now();
    const lag = await delayReplication(primary, replica, 2);
    expect(lag.secondsBehind).toBeGreaterThanOrEqual(2);
    expect(Date.now() - started).toBeLessThan(10_000);
    const held = await replica.status();
    expect(held).toMatchObject({ Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes', Slave_SQL_Running_State: 'Waiting for table metadata lock' });
    expect(Number(held['Seconds_Behind_Master'])).toBeGreaterThanOrEqual(2);
    await lag.release();
    expect((await replica.status())['Seconds_Behind_Master']).toBe('0');
  });

  it('breakReplication: the SQL thread stops on a duplicate key', async () => {
    const s = await breakReplication(primary, replica);
    expect(s['Slave_SQL_Running']).toBe('No');
    expect(s['Slave_IO_Running']).toBe('Yes');
    expect(s['Last_SQL_Errno']).toBe('1062');
    expect(s['Last_SQL_Error']).toMatch(/Duplicate entry/);
  });
});
