import { promises as fsp } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startMariadb, type RunningMariadb } from '../src/mariadb.js';

/** The port the answering server says it listens on: proves the statement reached the private server, not the machine's. */
async function portOf(server: RunningMariadb): Promise<number> {
  return Number((await server.sql('SELECT @@port')).trim());
}

describe('startMariadb', () => {
  const servers: RunningMariadb[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.cleanup()));
  });

  it('starts a private server that answers over its socket and over TCP, restarts with new options, and stops', async () => {
    const db = await startMariadb({ serverOptions: { max_connections: 23 } });
    servers.push(db);
    expect(db.port).not.toBe(3306);
    expect(db.socket.startsWith(db.dir)).toBe(true);
    expect(db.version).toMatch(/^\d+\.\d+\.\d+-MariaDB/);
    expect(await portOf(db)).toBe(db.port);
    expect((await db.sql('SELECT @@datadir')).trim()).toBe(`${db.dataDir}/`);
    expect((await db.sql('SELECT @@max_connections, @@myisam_recover_options')).trim()).toBe('23\tOFF');
    // The server runs as the mysql user.
    const status = await fsp.readFile(`/proc/${db.pid()}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    expect(uid).not.toBe(0);
    // TCP with root's password, as a tool like MySQLTuner connects.
    expect((await db.sql('SELECT CURRENT_USER(), 6 * 7', { tcp: true })).trim()).toBe('root@localhost\t42');
    await expect(db.sql('SELECT 1 FROM no_such_table', { database: 'mysql' })).rejects.toThrow(/doesn't exist/);

    await db.sql('CREATE DATABASE kept; CREATE TABLE kept.t (id INT) ENGINE=InnoDB; INSERT INTO kept.t VALUES (1), (2)');
    const firstPid = db.pid();
    await db.restart({ max_connections: 31, slow_query_log: true });
    expect(db.pid()).not.toBe(firstPid);
    expect(await db.rows('SELECT @@max_connections, @@slow_query_log')).toEqual([['31', '1']]);
    expect(await db.rows('SELECT COUNT(*) FROM kept.t')).toEqual([['2']]);

    await db.stop();
    expect(db.pid()).toBeNull();
    await expect(db.sql('SELECT 1')).rejects.toThrow(/Can't connect/);
    expect(await fsp.readFile(db.errorLog, 'utf8')).toMatch(/Shutdown complete/);
    await db.restart();
    expect(await db.rows('SELECT COUNT(*) FROM kept.t')).toEqual([['2']]);
    await db.cleanup();
    await expect(fsp.stat(db.dir)).rejects.toThrow();
  });

  it('runs two servers at once, each with its own port, socket and data', async () => {
    const [a, b] = await Promise.all([startMariadb(), startMariadb({ serverOptions: { max_connections: 17 } })]);
    servers.push(a, b);
    expect(a.port).not.toBe(b.port);
    expect(a.socket).not.toBe(b.socket);
    await a.sql('CREATE DATABASE only_in_a');
    expect(await b.rows("SHOW DATABASES LIKE 'only_in_a'")).toEqual([]);
    expect(await a.rows("SHOW DATABASES LIKE 'only_in_a'")).toEqual([['only_in_a']]);
    expect(await b.rows('SELECT @@max_connections')).toEqual([['17']]);
    expect(await a.rows('SELECT @@max_connections')).toEqual([['151']]);
  });

  it('fails with the tail of the error log when the server cannot start', async () => {
    await expect(startMariadb({ serverOptions: { innodb_buffer_pool_size: 'not-a-size' } })).rejects.toThrow(/mariadbd exited at start[\s\S]*innodb.buffer.pool.size/i);
  });

  it('recovers after a crash (SIGKILL) on restart', async () => {
    const db = await startMariadb();
    servers.push(db);
    await db.sql('CREATE DATABASE c; CREATE TABLE c.t (id INT PRIMARY KEY) ENGINE=InnoDB; INSERT INTO c.t VALUES (7)');
    await db.kill();
    expect(db.pid()).toBeNull();
    await db.restart();
    expect(await db.rows('SELECT id FROM c.t')).toEqual([['7']]);
  });
});
