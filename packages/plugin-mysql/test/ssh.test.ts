/**
 * The server diagnosed and healed over SSH: every command, file read and
 * client run goes through SshExecutor to a real sshd on loopback, the
 * credentials on the client's stdin through the remote shell.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshExecutor } from '@healer/core';
import { sshOptions, startSshd, type RunningSshd } from '@healer/test-utils';
import { crashedTable } from './helpers/broken.js';
import { commandText, mysqlHealer, recordingExecutor } from './helpers/healer.js';
import { startPrivateServer, type PrivateServer } from './helpers/private-server.js';

let sshd: RunningSshd;
let server: PrivateServer;

beforeAll(async () => {
  [sshd, server] = await Promise.all([startSshd(), startPrivateServer(['myisam-recover-options=OFF'])]);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await sshd?.stop();
});

describe('MySQL over SSH', () => {
  it('diagnoses with the configured password on stdin only, then repairs a crashed table: FIXED', async () => {
    const password = 'Ssh-secret-9f2';
    await server.sql(`CREATE USER 'healer'@'localhost' IDENTIFIED BY '${password}'; GRANT ALL ON *.* TO 'healer'@'localhost'`);
    const exec = recordingExecutor(new SshExecutor(sshOptions(sshd)));
    const healer = mysqlHealer({ executor: exec, config: { servers: { db: { dataDir: server.dataDir, user: 'healer', password } } } });
    try {
      const diagnosis = await healer.diagnose(server.dataDir);
      expect(diagnosis.transport).toMatchObject({ kind: 'ssh' });
      expect(diagnosis.results.find((r) => r.id === 'mysql/connection')).toMatchObject({ status: 'pass', details: { source: 'config' } });
      expect(diagnosis.results.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => `${r.id}: ${r.message}`)).toEqual([]);
      expect(commandText(exec.runs)).not.toContain(password);

      const table = await crashedTable(server);
      const { execution } = await healer.heal(server.dataDir, { mode: 'auto' });
      expect(execution.state, execution.message).toBe('FIXED');
      expect(execution.target.host).toMatch(/^ssh:\/\//);
      expect(execution.attempts).toMatchObject([{ actionId: 'mysql/repair-table', verified: true }]);
      expect(await server.sql(`CHECK TABLE ${table}`)).toMatch(/status\tOK/);
      expect(await server.sql(`SELECT COUNT(*) FROM ${table}`)).toBe('3\n');
      expect(commandText(exec.runs)).not.toContain(password);
    } finally {
      await healer.close();
    }
  }, 300_000);
});
