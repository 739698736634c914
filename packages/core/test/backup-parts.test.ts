/**
 * Plugin backup parts through the healing engine, against a real MariaDB:
 * a part dumps a table before the action, the engine records and hashes the
 * dump, and rollback restores both the files and the table.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealer, definePlugin, isHealerError, LocalExecutor, restoreBackup, type Executor } from '@healer/core';
import { hashFolder, testdir, writeTree, type TestDir } from '@healer/test-utils';

const exec = new LocalExecutor();
const db = `healer_parts_${randomBytes(4).toString('hex')}`;
const sql = (statement: string): Promise<string> =>
  exec.run(['mariadb', '-h127.0.0.1', '-uroot', '--batch', '--skip-column-names', '-e', statement]).then((r) => {
    if (r.exitCode !== 0) throw new Error(r.stderr);
    return r.stdout.trim();
  });
const option = (): Promise<string> => sql(`SELECT value FROM ${db}.options WHERE name = 'theme'`);

async function run(e: Executor, command: Parameters<Executor['run']>[0]): Promise<void> {
  const r = await e.run(command);
  if (r.exitCode !== 0) throw new Error(r.stderr);
}

const plugin = definePlugin({
  name: 'optsdb',
  version: '1.0.0',
  engines: { core: '^1.0.0' },
  stacks: ['optsdb'],
  signatures: ['optsdb.ini'],
  async detect(ctx) {
    return (await ctx.fs.exists(`${ctx.path}/optsdb.ini`)) ? { stack: 'optsdb', confidence: 1, evidence: ['optsdb.ini'] } : null;
  },
  checks: [
    {
      id: 'optsdb/theme-ok',
      title: 'The theme option is valid',
      category: 'configuration',
      severity: 'high',
      async run(ctx) {
        const r = await ctx.exec.run(['mariadb', '-h127.0.0.1', '-uroot', '--batch', '--skip-column-names', '-e', `SELECT value FROM ${db}.options WHERE name = 'theme'`]);
        const value = r.stdout.trim();
        return value === 'default' ? { status: 'pass', message: 'Theme is default.' } : { status: 'fail', message: `Theme is ${value}.` };
      },
    },
  ],
  actions: [
    {
      id: 'optsdb/switch-theme',
      title: 'Switch the theme (and note it in config.txt)',
      risk: 'medium',
      fixes: ['optsdb/theme-ok'],
      backup: { paths: ['config.txt'], parts: ['options'] },
      plan: (ctx) => [
        { kind: 'write-file', path: `${ctx.app.root}/config.txt`, content: 'theme=other\n' },
        { kind: 'run', write: true, command: ['mariadb', '-h127.0.0.1', '-uroot', '-e', `UPDATE ${db}.options SET value = 'other' WHERE name = 'theme'`] },
      ],
      rollback: restoreBackup,
    },
  ],
  backup: {
    parts: [
      {
        name: 'options',
        async create(ctx, dir) {
          await run(ctx.exec, ['mariadb-dump', '-h127.0.0.1', '-uroot', `--result-file=${dir}/options.sql`, db, 'options']);
          return { meta: { database: db, table: 'options' } };
        },
        async restore(ctx, record, dir) {
          await run(ctx.exec, { script: 'exec mariadb -h127.0.0.1 -uroot "$1" < "$2"', args: [String(record.meta.database), `${dir}/options.sql`] });
        },
      },
    ],
  },
});

let dir: TestDir;
let app: string;

beforeAll(async () => {
  await sql(`CREATE DATABASE ${db}`);
});
afterAll(async () => {
  await sql(`DROP DATABASE IF EXISTS ${db}`);
});

describe('backup parts', () => {
  it('dumps the table before the action and restores files and table on rollback', async () => {
    dir = await testdir();
    app = join(dir.path, 'app');
    await writeTree(app, { 'optsdb.ini': '', 'config.txt': 'theme=broken\n' });
    await sql(`CREATE TABLE ${db}.options (name VARCHAR(64) PRIMARY KEY, value VARCHAR(64)); INSERT INTO ${db}.options VALUES ('theme', 'broken'), ('title', 'Shop')`);
    const before = await hashFolder(app);
    try {
      // "other" is still not "default": verification fails, the ladder rolls back.
      const healer = createHealer({ plugins: [plugin], sharedChecks: false, mode: 'auto' });
      const { execution } = await healer.heal(app);
      expect(execution.state).toBe('ROLLED_BACK');
      expect(await option()).toBe('broken');
      expect(await hashFolder(app)).toBe(before);

      const [manifest] = await healer.backups.list();
      expect(manifest?.parts).toEqual([
        {
          name: 'options',
          plugin: 'optsdb',
          files: [{ path: 'parts/options/options.sql', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), size: expect.any(Number) }],
          meta: { database: db, table: 'options' },
        },
      ]);

      // A tampered dump is refused before anything is put back.
      await sql(`UPDATE ${db}.options SET value = 'changed' WHERE name = 'theme'`);
      await writeFile(join(app, 'config.txt'), 'theme=changed\n');
      const dump = join(manifest!.dir, 'parts/options/options.sql');
      await writeFile(dump, (await readFile(dump, 'utf8')).replace("'broken'", "'evil'"));
      const { backupHandle } = await import('../src/engine/backup-runner.js');
      const handle = backupHandle(plugin, manifest!, { exec } as never);
      await expect(handle.restore()).rejects.toSatisfy((e) => isHealerError(e, 'BACKUP_TAMPERED') && e.message.includes('options.sql') && e.message.includes('nothing was changed'));
      expect(await option()).toBe('changed');
      expect(await readFile(join(app, 'config.txt'), 'utf8')).toBe('theme=changed\n');
    } finally {
      await dir.cleanup();
    }
  });
});
