// healer-server API under load, against a throwaway PostgreSQL database and
// the local Redis, with the built @healer/server (run `pnpm build` first):
//   1. GET /api/v1/applications (pages of 50 out of 1,000 applications on 5
//      servers; bearer token, Redis rate limit, PostgreSQL count + page) with
//      50 concurrent clients, against GET /health (no auth, no database) under
//      the same load in the same run: p50/p95/p99, requests/s and the ratios.
//   2. Diagnose jobs per minute with 2 workers: to be filled in once
//      `healer-server worker` lands (see the marked section below).
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
import { ApplicationEntity, ServerEntity, openOrm, runServerCli } from '@healer/server';

const REQUESTS = Number(process.argv[2] ?? 5000);
const CONCURRENCY = 50;
const WARMUP = 500;
const SERVERS = 5;
const APPLICATIONS = 1000;
const PAGE_SIZE = 50;
const PG_ADMIN_URL = process.env.HEALER_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.HEALER_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BIN = fileURLToPath(new URL('bin.js', import.meta.resolve('@healer/server')));

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
  HEALER_PORT: '0',
  // Production's level: pino-http writes a line per request (to /dev/null here).
  HEALER_LOG_LEVEL: 'info',
  // The limiter still runs its Redis script on every request; the budget only has to outlast the bench.
  HEALER_RATE_LIMIT_PER_MINUTE: '10000000',
};
const quiet = { stdout: { write: () => true }, stderr: { write: () => true }, env };

await admin(`CREATE DATABASE ${database}`);
let api;
try {
  if ((await runServerCli(['migrate'], quiet)) !== 0) throw new Error('migrate failed');
  let token = '';
  if ((await runServerCli(['token', 'create', '--role', 'viewer', '--name', 'bench'], { ...quiet, stdout: { write: (s) => (token += s) } })) !== 0) {
    throw new Error('token create failed');
  }
  token = token.trim();

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
  // TO BE FILLED IN once `healer-server worker` lands: start two
  // `healer-server worker` processes on this database and Redis, enqueue
  // diagnose jobs for applications on an sshd from @healer/test-utils
  // (startSshd + testappFiles, as bench/ssh.mjs does), and print the jobs
  // finished per minute against one worker measured in the same run.
  console.log('2. diagnose jobs per minute with 2 workers: not measured yet (the worker has not landed)');
  // ==== end of 2 ============================================================
} finally {
  if (api && api.exitCode === null) {
    api.kill('SIGTERM');
    await once(api, 'exit');
  }
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
}
