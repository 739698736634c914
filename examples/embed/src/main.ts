/**
 * The Healer SDK embedded in a short script.
 *
 *   node dist/main.js [folder] [--heal]
 *
 * Finds the apps under `folder` (default: a temporary folder filled with a
 * small sample app), diagnoses each, heals the failing ones when `--heal` is
 * given, and prints a short report. Exit code 0 when every app ends healthy,
 * 1 otherwise, 2 on a bad argument.
 */
import { mkdtemp, realpath, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHealer, definePlugin, errorMessage, restoreBackup, type Diagnosis } from '@healer/core';
import { wordpressPlugin } from '@healer/plugin-wordpress';

// Step 1: a plugin can be a few lines inline. This one knows "hello" apps: a folder with hello.json.
const helloPlugin = definePlugin({
  name: 'hello',
  version: '1.0.0',
  engines: { core: '^1.0.0' },
  stacks: ['hello'],
  signatures: ['hello.json'],
  async detect(ctx) {
    const text = await ctx.fs.readText(`${ctx.path}/hello.json`);
    return text === null ? null : { stack: 'hello', confidence: 0.9, evidence: ['hello.json found'] };
  },
  checks: [
    {
      id: 'hello/greeting',
      title: 'hello.json has a greeting',
      category: 'configuration',
      severity: 'high',
      async run(ctx) {
        const text = await ctx.fs.readText(`${ctx.app.root}/hello.json`);
        let greeting: unknown;
        try {
          greeting = (JSON.parse(text ?? 'null') as { greeting?: unknown } | null)?.greeting;
        } catch {
          return { status: 'fail', message: 'hello.json is not valid JSON.' };
        }
        if (typeof greeting === 'string' && greeting.trim() !== '') return { status: 'pass', message: `Greeting: ${greeting}` };
        return { status: 'fail', message: 'hello.json has no greeting; visitors see a blank page.' };
      },
    },
  ],
  actions: [
    {
      id: 'hello/default-greeting',
      title: 'Write the default greeting',
      risk: 'low',
      fixes: ['hello/greeting'],
      requiresBackup: true,
      backup: { paths: ['hello.json'] },
      plan: (ctx) => [
        { kind: 'write-file', path: `${ctx.app.root}/hello.json`, content: '{ "greeting": "Hello, world!" }\n', description: 'set the default greeting' },
      ],
      rollback: restoreBackup,
    },
  ],
});

async function main(argv: string[]): Promise<number> {
  const heal = argv.includes('--heal');
  const args = argv.filter((a) => a !== '--heal');
  if (args.length > 1 || args.some((a) => a.startsWith('-'))) {
    console.error('usage: main.js [folder] [--heal]');
    return 2;
  }

  // Step 2: the folder to look in: the argument, or a fresh sample.
  let folder: string;
  let cleanup = async (): Promise<void> => {};
  if (args[0] !== undefined) {
    folder = resolve(args[0]);
    if (!(await stat(folder).catch(() => null))?.isDirectory()) {
      console.error(`Not a folder: ${folder}`);
      return 2;
    }
    folder = await realpath(folder);
  } else {
    folder = await realpath(await mkdtemp(join(tmpdir(), 'healer-embed-')));
    await mkdir(join(folder, 'sample-app'));
    await writeFile(join(folder, 'sample-app', 'hello.json'), '{ "greeting": "" }\n');
    const sample = folder;
    cleanup = () => rm(sample, { recursive: true, force: true });
    console.log(`Sample app written to ${join(folder, 'sample-app')} (its greeting is empty).`);
  }

  // Step 3: the healer. Plugins are registered explicitly; state stays in memory; the target is this machine.
  // The machine-wide shared checks (disk, memory, load...) are off so the report is about the apps alone.
  const healer = createHealer({ plugins: [wordpressPlugin, helloPlugin], sharedChecks: false, mode: 'supervised' });

  // Step 4: follow every execution as it happens.
  healer.on('timeline', (_executionId, event) => {
    console.log(`    [${event.type}]${event.state ? ` ${event.state}` : ''} ${event.message}`);
  });

  try {
    // Step 5: discover: one search for every plugin's signature files, then detection of each candidate.
    const found = (await healer.discover([folder])).filter((d) => d.app !== null);
    console.log(`Found ${found.length} app(s) under ${folder}.`);

    let healthy = 0;
    for (const { app } of found) {
      if (!app) continue;
      // Step 6: diagnose: every check of the app's plugin, in parallel, each with a timeout.
      const diagnosis = await healer.diagnose({ path: app.root }, { plugin: app.plugin });
      console.log(`\n${app.stack} at ${app.root}: ${diagnosis.status} (health ${diagnosis.healthScore}/100)`);
      printResults(diagnosis);
      let ok = diagnosis.status === 'pass' || diagnosis.status === 'warn';

      // Step 7: heal: backup, apply, verify by re-running the checks, roll back what does not help.
      if (!ok && heal) {
        const { execution } = await healer.heal({ path: app.root }, { plugin: app.plugin });
        console.log(`  heal: ${execution.state}: ${execution.message}`);
        ok = execution.state === 'FIXED';
      }
      if (ok) healthy++;
    }

    // Step 8: the report and the exit code a scheduler or CI job can act on.
    console.log(`\n${healthy} of ${found.length} app(s) healthy.`);
    return healthy === found.length ? 0 : 1;
  } finally {
    await healer.close();
    await cleanup();
  }
}

function printResults(diagnosis: Diagnosis): void {
  for (const r of diagnosis.results) {
    if (r.status === 'skip') continue;
    console.log(`  ${r.status.toUpperCase().padEnd(5)} ${r.id}: ${r.message}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`error: ${errorMessage(err)}`);
    process.exit(1);
  },
);
