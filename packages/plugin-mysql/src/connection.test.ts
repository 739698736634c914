/**
 * The order credentials are tried in, from a context whose files and
 * commands are faked: the parsing and ordering only. The real logins are
 * tested against real servers in test/detect.test.ts and test/ssh.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { RunResult } from '@healer/core';
import { mysqlConfigSchema } from './config.js';
import { credentialCandidates, type MysqlContext } from './connection.js';
import type { MysqlMetadata } from './types.js';

const META: MysqlMetadata = {
  dataDir: '/var/lib/mysql', flavor: 'mariadb', version: '10.11.19', binary: '/usr/sbin/mariadbd', optionFiles: ['/etc/mysql/my.cnf'],
  socket: '/run/mysqld/mysqld.sock', port: 3306, bindAddress: '127.0.0.1', errorLog: null, pid: 42, serverName: null,
};

function context(files: Record<string, string>, config: unknown = {}, home = '/home/ops'): MysqlContext & { secretsSeen: string[] } {
  const secretsSeen: string[] = [];
  const ok = (stdout: string): RunResult => ({ stdout, stdoutBytes: Buffer.from(stdout), stderr: '', exitCode: 0, signal: null, timedOut: false, truncated: false, durationMs: 0 });
  return {
    secretsSeen,
    app: { id: 'x', plugin: 'mysql', stack: 'mysql', root: META.dataDir, confidence: 0.9, evidence: [], metadata: META },
    exec: { run: async () => ok(home) } as unknown as MysqlContext['exec'],
    fs: {
      readText: async (p: string) => files[p] ?? null,
      list: async () => [],
      exists: async (p: string) => p === META.socket || p in files,
    } as unknown as MysqlContext['fs'],
    facts: { get: (_k: string, probe: () => Promise<unknown>) => probe() } as unknown as MysqlContext['facts'],
    secrets: { add: (v: string | null | undefined) => void (v && secretsSeen.push(v)) },
    config: mysqlConfigSchema.parse(config),
    signal: new AbortController().signal,
  };
}

describe('credential candidates', () => {
  it('config, debian.cnf, unix socket as root, ~/.my.cnf: in that order, passwords registered as secrets', async () => {
    const ctx = context(
      {
        '/etc/mysql/debian.cnf': '[client]\nhost = localhost\nuser = debian-sys-maint\npassword = deb-pw\nsocket = /run/mysqld/mysqld.sock\n',
        '/home/ops/.my.cnf': '[client]\nuser=ops\npassword="my pw"\nhost=elsewhere.example\n',
      },
      { servers: { main: { dataDir: '/var/lib/mysql/', user: 'healer', password: 'cfg-pw' } } },
    );
    const list = await credentialCandidates(ctx);
    expect(list.map((c) => c.source)).toEqual(['config', 'debian.cnf', 'unix-socket', '~/.my.cnf']);
    expect(list[0]!.conn).toEqual({ socket: '/run/mysqld/mysqld.sock', user: 'healer', password: 'cfg-pw' });
    expect(list[1]!.conn).toEqual({ user: 'debian-sys-maint', password: 'deb-pw', socket: '/run/mysqld/mysqld.sock' });
    expect(list[2]!.conn).toEqual({ user: 'root', socket: '/run/mysqld/mysqld.sock' });
    // Only the credentials: the endpoint is always this server's, never where an option file points.
    expect(list[3]!.conn).toEqual({ user: 'ops', password: 'my pw', socket: '/run/mysqld/mysqld.sock' });
    expect(ctx.secretsSeen.sort()).toEqual(['cfg-pw', 'deb-pw', 'my pw']);
  });

  it('only what exists: no configured user, no debian.cnf, no ~/.my.cnf leaves the socket login', async () => {
    expect((await credentialCandidates(context({}))).map((c) => c.source)).toEqual(['unix-socket']);
  });

  it('a configured TCP endpoint is used as given', async () => {
    const list = await credentialCandidates(context({}, { servers: { main: { dataDir: '/var/lib/mysql', user: 'healer', password: '', host: 'db.internal', port: 3307 } } }));
    expect(list[0]!.conn).toEqual({ host: 'db.internal', port: 3307, user: 'healer', password: '' });
    expect(list.map((c) => c.source)).toEqual(['config']);
  });
});
