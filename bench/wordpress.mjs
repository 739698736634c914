// WordPress diagnosis benchmark: a full diagnosis (every WordPress check plus
// the shared checks) of a real test site, the one the plugin's tests use:
// Debian's WordPress on the local MariaDB, served by `php -S`. Prints the wall
// time (median of 5, after a warm-up) and how many commands and file
// operations one diagnosis sends through the executor. Aim: at most 1.5 s.
//
// The site comes from the tests' own harness (TypeScript): it is transpiled
// here with the workspace's TypeScript and imported from memory, its
// `@healer/*` imports pointed at the packages this script resolves, so the
// bench and the tests build the same site with the same code.
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ts from 'typescript';
import { createHealer, LocalExecutor } from '@healer/core';
import { wordpressPlugin } from '@healer/plugin-wordpress';

const HARNESS = new URL('../packages/plugin-wordpress/test/helpers/wordpress-site.ts', import.meta.url);
const RUNS = 7;
const AIM_MS = 1500;

async function loadHarness() {
  const source = await readFile(HARNESS, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: 'wordpress-site.ts',
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  // A module imported from a data: URL resolves only absolute URLs and node: builtins.
  const js = outputText.replace(/from '(@healer\/[^']+)'/g, (_, spec) => `from '${import.meta.resolve(spec)}'`);
  return import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`);
}

/** An executor that counts what goes through it. */
function countingExecutor(inner) {
  const counts = new Map();
  const executor = new Proxy(inner, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (typeof value !== 'function' || name === 'info' || name === 'close') return typeof value === 'function' ? value.bind(target) : value;
      return (...args) => {
        counts.set(name, (counts.get(name) ?? 0) + 1);
        return value.apply(target, args);
      };
    },
  });
  return { executor, counts };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (n) => `${n.toFixed(0)} ms`;

async function measure(label, site, { sharedChecks, configured = true }) {
  const { executor, counts } = countingExecutor(new LocalExecutor());
  // Unconfigured: only the path, as a new user runs it (the address is looked up, no log is known).
  const healer = createHealer(
    configured
      ? { plugins: [{ plugin: wordpressPlugin, config: { phpErrorLog: site.phpErrorLog } }], executor, sharedChecks, apps: { [site.root]: { url: site.url } } }
      : { plugins: [wordpressPlugin], executor, sharedChecks },
  );
  const times = [];
  let perRun = null;
  let diagnosis = null;
  for (let i = 0; i <= RUNS; i++) {
    counts.clear();
    const t = performance.now();
    diagnosis = await healer.diagnose(site.root);
    const elapsed = performance.now() - t;
    if (i === 0) continue; // warm-up: PHP's opcache, MariaDB's buffers
    times.push(elapsed);
    perRun = new Map(counts);
  }
  await healer.close();
  const m = median(times);
  const spread = `${ms(Math.min(...times))}..${ms(Math.max(...times))}`;
  const commands = perRun.get('run') ?? 0;
  const fileOps = [...perRun].filter(([k]) => k !== 'run').reduce((n, [, v]) => n + v, 0);
  const failing = diagnosis.results.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => `${r.id}=${r.status}`);
  console.log(
    `   ${label.padEnd(50)} ${ms(m).padStart(8)} (${spread})   ${String(commands).padStart(3)} commands, ${String(fileOps).padStart(3)} file ops, ${diagnosis.results.length} checks${m <= AIM_MS ? '' : `   OVER the ${AIM_MS} ms aim`}`,
  );
  if (failing.length) console.log(`      failing: ${failing.join(', ')}`);
  const fatal = diagnosis.results.find((r) => r.id === 'wordpress/fatal-errors');
  if (!configured) console.log(`      fatal-errors: ${fatal?.status} from ${fatal?.details?.source ?? 'logs'}; probe ${fatal?.details?.probe?.durationMs ?? '-'} ms`);
  return m;
}

const { createWordPressSite } = await loadHarness();
const site = await createWordPressSite();
try {
  // The harness writes wp-config.php 0644, which wordpress/permissions rightly reports: make the site healthy.
  await chmod(join(site.root, 'wp-config.php'), 0o640);
  console.log(`WordPress diagnosis of a real test site (median of ${RUNS}, aim <= ${AIM_MS} ms)`);
  await measure('healthy site, WordPress + shared checks', site, { sharedChecks: true });
  await measure('healthy site, WordPress checks only', site, { sharedChecks: false });
  await site.addPlugin('broken-plugin', "<?php\n/* Plugin Name: Broken */\nhealer_undefined_function();\n", { activate: true });
  await site.get('/');
  await measure('white screen (fatal plugin), WordPress + shared', site, { sharedChecks: true });
} finally {
  await site.stop();
}

// A stock site with no configuration at all: only the path; its address (home option) does not
// resolve, so it is reached at 127.0.0.1; no log is known, so a down site is probed.
const stock = await createWordPressSite({ hostName: 'site.invalid' });
try {
  await chmod(join(stock.root, 'wp-config.php'), 0o640);
  console.log(`Stock site, only the path given (address looked up, no log known)`);
  await measure('healthy stock site, no configuration', stock, { sharedChecks: true, configured: false });
  await stock.addPlugin('broken-plugin', "<?php\n/* Plugin Name: Broken */\nrequire __DIR__ . '/inc.php';\n", { activate: true, files: { 'inc.php': '<?php\nhealer_undefined_function();\n' } });
  await measure('down stock site (load probe), no configuration', stock, { sharedChecks: true, configured: false });
} finally {
  await stock.stop();
}
