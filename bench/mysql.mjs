// MySQL diagnosis benchmark: MySQLTuner against Healer's MySQL plugin, on
// the same private MariaDB server (startMariadb: its own data directory and
// free loopback port; the machine's own server is never touched), broken on
// purpose the same way for both: a crashed MyISAM table, a fragmented table
// (about 127 MiB with 48 MiB free), a long query, 90% of max_connections in
// use, an anonymous account and a few slow queries.
//
// Baseline, measured in this run: `mysqltuner --json` as a user runs it
// (median of RUNS). Also timed: `--json --skipsize` (which gets past the
// InnoDB section where MySQLTuner 1.9.9 divides by zero on MariaDB 10.5+)
// and the text report (whose [!!] warnings --json does not carry). Healer:
// `createHealer({ plugins: [@healer/plugin-mysql] }).diagnose(dataDir)`,
// median of RUNS after a warm-up, as a ratio to the baseline. Then both
// finding lists side by side.
//
// Run (as root, with Debian's mariadb-server, mariadb-client and mysqltuner,
// which .ci/run installs):
//   pnpm build && node bench/mysql.mjs
//   RUNS=5 node bench/mysql.mjs        (default 3)
//   HEALER_PLUGIN_MYSQL=<checkout>/packages/plugin-mysql/dist/index.js node bench/mysql.mjs
//                                      (a plugin built elsewhere)
// Without a built @healer/plugin-mysql it prints "plugin-mysql not built"
// and only MySQLTuner's figures and findings.
import { pathToFileURL } from 'node:url';
import { createHealer } from '@healer/core';
import { anonymousUser, crashTable, exhaustConnections, fragmentTable, runMysqltuner, sleepingQuery, startMariadb } from '@healer/test-utils';

const RUNS = Number(process.env.RUNS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (n) => `${n.toFixed(0)} ms`;
const spread = (xs) => `${ms(Math.min(...xs))}..${ms(Math.max(...xs))}`;

/** The plugin module: HEALER_PLUGIN_MYSQL (a built index.js) when set, the workspace package when the bench depends on it, else its build in the repository. */
async function loadPlugin() {
  const tried = [];
  const given = process.env.HEALER_PLUGIN_MYSQL ? [pathToFileURL(process.env.HEALER_PLUGIN_MYSQL).href] : [];
  for (const spec of [...given, '@healer/plugin-mysql', new URL('../packages/plugin-mysql/dist/index.js', import.meta.url).href]) {
    try {
      const mod = await import(spec);
      const plugin = mod.mysqlPlugin ?? mod.default;
      if (plugin?.name && Array.isArray(plugin.checks)) return { plugin };
      tried.push(`${spec}: no mysqlPlugin export`);
    } catch (e) {
      tried.push(`${spec}: ${e.code ?? e.message}`);
    }
  }
  return { plugin: null, why: tried.join('; ') };
}

async function timeRuns(n, fn) {
  const times = [];
  let last;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    last = await fn();
    times.push(performance.now() - t);
  }
  return { times, last };
}

/** Two columns, each cut to `width`, as long as the longer list. */
function sideBySide(left, right, width = 68) {
  const cut = (s) => (s.length > width ? `${s.slice(0, width - 1)}…` : s.padEnd(width));
  const rows = Math.max(left.length, right.length);
  const out = [];
  for (let i = 0; i < rows; i++) out.push(`  ${cut(left[i] ?? '')} | ${right[i] ?? ''}`.trimEnd());
  return out.join('\n');
}

const db = await startMariadb({ serverOptions: { max_connections: 40, slow_query_log: true, long_query_time: 0.05 } });
const open = [];
try {
  // --- the broken server ----------------------------------------------------
  await crashTable(db, 'shop', 'orders', 'MyISAM');
  const frag = await fragmentTable(db, 'shop', 'events');
  await anonymousUser(db);
  for (let i = 0; i < 5; i++) await db.sql('SELECT SLEEP(0.1)');
  open.push(await sleepingQuery(db, 3600));
  open.push(await exhaustConnections(db, 0.9));
  console.log(`MariaDB ${db.version} on 127.0.0.1:${db.port}: crashed MyISAM table shop.orders; shop.events ${(frag.dataLength / 2 ** 20).toFixed(0)} MiB with ${(frag.dataFree / 2 ** 20).toFixed(0)} MiB free;`);
  console.log(`  a running SELECT SLEEP(3600); 90% of max_connections (40) in use; an anonymous account; 5 slow queries`);
  const target = { port: db.port, user: db.user, password: db.password };

  // --- MySQLTuner ------------------------------------------------------------
  console.log(`\nMySQLTuner (median of ${RUNS})`);
  const json = await timeRuns(RUNS, () => runMysqltuner(target));
  const base = median(json.times);
  const outcome = (r) => (r.outcome === 'ok' ? `${r.recommendations.length} recommendations, ${r.variables.length} variables` : `${r.outcome}: ${r.error}`);
  console.log(`  mysqltuner --json                 ${ms(base).padStart(9)} (${spread(json.times)})   1.00x   ${outcome(json.last)}`);
  const sized = await timeRuns(RUNS, () => runMysqltuner({ ...target, skipSize: true }));
  console.log(`  mysqltuner --json --skipsize      ${ms(median(sized.times)).padStart(9)} (${spread(sized.times)})   ${(median(sized.times) / base).toFixed(2)}x   ${outcome(sized.last)}`);
  const text = await timeRuns(1, () => runMysqltuner({ ...target, format: 'text' }));
  console.log(`  mysqltuner (text report)          ${ms(text.times[0]).padStart(9)}                       ${(text.times[0] / base).toFixed(2)}x   ${text.last.warnings.length} [!!] warnings; ${outcome(text.last)}`);

  // --- Healer ------------------------------------------------------------------
  const { plugin, why } = await loadPlugin();
  let healerLines = [];
  if (plugin === null) {
    console.log(`\nplugin-mysql not built (${why}): build packages/plugin-mysql and run again for Healer's figures.`);
  } else {
    const config = {
      servers: { bench: { dataDir: db.dataDir, user: db.user, password: db.password, host: db.host, port: db.port, socket: db.socket } },
      // The sleeping query has run for seconds, not the default five minutes.
      longQuerySeconds: 1,
    };
    const healer = createHealer({ plugins: [{ plugin, config }], sharedChecks: false });
    try {
      await healer.diagnose(db.dataDir, { plugin: plugin.name });
      const runs = await timeRuns(RUNS, () => healer.diagnose(db.dataDir, { plugin: plugin.name }));
      const h = median(runs.times);
      const d = runs.last;
      const counts = ['fail', 'error', 'warn', 'pass', 'skip'].map((s) => `${d.results.filter((r) => r.status === s).length} ${s}`).join(', ');
      console.log(`\nHealer ${plugin.name} ${plugin.version} (median of ${RUNS} after a warm-up)`);
      console.log(`  createHealer().diagnose()         ${ms(h).padStart(9)} (${spread(runs.times)})   ${(h / base).toFixed(2)}x   ${d.results.length} checks: ${counts}; health ${d.healthScore}`);
      healerLines = d.results.filter((r) => r.status !== 'pass' && r.status !== 'skip').map((r) => `${r.status} ${r.id}: ${r.message}`);
    } finally {
      await healer.close();
    }
  }

  // --- findings side by side ------------------------------------------------------
  const tunerLines = [
    ...(json.last.outcome === 'ok' ? [] : [`(--json ${json.last.outcome}: ${json.last.error})`]),
    ...sized.last.recommendations.map((r) => `rec: ${r}`),
    ...sized.last.adjustments.map((a) => `adjust: ${a}`),
    ...text.last.warnings.map((w) => `[!!] ${w}`),
  ];
  console.log(`\nFindings: MySQLTuner (--skipsize recommendations, text [!!] warnings) | Healer (non-passing checks)`);
  console.log(sideBySide(tunerLines, plugin === null ? ['(plugin-mysql not built)'] : healerLines));
} finally {
  for (const o of open.reverse()) await (o.stop ?? o.close)();
  await db.cleanup();
}
