/**
 * A real broken WordPress (Debian's package on MariaDB), on a real sshd on
 * loopback whose host-key fingerprint is pinned in the database, healed
 * through the API by a real worker: the server is created with its key,
 * discovery finds the site from its folder alone, the heal answers 202 with
 * the execution id, the SSE stream delivers every timeline event in order
 * and resumes after Last-Event-ID, the audit log and /metrics show the heal,
 * and a rollback through the API puts the files back. No secret appears in
 * any response or log line.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordpressPlugin } from '@healer/plugin-wordpress';
import { hashFolder, startSshd, type RunningSshd } from '@healer/test-utils';
import { startRuntimeWorker } from '../src/runtime.js';
import type { RunningWorker } from '../src/jobs/worker.js';
import { FATAL_PLUGIN, createHealthySite } from '../../plugin-wordpress/test/helpers/heal-harness.js';
import { PHP_S_USER, type WordPressSite } from '../../plugin-wordpress/test/helpers/wordpress-site.js';
import { startTestServer, type TestServer } from './helpers.js';
import { readEvents } from './sse-client.js';
import { until } from './worker-harness.js';

let sshd: RunningSshd;
let site: WordPressSite;
let t: TestServer;
let worker: RunningWorker;
let http: Server;
let base: string;
let privateKey: string;

beforeAll(async () => {
  [sshd, site] = await Promise.all([startSshd(), createHealthySite()]);
  privateKey = await readFile(sshd.identityFile, 'utf8');
  t = await startTestServer({ plugins: [wordpressPlugin], eventPollMs: 1_000 });
  worker = startRuntimeWorker(t.runtime, t.config, { concurrency: 2, sweepEveryMs: 1_000 });
  http = createServer(t.runtime.app);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}, 240_000);

afterAll(async () => {
  if (http) await new Promise((r) => http.close(r));
  await worker?.close();
  await t?.close();
  await site?.stop();
  await sshd?.stop();
});

describe('a broken WordPress healed through the API, over SSH', () => {
  it('server with a pinned fingerprint, discover, heal (202), SSE with resume, audit, metrics, rollback; no secret anywhere', async () => {
    const api = request(t.runtime.app);
    // 1. The server: its key and the fingerprint of its host key, as an admin stores them.
    const server = await api
      .post('/api/v1/servers')
      .set(t.auth('admin'))
      .send({ name: 'web-1', host: sshd.host, port: sshd.port, user: sshd.user, auth: { kind: 'key', privateKey }, hostKeyFingerprint: sshd.hostFingerprint })
      .expect(201);
    expect(JSON.stringify(server.body)).not.toContain('PRIVATE KEY');

    // 2. Discovery from the folder alone finds the site.
    await api.post(`/api/v1/servers/${server.body.id}/discover`).set(t.auth('engineer')).send({ roots: [site.dir] }).expect(202);
    const app = await until('the site to be discovered', async () => {
      const list = await api.get('/api/v1/applications').query({ server: server.body.id }).set(t.auth('viewer')).expect(200);
      return (list.body.items as Array<{ id: string; path: string; stack: string }>).find((a) => a.path === site.root);
    }, 120_000);
    expect(app.stack).toBe('wordpress');
    // Where the site answers (the test's php -S is not a web server discovery can read), and who runs its PHP.
    await api.patch(`/api/v1/applications/${app.id}`).set(t.auth('admin')).send({ settings: { url: site.url, phpUser: PHP_S_USER } }).expect(200);

    // 3. Healthy now: a diagnosis through the queue says so.
    const diag = await api.post(`/api/v1/applications/${app.id}/diagnose`).set(t.auth('engineer')).expect(202);
    const healthy = await until('the diagnosis', async () => {
      const run = await api.get(`/api/v1/diagnostics/${diag.body.runId}`).set(t.auth('viewer')).expect(200);
      return run.body.finishedAt ? run.body : null;
    }, 120_000);
    // The site's own checks pass (the machine's load, a shared check, depends on what else runs here).
    expect(healthy.summary.failing.filter((id: string) => id.startsWith('wordpress/')), JSON.stringify(healthy.summary)).toEqual([]);

    // 4. Break it: a plugin that fatals.
    await site.addPlugin('broken-plugin', FATAL_PLUGIN, { activate: true });
    expect((await site.get('/')).status).toBe(500);
    const before = await hashFolder(site.root);

    // 5. Heal: 202 with the id at once; a second request while it is open is refused with that id.
    const heal = await api.post(`/api/v1/applications/${app.id}/heal`).set(t.auth('engineer')).send({ mode: 'supervised' }).expect(202);
    const executionId = heal.body.executionId as string;
    expect(heal.body).toMatchObject({ state: 'QUEUED', links: { events: `/api/v1/executions/${executionId}/events` } });
    const again = await api.post(`/api/v1/applications/${app.id}/heal`).set(t.auth('engineer')).send({});
    if (again.status === 409) expect(again.body.error).toMatchObject({ code: 'HEAL_IN_PROGRESS', details: { executionId } });
    else expect(again.status).toBe(202);

    // 6. The stream: every event in order, ending with the execution.
    const auth = t.auth('viewer');
    const all = await readEvents(`${base}/api/v1/executions/${executionId}/events`, auth);
    expect(all.status).toBe(200);
    expect(all.contentType).toContain('text/event-stream');
    const seqs = all.events.map((e) => e.id);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(all.events.map((e) => e.data.seq)).toEqual(seqs);
    expect(all.events.at(-1)).toMatchObject({ event: 'execution.finished', data: { state: 'FIXED' } });
    expect(all.events.map((e) => e.event)).toEqual(expect.arrayContaining(['execution.queued', 'backup.created', 'verify.result', 'action.fixed']));

    // Resumed after a reconnect: exactly the events after Last-Event-ID.
    const cut = Math.floor(seqs.length / 2);
    const resumed = await readEvents(`${base}/api/v1/executions/${executionId}/events`, { ...auth, 'Last-Event-ID': String(cut) });
    expect(resumed.events.map((e) => e.id)).toEqual(seqs.slice(cut));

    const execution = (await api.get(`/api/v1/executions/${executionId}`).set(auth).expect(200)).body;
    expect(execution.state, execution.message).toBe('FIXED');
    expect(execution.target.host).toBe(`ssh://${sshd.user}@127.0.0.1:${sshd.port}`);
    expect(execution.attempts).toMatchObject([{ actionId: 'wordpress/deactivate-plugin', verified: true }]);
    expect((await site.get('/')).status).toBe(200);
    const listed = await api.get('/api/v1/executions').query({ application: app.id }).set(auth).expect(200);
    expect(listed.body.items.map((e: { executionId: string }) => e.executionId)).toContain(executionId);

    // 7. Audit rows and metrics.
    const audit = await api.get('/api/v1/audit').set(t.auth('admin')).expect(200);
    const actions = audit.body.items.map((a: { action: string }) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['server.create', 'server.discover', 'application.diagnose', 'application.heal']));
    const metrics = await api.get('/metrics').expect(200);
    expect(metrics.text).toMatch(/healer_executions\{kind="heal",state="FIXED"\} [1-9]/);
    expect(metrics.text).toMatch(/healer_heal_outcomes_total\{state="FIXED"\} [1-9]/);
    expect(metrics.text).toMatch(/healer_job_duration_seconds_count\{queue="heal",result="completed"\} [1-9]/);

    // 8. Rolled back through the API: the plugin is active again, files as before the heal.
    const undo = await api.post(`/api/v1/executions/${executionId}/rollback`).set(t.auth('engineer')).send({}).expect(200);
    expect(undo.body.state, undo.body.message).toBe('ROLLED_BACK');
    expect(await hashFolder(site.root)).toBe(before);
    expect((await site.get('/')).status).toBe(500);

    // 9. No secret in any log line, event or response body seen here.
    const seen = [t.logs.text(), JSON.stringify(all.events), JSON.stringify(execution), JSON.stringify(undo.body), JSON.stringify(audit.body), metrics.text].join('\n');
    for (const secret of [privateKey.split('\n')[1]!, t.tokens.admin, t.tokens.engineer, t.tokens.viewer, site.db.password]) expect(seen).not.toContain(secret);
  }, 300_000);
});
