/**
 * Broken states made on a private server, as a crash, a full disk or a
 * runaway client leaves them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { PrivateServer } from './private-server.js';

/**
 * A MyISAM table with three rows whose index file was cut, as a killed
 * server leaves it. Returns `db.table`.
 */
export async function crashedTable(server: PrivateServer, db = 'shop', table = 'orders'): Promise<string> {
  await server.sql(`CREATE DATABASE IF NOT EXISTS ${db}; CREATE TABLE ${db}.${table} (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(100), KEY (v)) ENGINE=MyISAM; INSERT INTO ${db}.${table} (v) VALUES ('a'), ('b'), ('c'); FLUSH TABLES ${db}.${table}`);
  await truncate(join(server.dataDir, db, `${table}.MYI`), 1024);
  await server.sql(`FLUSH TABLES ${db}.${table}`);
  return `${db}.${table}`;
}

/** A client running `SELECT SLEEP(seconds)` on the server; resolves once the server lists it. */
export async function runawayQuery(server: PrivateServer, seconds = 600): Promise<{ id: number; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn('mariadb', ['--no-defaults', '-uroot', `--socket=${server.socket}`, '-e', `SELECT SLEEP(${seconds}) AS runaway`], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const id = (await server.sql("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(%) AS runaway'")).trim();
    if (id !== '') {
      return {
        id: Number(id),
        child,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) {
            const done = new Promise((r) => child.once('exit', r));
            child.kill('SIGKILL');
            await done;
          }
          await server.sql(`KILL ${Number(id)}`).catch(() => undefined);
        },
      };
    }
    if (Date.now() > deadline) throw new Error('the runaway query did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * `max_connections` lowered to `max` and `clients` clients connected at
 * once (each running `SELECT SLEEP(600)`), so `Max_used_connections` nears
 * the limit. `stop()` disconnects them.
 */
export async function busyConnections(server: PrivateServer, max = 10, clients = 9): Promise<{ stop(): Promise<void> }> {
  await server.sql(`SET GLOBAL max_connections = ${max}`);
  const children: ChildProcess[] = [];
  for (let i = 0; i < clients; i++) children.push(spawn('mariadb', ['--no-defaults', '-uroot', `--socket=${server.socket}`, '-e', 'SELECT SLEEP(600) AS busy'], { stdio: 'ignore' }));
  const stop = async (): Promise<void> => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    const ids = (await server.sql("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(600) AS busy'").catch(() => '')).split('\n').filter((l) => /^\d+$/.test(l));
    for (const id of ids) await server.sql(`KILL ${id}`).catch(() => undefined);
  };
  const deadline = Date.now() + 15_000;
  while (Number((await server.sql("SHOW GLOBAL STATUS LIKE 'Max_used_connections'")).split('\t')[1]) < clients) {
    if (Date.now() > deadline) {
      await stop();
      throw new Error('the clients did not connect');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { stop };
}
