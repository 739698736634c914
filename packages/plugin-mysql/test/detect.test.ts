/**
 * Detection, credentials and the client runner against real servers: the
 * machine's MariaDB (read only) and a private one with its own option file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlPlugin } from '../src/plugin.js';
import { commandText, mysqlHealer, recordingExecutor } from './helpers/healer.js';
import { startPrivateServer, type PrivateServer } from './helpers/private-server.js';

let server: PrivateServer;

beforeAll(async () => {
  server = await startPrivateServer();
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('detection', () => {
  it('recognizes the machine server by its data directory: binary, version, socket, port, error log, process', async () => {
    const healer = mysqlHealer();
    try {
      const { app } = await healer.detect('/var/lib/mysql');
      expect(app).toMatchObject({ plugin: 'mysql', stack: 'mysql', root: '/var/lib/mysql' });
      expect(app!.version).toMatch(/^10\.\d+\.\d+$/);
      expect(app!.metadata).toMatchObject({ flavor: 'mariadb', binary: '/usr/sbin/mariadbd', socket: '/run/mysqld/mysqld.sock', port: 3306, errorLog: '/var/log/mysql/error.log' });
      expect(app!.metadata['optionFiles']).toContain('/etc/mysql/my.cnf');
      expect(app!.metadata['pid']).toEqual(expect.any(Number));
      // The folder of its my.cnf leads to the same server.
      expect((await healer.detect('/etc/mysql')).app).toMatchObject({ root: '/var/lib/mysql', id: app!.id });
    } finally {
      await healer.close();
    }
  });

  it('recognizes a server from the folder of its my.cnf, and finds its own socket and port through its process', async () => {
    const healer = mysqlHealer();
    try {
      const byFolder = (await healer.detect(server.dir)).app;
      expect(byFolder).toMatchObject({ root: server.dataDir, metadata: { socket: server.socket, port: server.port, errorLog: server.errorLog, optionFiles: [server.optionFile] } });
      const byData = (await healer.detect(server.dataDir)).app;
      expect(byData).toMatchObject({ root: server.dataDir, metadata: { socket: server.socket, port: server.port, pid: await server.pid() } });
    } finally {
      await healer.close();
    }
  });

  it('does not claim a folder that is no data directory', async () => {
    const healer = mysqlHealer();
    try {
      expect((await healer.detect(`${server.dataDir}/mysql`)).app).toBeNull();
      expect((await healer.detect('/tmp')).app).toBeNull();
    } finally {
      await healer.close();
    }
  });
});

describe('credentials and the client', () => {
  it('logs in with the configured credentials first, the password only on stdin, and reads every status variable in one client run', async () => {
    const password = 'S3cret-healer-pw';
    await server.sql(`CREATE USER IF NOT EXISTS 'healer'@'localhost' IDENTIFIED BY '${password}'; GRANT ALL ON *.* TO 'healer'@'localhost'`);
    const exec = recordingExecutor();
    const healer = mysqlHealer({ executor: exec, config: { servers: { test: { dataDir: server.dataDir, user: 'healer', password } } } });
    try {
      const diagnosis = await healer.diagnose(server.dataDir);
      expect(diagnosis.results.find((r) => r.id === 'mysql/connection')).toMatchObject({ status: 'pass', details: { source: 'config' } });
      const text = commandText(exec.runs);
      expect(text).not.toContain(password);
      expect(JSON.stringify(diagnosis)).not.toContain(password);
      const stdin = exec.runs.map((r) => String(r.options?.input ?? ''));
      expect(stdin.some((s) => s.includes(`password="${password}"`))).toBe(true);
      // Every client run reads its options from stdin only.
      const clientRuns = exec.runs.filter((r) => JSON.stringify(r.command).includes('--defaults-file=/dev/stdin'));
      expect(clientRuns.length).toBeGreaterThan(0);
      expect(exec.runs.filter((r) => JSON.stringify(r.command).includes('SHOW GLOBAL STATUS'))).toHaveLength(1);
      expect(exec.runs.filter((r) => JSON.stringify(r.command).includes('SHOW GLOBAL VARIABLES'))).toHaveLength(1);
    } finally {
      await healer.close();
    }
  });

  it('falls back to unix-socket authentication as root when the configured password is wrong', async () => {
    const healer = mysqlHealer({ config: { servers: { test: { dataDir: server.dataDir, user: 'healer', password: 'wrong' } } } });
    try {
      const diagnosis = await healer.diagnose(server.dataDir);
      expect(diagnosis.results.find((r) => r.id === 'mysql/connection')).toMatchObject({ status: 'pass', details: { source: 'unix-socket' } });
    } finally {
      await healer.close();
    }
  });

  it('reports a server that does not answer, naming the restart', async () => {
    const other = await startPrivateServer();
    try {
      await other.shutdown();
      const healer = mysqlHealer();
      try {
        // Found through the folder of its my.cnf: where it listens is known even while it is down.
        const diagnosis = await healer.diagnose(other.dir);
        const conn = diagnosis.results.find((r) => r.id === 'mysql/connection')!;
        expect(conn).toMatchObject({ status: 'fail', details: { unreachable: true } });
        expect(conn.fixes).toContain('mysql/restart-server');
        // The checks that need a login say so instead of failing too.
        expect(diagnosis.results.filter((r) => r.status === 'fail').map((r) => r.id)).toEqual(['mysql/connection']);
        // Credentials that lead to another server (the machine's) are refused: it serves another data directory.
        const astray = mysqlHealer({ config: { servers: { other: { dataDir: other.dataDir, user: 'root', password: '', host: '127.0.0.1', port: 3306 } } } });
        const byData = (await astray.diagnose(other.dataDir).finally(() => astray.close())).results.find((r) => r.id === 'mysql/connection')!;
        expect(byData.status).toBe('fail');
        expect(byData.message).toContain(`serves the data directory /var/lib/mysql, not ${other.dataDir}`);
      } finally {
        await healer.close();
      }
    } finally {
      await other.stop();
    }
  }, 120_000);

  it('is a plugin core registers', () => {
    expect(mysqlPlugin.checks.length).toBeGreaterThan(15);
  });
});
