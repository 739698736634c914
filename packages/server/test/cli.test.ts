import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@healer/test-utils';
import { hashToken } from '../src/auth/tokens.js';
import { runServerCli } from '../src/cli.js';
import { openOrm } from '../src/db/orm.js';
import { REDIS_URL, createTestDatabase, type TestDatabase } from './helpers.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

function io(env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, env } };
}

let db: TestDatabase;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  db = await createTestDatabase();
  env = { HEALER_DATABASE_URL: db.url, HEALER_REDIS_URL: REDIS_URL, HEALER_SECRET_KEY: randomBytes(32).toString('hex'), HEALER_LOG_LEVEL: 'silent', HEALER_HOST: '127.0.0.1' };
});
afterAll(async () => {
  await db?.drop();
});

describe('healer-server', () => {
  it('migrate applies the checked-in migrations once, and they match the entities', async () => {
    const first = io(env);
    expect(await runServerCli(['migrate'], first.io)).toBe(0);
    expect(first.out.join('')).toMatch(/^Applied: Migration\d+/);
    const second = io(env);
    expect(await runServerCli(['migrate'], second.io)).toBe(0);
    expect(second.out.join('')).toBe('The database is up to date.\n');

    const orm = await openOrm({ databaseUrl: db.url });
    try {
      const drift = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
      expect(drift.trim()).toBe('');
    } finally {
      await orm.close(true);
    }
  });

  it('token create prints the token once; only its hash is stored, and the creation is audited', async () => {
    const run = io(env);
    expect(await runServerCli(['token', 'create', '--role', 'engineer', '--name', 'ci runner'], run.io)).toBe(0);
    const token = run.out.join('').trim();
    expect(token).toMatch(/^hlr_/);
    expect(run.err.join('')).not.toContain(token);
    const orm = await openOrm({ databaseUrl: db.url });
    try {
      const conn = orm.em.fork().getConnection();
      const rows = await conn.execute<{ name: string; role: string; hash: string }[]>('select name, role, hash from api_tokens');
      expect(rows).toEqual([{ name: 'ci runner', role: 'engineer', hash: hashToken(token) }]);
      expect(JSON.stringify(await conn.execute('select * from api_tokens'))).not.toContain(token);
      const audit = await conn.execute<{ action: string; actor_name: string }[]>('select action, actor_name from audit_events');
      expect(audit).toEqual([{ action: 'token.create', actor_name: 'cli' }]);
    } finally {
      await orm.close(true);
    }
  });

  it('refuses a bad role, a missing name, and a missing configuration, naming each problem', async () => {
    const role = io(env);
    expect(await runServerCli(['token', 'create', '--role', 'root', '--name', 'x'], role.io)).toBe(2);
    expect(role.err.join('')).toMatch(/root/);
    expect(await runServerCli(['token', 'create', '--role', 'viewer'], io(env).io)).toBe(2);
    const none = io({});
    expect(await runServerCli(['api'], none.io)).toBe(2);
    const message = none.err.join('');
    for (const name of ['HEALER_DATABASE_URL', 'HEALER_REDIS_URL', 'HEALER_SECRET_KEY']) expect(message).toContain(name);
  });

  it('start serves the API with the workers, and worker runs alone; both refuse a bad --concurrency with nothing started', async () => {
    for (const bad of ['0', 'x', '65']) {
      const run = io(env);
      expect(await runServerCli(['worker', '--concurrency', bad], run.io)).toBe(2);
      expect(run.err.join('')).toContain('--concurrency');
    }
    const prefix = `healer-cli-${Date.now().toString(36)}`;
    const started = io({ ...env, HEALER_PORT: String(await freePort()), HEALER_REDIS_PREFIX: prefix });
    let ready = 0;
    expect(
      await runServerCli(['start', '--concurrency', '1'], {
        ...started.io,
        async onListening(api) {
          ready = (await fetch(`${api.url}/health/ready`)).status;
          await api.close();
        },
      }),
    ).toBe(0);
    expect(ready).toBe(200);
    expect(started.err.join('')).toContain('1 job(s) at once');

    const worker = io({ ...env, HEALER_REDIS_PREFIX: prefix });
    let closed = false;
    expect(
      await runServerCli(['worker'], {
        ...worker.io,
        async onRunning(service) {
          await service.close();
          closed = true;
        },
      }),
    ).toBe(0);
    expect(closed).toBe(true);
    expect(worker.err.join('')).toContain('Worker running, 2 job(s)');
  });

  it('api serves until closed', async () => {
    const run = io({ ...env, HEALER_PORT: String(await freePort()) });
    let status = 0;
    expect(
      await runServerCli(['api'], {
        ...run.io,
        async onListening(api) {
          status = (await fetch(`${api.url}/health/ready`)).status;
          await api.close();
        },
      }),
    ).toBe(0);
    expect(status).toBe(200);
  });

  it('the built executable serves the API and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'api'], { env: { ...process.env, ...env, HEALER_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!stderr.includes('Listening on') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toContain(`Listening on http://127.0.0.1:${port}`);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
