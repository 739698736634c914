import { describe, expect, it } from 'vitest';
import { localServerOf } from './local-server.js';

/** Option files and folders as a map: enough for the reader (a parser test; the real one is in the WordPress plugin's database test). */
function fakeFs(files: Record<string, string>, dirs: string[]) {
  return {
    readText: async (path: string) => files[path] ?? null,
    list: async () => [],
    exists: async (path: string) => dirs.includes(path) || path in files,
  };
}

const DEBIAN = { '/etc/mysql/my.cnf': '[client-server]\nsocket = /run/mysqld/mysqld.sock\n[mysqld]\ndatadir = /srv/db\nport = 3307\n' };

describe('localServerOf', () => {
  const fs = fakeFs(DEBIAN, ['/srv/db/mysql']);

  it('matches a loopback endpoint on the server port, and localhost or the socket path on its socket', async () => {
    const server = { dataDir: '/srv/db', port: 3307, socket: '/run/mysqld/mysqld.sock' };
    expect(await localServerOf(fs, { host: '127.0.0.1', port: 3307, socket: null })).toEqual(server);
    expect(await localServerOf(fs, { host: 'localhost', port: null, socket: null })).toEqual(server);
    expect(await localServerOf(fs, { host: 'localhost', port: null, socket: '/var/run/mysqld/mysqld.sock' })).toEqual(server);
  });

  it('names no server for another port or socket, a remote host, or a data directory that is not there', async () => {
    expect(await localServerOf(fs, { host: '127.0.0.1', port: null, socket: null })).toBeNull();
    expect(await localServerOf(fs, { host: 'localhost', port: null, socket: '/tmp/other.sock' })).toBeNull();
    expect(await localServerOf(fs, { host: 'db.example.test', port: 3307, socket: null })).toBeNull();
    expect(await localServerOf(fakeFs(DEBIAN, []), { host: '127.0.0.1', port: 3307, socket: null })).toBeNull();
    expect(await localServerOf(fakeFs({}, ['/var/lib/mysql/mysql']), { host: 'localhost', port: null, socket: null })).toBeNull();
  });
});
