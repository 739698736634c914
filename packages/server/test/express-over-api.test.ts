/**
 * A real Express app deployed without its dependencies (the broken Express
 * example's case), healed through the API by a worker over a real sshd: the
 * Node plugin's commands configured through /plugins, the heal queued with
 * 202, a reinstall with the app's own package manager, the app answering
 * 200, and /metrics counting the heal.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TERMINAL_STATES } from '@healer/core';
import { nodejsPlugin } from '@healer/plugin-nodejs';
import { startSshd, statusOf, type RunningSshd } from '@healer/test-utils';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationEntity } from '../src/db/entities.js';
import { startRuntimeWorker } from '../src/runtime.js';
import type { RunningWorker } from '../src/jobs/worker.js';
import { createExpressApp, installExpress, type ExpressApp, type ExpressCache } from '../../plugin-nodejs/test/helpers/express-app.js';
import { startTestServer, type TestServer } from './helpers.js';
import { addSshServer, until } from './worker-harness.js';

let sshd: RunningSshd;
let t: TestServer;
let worker: RunningWorker;
let cache: ExpressCache;
let app: ExpressApp;

beforeAll(async () => {
  [sshd, cache] = await Promise.all([startSshd(), installExpress()]);
  app = await createExpressApp(cache);
  t = await startTestServer({ plugins: [nodejsPlugin] });
  worker = startRuntimeWorker(t.runtime, t.config, { sweepEveryMs: 1_000 });
}, 240_000);

afterAll(async () => {
  await worker?.close();
  await app?.cleanup();
  await cache?.cleanup();
  await t?.close();
  await sshd?.stop();
});

describe('the broken Express example healed through the API', () => {
  it('node_modules missing: 202, reinstalled over SSH, 200, counted in /metrics', async () => {
    await rm(join(app.root, 'node_modules'), { recursive: true });
    expect(await app.start()).toBe('exited');
    const api = request(t.runtime.app);
    await api.patch('/api/v1/plugins/nodejs').set(t.auth('admin')).send({ config: app.config }).expect(200);
    const serverId = await addSshServer(t, sshd);
    const em = t.runtime.orm.em.fork();
    const row = em.create(ApplicationEntity, { server: serverId, path: app.root, stack: 'nodejs', settings: { url: app.url, port: app.port } });
    await em.flush();

    const id = (await api.post(`/api/v1/applications/${row.id}/heal`).set(t.auth('engineer')).send({ mode: 'auto' }).expect(202)).body.executionId as string;
    const done = await until('the heal', async () => {
      const e = (await api.get(`/api/v1/executions/${id}`).set(t.auth('viewer')).expect(200)).body;
      return TERMINAL_STATES.includes(e.state) ? e : null;
    }, 200_000);
    expect(done.state, done.message).toBe('FIXED');
    expect(done.attempts.filter((a: { verified: boolean }) => a.verified).map((a: { actionId: string }) => a.actionId)).toEqual(['nodejs/reinstall-dependencies']);
    expect(await statusOf(app.url)).toBe(200);
    expect((await api.get('/metrics').expect(200)).text).toMatch(/healer_executions\{kind="heal",state="FIXED"\} 1/);
  }, 240_000);
});
