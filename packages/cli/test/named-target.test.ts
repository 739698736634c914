/**
 * `healer diagnose <name>`: a name a plugin's configuration gives a target
 * (the MySQL plugin's `servers.<name>`) stands for its path, on a real
 * private MariaDB server; a bare word no plugin names is still a folder,
 * and a name that is also a folder here is refused with nothing run.
 */
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariadb, type RunningMariadb } from '@healer/test-utils';
import { jsonOf, runHealer } from './helpers.js';

const MYSQL_PLUGIN = fileURLToPath(new URL('../../plugin-mysql/dist/index.js', import.meta.url));

let db: RunningMariadb;
let dir: string;
let configFile: string;

beforeAll(async () => {
  db = await startMariadb();
  dir = await realpath(await mkdtemp(join(tmpdir(), 'healer-cli-named-')));
  configFile = join(dir, 'healer.config.json');
  const servers = { main: { dataDir: db.dataDir, user: db.user, password: db.password, host: db.host, port: db.port, socket: db.socket } };
  await writeFile(configFile, JSON.stringify({ plugins: [{ module: MYSQL_PLUGIN, config: { servers } }] }));
}, 120_000);

afterAll(async () => {
  await db?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const env = (): Record<string, string> => ({ HEALER_HOME: join(dir, 'home') });

describe('a configured target by name', () => {
  it('healer diagnose main: the server of servers.main is diagnosed, and its password is not printed', async () => {
    const res = await runHealer(['--config', configFile, 'diagnose', 'main', '--json'], { cwd: dir, env: env(), timeoutMs: 120_000 });
    const d = jsonOf<{ target: { path: string }; app: { plugin: string; root: string }; results: Array<{ id: string; status: string }> }>(res);
    expect(d.app).toMatchObject({ plugin: 'mysql', root: db.dataDir });
    expect(d.results.find((r) => r.id === 'mysql/connection')?.status).toBe('pass');
    expect(res.stdout + res.stderr).not.toContain(db.password);
  }, 120_000);

  it('a bare word no plugin names is a folder here, as before', async () => {
    const res = await runHealer(['--config', configFile, 'detect', 'nosuch', '--json'], { cwd: dir, env: env() });
    expect(jsonOf<{ error: { code: string; message: string } }>(res).error).toMatchObject({ code: 'FILE_NOT_FOUND', message: expect.stringContaining(join(dir, 'nosuch')) });
    // detect takes the name as well.
    const named = await runHealer(['--config', configFile, 'detect', 'main', '--json'], { cwd: dir, env: env() });
    expect(jsonOf<{ app: { plugin: string; root: string } }>(named).app).toMatchObject({ plugin: 'mysql', root: db.dataDir });
  });

  it('a name that is also a folder here is refused (usage error), until ./name says which', async () => {
    await mkdir(join(dir, 'main'));
    try {
      const res = await runHealer(['--config', configFile, 'diagnose', 'main', '--json'], { cwd: dir, env: env() });
      expect(res.code).toBe(64);
      expect(res.stdout + res.stderr).toMatch(/both a folder here and the mysql target.*\.\/main/);
      const folder = await runHealer(['--config', configFile, 'detect', './main', '--json'], { cwd: dir, env: env() });
      // The empty folder was asked: no stack there.
      expect(jsonOf<{ error: { message: string } }>(folder).error.message).toContain(join(dir, 'main'));
    } finally {
      await rm(join(dir, 'main'), { recursive: true, force: true });
    }
  });
});
