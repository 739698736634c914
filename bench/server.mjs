// healer-server API under load, against a throwaway PostgreSQL database and
// the local Redis, with the built @healer/server (run `pnpm build` first):
//   1. GET /api/v1/applications (pages of 50 out of 1,000 applications on 5
//      servers; bearer token, Redis rate limit, PostgreSQL count + page) with
//      50 concurrent clients, against GET /health (no auth, no database) under
//      the same load in the same run: p50/p95/p99, requests/s and the ratios.
//   2. Diagnose jobs per minute: 100 testapp folders on a real sshd, one
//      worker process against two, in the same run.
// The API runs as its own process (`healer-server api`), so the load
// generator does not share its event loop.
//   node bench/server.mjs [requests per endpoint, default 5000]
// Environment: HEALER_BENCH_PG_URL (admin URL, default postgres://postgres@127.0.0.1:5432/postgres),
// HEALER_BENCH_REDIS_URL (default redis://127.0.0.1:6379).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationEntity, SecretBox, ServerEntity, openOrm, runServerCli } from '@healer/server';
import { startSshd, testappFiles, writeTree } from '@healer/test-utils';

const REQUESTS = Number(process.argv[2] ?? 5000);
const CONCURRENCY = 50;
const WARMUP = 500;
const SERVERS = 5;
const APPLICATIONS = 1000;
const PAGE_SIZE = 50;
const PG_ADMIN_URL = process.env.HEALER_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.HEALER_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BIN = fileURLToPath(new URL('bin.js', import.meta.resolve('@healer/server')));
// The worker process the server's tests use: the built workers with the test plugin (testapp folders stand in for apps).
const WORKER = fileURLToPath(new URL('../packages/server/test/fixtures/worker.mjs', import.meta.url));
const SIMULATED_APPS = 100;

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const ms = (n) => `${n.toFixed(2).padStart(7)} ms`;

async function admin(sql) {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** One GET on a keep-alive connection; resolves with the status once the body is read. */
function get(agent, url, headers) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** `total` requests from `CONCURRENCY` clients, each waiting for its answer before the next. */
async function load(total, url, headers) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const times = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        const status = await get(agent, url(i), headers);
        times.push(performance.now() - t);
        if (status !== 200) failed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  if (failed > 0) throw new Error(`${failed} of ${total} requests to ${url(0)} did not answer 200`);
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), p95: pct(times, 95), p99: pct(times, 99), rps: total / seconds };
}

const database = `healer_bench_${randomBytes(6).toString('hex')}`;
const url = new URL(PG_ADMIN_URL);
url.pathname = `/${database}`;
const env = {
  PATH: process.env.PATH,
  HEALER_DATABASE_URL: url.href,
  HEALER_REDIS_URL: REDIS_URL,
  HEALER_SECRET_KEY: randomBytes(32).toString('hex'),
  HEALER_HOST: '127.0.0.1',
  HEALER_REDIS_PREFIX: `healer-bench-${randomBytes(4).toString('hex')}`,
  HEALER_PORT: '0',
  // Production's level: pino-http writes a line per request (to /dev/null here).
  HEALER_LOG_LEVEL: 'info',
  // The limiter still runs its Redis script on every request; the budget only has to outlast the bench.
  HEALER_RATE_LIMIT_PER_MINUTE: '10000000',
};
const quiet = { stdout: { write: () => true }, stderr: { write: () => true }, env };

/** A new API token of `role`, made by `healer-server token create`. */
async function tokenFor(role) {
  let out = '';
  if ((await runServerCli(['token', 'create', '--role', role, '--name', `bench-${role}`], { ...quiet, stdout: { write: (s) => (out += s) } })) !== 0) {
    throw new Error('token create failed');
  }
  return out.trim();
}

await admin(`CREATE DATABASE ${database}`);
let api;
try {
  if ((await runServerCli(['migrate'], quiet)) !== 0) throw new Error('migrate failed');
  const token = await tokenFor('viewer');

  const orm = await openOrm({ databaseUrl: url.href });
  try {
    const em = orm.em.fork();
    const servers = Array.from({ length: SERVERS }, (_, i) =>
      em.create(ServerEntity, { name: `web-${i + 1}`, host: `10.0.0.${i + 1}`, user: 'deploy', authKind: 'agent' }),
    );
    const stacks = ['wordpress', 'nodejs', 'nextjs'];
    const statuses = ['healthy', 'degraded', 'unknown'];
    for (let i = 0; i < APPLICATIONS; i++) {
      em.create(ApplicationEntity, {
        server: servers[i % SERVERS],
        path: `/srv/www/site-${String(i).padStart(4, '0')}`,
        stack: stacks[i % stacks.length],
        healthStatus: statuses[i % statuses.length],
        healthScore: (i * 37) % 101,
        settings: { url: `https://site-${i}.example.com/` },
      });
    }
    await em.flush();
  } finally {
    await orm.close(true);
  }

  api = spawn(process.execPath, [BIN, 'api'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  api.stderr.setEncoding('utf8');
  const base = await new Promise((resolve, reject) => {
    api.stderr.on('data', (chunk) => {
      stderr += chunk;
      const found = /Listening on (http:\/\/\S+)/.exec(stderr);
      if (found) resolve(found[1]);
    });
    api.once('exit', (code) => reject(new Error(`healer-server api exited (${code}): ${stderr}`)));
  });

  const auth = { Authorization: `Bearer ${token}` };
  const pages = APPLICATIONS / PAGE_SIZE;
  const applications = (i) => `${base}/api/v1/applications?pageSize=${PAGE_SIZE}&page=${(i % pages) + 1}`;
  const health = () => `${base}/health`;

  await load(WARMUP, health, {});
  await load(WARMUP, applications, auth);
  const baseline = await load(REQUESTS, health, {});
  const measured = await load(REQUESTS, applications, auth);

  console.log(`1. healer-server API, ${REQUESTS} requests per endpoint, ${CONCURRENCY} concurrent clients (keep-alive), after ${WARMUP} warm-up requests`);
  console.log(`   ${APPLICATIONS} applications on ${SERVERS} servers; the API is one process; PostgreSQL and Redis local`);
  console.log('                                      p50          p95          p99        requests/s');
  const row = (name, r) => console.log(`   ${name.padEnd(30)} ${ms(r.p50)}   ${ms(r.p95)}   ${ms(r.p99)}   ${r.rps.toFixed(0).padStart(8)}`);
  row('GET /health (baseline)', baseline);
  row(`GET /api/v1/applications (${PAGE_SIZE})`, measured);
  console.log(
    `   ratio applications / health:   p50 ${(measured.p50 / baseline.p50).toFixed(2)}x, p99 ${(measured.p99 / baseline.p99).toFixed(2)}x, ` +
      `throughput ${(measured.rps / baseline.rps).toFixed(2)}x`,
  );

  // ==== 2. Diagnose jobs per minute with 2 workers =========================
  // 100 testapp folders on a real sshd (loopback), one server row with its
  // key and pinned fingerprint; 100 `POST /applications/:id/diagnose`, then
  // the time until every run finished: one worker process, then two (the
  // baseline is the one worker, in the same run).
  const sshd = await startSshd({ maxSessions: 20 });
  const appsDir = await mkdtemp(join(tmpdir(), 'healer-bench-apps-'));
  const workers = [];
  try {
    const orm2 = await openOrm({ databaseUrl: url.href });
    const appIds = [];
    try {
      const em = orm2.em.fork();
      const box = new SecretBox(new Map([['k1', Buffer.from(env.HEALER_SECRET_KEY, 'hex')]]), 'k1');
      const server = em.create(ServerEntity, {
        name: 'bench-sshd',
        host: sshd.host,
        port: sshd.port,
        user: sshd.user,
        authKind: 'key',
        secret: box.encrypt(JSON.stringify({ privateKey: await readFile(sshd.identityFile, 'utf8') })),
        secretKeyId: 'k1',
        hostKeyFingerprint: sshd.hostFingerprint,
      });
      for (let i = 0; i < SIMULATED_APPS; i++) {
        const root = join(appsDir, `app-${i}`);
        await writeTree(root, testappFiles('ok'));
        appIds.push(em.create(ApplicationEntity, { server, path: await realpath(root), stack: 'testapp' }).id);
      }
      await em.flush();
      appIds.splice(0, appIds.length, ...(await em.find(ApplicationEntity, { stack: 'testapp' })).map((a) => a.id));
    } finally {
      await orm2.close(true);
    }
    const engineer = await tokenFor('engineer');
    const runs = async (count) => {
      const started = performance.now();
      const ids = [];
      for (const id of appIds) {
        const res = await fetch(`${base}/api/v1/applications/${id}/diagnose`, { method: 'POST', headers: { Authorization: `Bearer ${engineer}` } });
        if (res.status !== 202) throw new Error(`diagnose answered ${res.status}`);
        ids.push((await res.json()).runId);
      }
      const pgClient = new pg.Client({ connectionString: url.href });
      await pgClient.connect();
      try {
        for (;;) {
          const { rows } = await pgClient.query('select count(*)::int as n, count(*) filter (where status = $1)::int as failed from diagnostic_runs where id = any($2) and finished_at is not null', ['error', ids]);
          if (rows[0].failed > 0) throw new Error(`${rows[0].failed} diagnose jobs failed`);
          if (rows[0].n === ids.length) break;
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        await pgClient.end();
      }
      const minutes = (performance.now() - started) / 60_000;
      return { count, perMinute: ids.length / minutes };
    };
    const startWorker = async () => {
      const child = spawn(process.execPath, [WORKER, JSON.stringify({ databaseUrl: url.href, redisUrl: REDIS_URL, redisPrefix: env.HEALER_REDIS_PREFIX, keyId: 'k1', key: env.HEALER_SECRET_KEY })], { stdio: ['ignore', 'pipe', 'inherit'] });
      workers.push(child);
      await new Promise((resolve, reject) => {
        child.stdout.on('data', (d) => String(d).includes('ready') && resolve());
        child.once('exit', (code) => reject(new Error(`worker exited (${code})`)));
      });
    };
    await startWorker();
    await runs(1); // warm-up: SSH connections, plugin loading
    const one = await runs(1);
    await startWorker();
    await runs(2);
    const two = await runs(2);
    console.log(`2. diagnose jobs, ${SIMULATED_APPS} testapp folders on one sshd (loopback), each worker process running 2 jobs at once`);
    console.log(`   1 worker:  ${one.perMinute.toFixed(0).padStart(6)} jobs/min`);
    console.log(`   2 workers: ${two.perMinute.toFixed(0).padStart(6)} jobs/min   (ratio ${(two.perMinute / one.perMinute).toFixed(2)}x; aim >= 500/min)`);
  } finally {
    for (const w of workers) {
      if (w.exitCode === null) {
        w.kill('SIGTERM');
        await once(w, 'exit');
      }
    }
    await sshd.stop();
    await rm(appsDir, { recursive: true, force: true });
  }
  // ==== end of 2 ============================================================
} finally {
  if (api && api.exitCode === null) {
    api.kill('SIGTERM');
    await once(api, 'exit');
  }
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
}
