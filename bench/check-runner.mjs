// Check-runner overhead: the same probe commands run (a) directly with
// child_process at the same parallelism, (b) as checks through runChecks,
// (c) as a whole diagnosis through createHealer (detection + contexts + score).
// Prints medians and ratios against (a), measured in this run.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createHealer, definePlugin, LocalExecutor, runChecks } from '@healer/core';

const run = promisify(execFile);
const PROBES = [
  ['cat', '/proc/loadavg'],
  ['df', '-P', '-B1', '/'],
  ['uname', '-srm'],
  ['cat', '/proc/meminfo'],
  ['nproc'],
  ['id', '-u'],
  ['date', '+%s'],
  ['true'],
];
const COUNT = 40;
const CONCURRENCY = 8;
const ROUNDS = 15;
const probes = Array.from({ length: COUNT }, (_, i) => PROBES[i % PROBES.length]);

async function pool(items, width, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

const direct = async () => pool(probes, CONCURRENCY, (argv) => run(argv[0], argv.slice(1)));

const exec = new LocalExecutor();
const checks = probes.map((argv, i) => ({
  id: `bench/probe-${i}`,
  title: argv.join(' '),
  category: 'system',
  severity: 'low',
  async run(ctx) {
    const r = await ctx.exec.run(argv, { signal: ctx.signal });
    return { status: r.exitCode === 0 ? 'pass' : 'fail', message: r.stdout.slice(0, 40) };
  },
}));
const jobs = checks.map((check) => ({ check, context: (signal) => ({ exec, signal }) }));
const viaRunner = async () => runChecks(jobs, { concurrency: CONCURRENCY });

const dir = await mkdtemp(join(tmpdir(), 'healer-bench-'));
await writeFile(join(dir, 'bench.marker'), 'x');
const plugin = definePlugin({
  name: 'bench',
  version: '1.0.0',
  engines: { core: '^1.0.0' },
  stacks: ['bench'],
  signatures: ['bench.marker'],
  async detect(ctx) {
    return (await ctx.fs.exists(`${ctx.path}/bench.marker`)) ? { stack: 'bench', confidence: 1, evidence: [] } : null;
  },
  checks,
  actions: [],
});
const healer = createHealer({ plugins: [plugin], sharedChecks: false, checkConcurrency: CONCURRENCY });
const viaHealer = async () => healer.diagnose(dir);

async function measure(fn) {
  await fn();
  const times = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

// Interleave to share whatever the machine is doing.
const results = { direct: [], runner: [], healer: [] };
for (let i = 0; i < 3; i++) {
  results.direct.push(await measure(direct));
  results.runner.push(await measure(viaRunner));
  results.healer.push(await measure(viaHealer));
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const d = med(results.direct);
const r = med(results.runner);
const h = med(results.healer);
console.log(`check runner overhead: ${COUNT} probe commands, ${CONCURRENCY} at a time, median of ${ROUNDS} rounds x3`);
console.log(`  direct child_process        ${d.toFixed(1)} ms   1.00x`);
console.log(`  runChecks                   ${r.toFixed(1)} ms   ${(r / d).toFixed(2)}x  (aim <= 1.2x)`);
console.log(`  createHealer().diagnose()   ${h.toFixed(1)} ms   ${(h / d).toFixed(2)}x`);
await rm(dir, { recursive: true, force: true });
