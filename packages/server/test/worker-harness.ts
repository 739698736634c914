/**
 * Worker processes and a fleet of one sshd and broken testapps, for the
 * tests of several workers: each worker is a real Node process running the
 * built server's workers with the test plugin (`fixtures/worker.mjs`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startBrokenTestapp, type BrokenTestapp, type RunningSshd } from '@healer/test-utils';
import request from 'supertest';
import { ApplicationEntity, ServerEntity } from '../src/db/entities.js';
import type { TestServer } from './helpers.js';

const WORKER = fileURLToPath(new URL('./fixtures/worker.mjs', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export async function spawnWorker(t: TestServer, options: { lockTtlMs?: number; sweepEveryMs?: number; requeueAfterMs?: number; redisUrl?: string } = {}): Promise<WorkerProcess> {
  const [keyId, key] = [...t.config.keys.entries()][0]!;
  const args = {
    databaseUrl: t.config.databaseUrl,
    redisUrl: options.redisUrl ?? t.config.redisUrl,
    redisPrefix: t.config.redisPrefix,
    keyId,
    key: key.toString('hex'),
    lockTtlMs: options.lockTtlMs ?? 3_000,
    sweepEveryMs: options.sweepEveryMs ?? 500,
    requeueAfterMs: options.requeueAfterMs ?? 1_000,
  };
  const child = spawn(process.execPath, [WORKER, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!out.includes('ready ') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  if (!out.includes('ready ')) throw new Error(`the worker did not start: ${out}`);
  return {
    child,
    pid: child.pid!,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A server row for the sshd (key and pinned fingerprint), written as the API would. */
export async function addSshServer(t: TestServer, sshd: RunningSshd): Promise<string> {
  const res = await request(t.runtime.app)
    .post('/api/v1/servers')
    .set(t.auth('admin'))
    .send({ name: `sshd-${sshd.port}`, host: sshd.host, port: sshd.port, user: sshd.user, auth: { kind: 'key', privateKey: await readFile(sshd.identityFile, 'utf8') }, hostKeyFingerprint: sshd.hostFingerprint })
    .expect(201);
  return res.body.id as string;
}

/** A broken testapp, registered as an application of `serverId` with its URL. */
export async function addTestapp(t: TestServer, serverId: string): Promise<{ testapp: BrokenTestapp; appId: string; root: string }> {
  const testapp = await startBrokenTestapp();
  const root = await realpath(testapp.app);
  const em = t.runtime.orm.em.fork();
  const app = em.create(ApplicationEntity, { server: serverId, path: root, stack: 'testapp', settings: { url: testapp.server.url } });
  await em.flush();
  return { testapp, appId: app.id, root };
}

/** The test plugin's configuration, as PATCH /plugins/testapp stores it. */
export async function configureTestapp(t: TestServer, config: Record<string, unknown>): Promise<void> {
  await request(t.runtime.app).patch('/api/v1/plugins/testapp').set(t.auth('admin')).send({ enabled: true, config }).expect(200);
}

export { ServerEntity };
