// The quickstart: make a broken sample app in a fresh temporary folder, serve
// it on 127.0.0.1, and let the healer CLI detect, diagnose, plan and heal it.
// Each run starts from a new copy, so it can be run again and again.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestapp, testappFiles, writeTree } from '@healer/test-utils';

const require = createRequire(import.meta.url);
const cli = join(require.resolve('@healer/cli/package.json'), '..', 'dist', 'bin.js');
const pluginModule = join(require.resolve('@healer/test-utils/package.json'), '..', 'dist', 'testapp-plugin.js');

const work = await mkdtemp(join(tmpdir(), 'healer-demo-'));
const app = join(work, 'site');
await writeTree(app, testappFiles('broken'));
const server = await startTestapp(app);
const config = join(work, 'healer.config.json');
await writeFile(
  config,
  JSON.stringify({ plugins: [pluginModule], sharedChecks: false, apps: { [app]: { url: server.url } } }, null, 2),
);

const step = (title, args) => {
  console.log(`\n\x1b[1m$ healer ${args.join(' ')}\x1b[0m   # ${title}`);
  const r = spawnSync(process.execPath, [cli, ...args, '--config', config], {
    stdio: 'inherit',
    env: { ...process.env, HEALER_HOME: join(work, 'state') },
  });
  return r.status;
};

let code = 1;
try {
  console.log(`A sample app in ${app} is served at ${server.url}; its config file says it is broken.`);
  console.log(`Before: HTTP ${(await fetch(server.url)).status}`);
  step('which stack is this?', ['detect', app]);
  step('what is wrong?', ['diagnose', app]);
  step('what would healing do?', ['plan', app, '--mode', 'auto']);
  code = step('heal it: backup, apply, verify, roll back what does not help', ['heal', app, '--mode', 'auto']);
  console.log(`\nAfter: HTTP ${(await fetch(server.url)).status}`);
} finally {
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
process.exit(code ?? 1);
