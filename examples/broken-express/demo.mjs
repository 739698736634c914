// The quickstart. A real Express app (./app) is copied into a fresh temporary
// folder WITHOUT its dependencies, so it cannot start; the healer CLI then
// detects, diagnoses, plans and heals it on this machine (reinstall with the
// app's own package manager, backup first, restart, verify), and the app
// answers. Every run starts from a new copy, so it can be run again and again.
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('@healer/cli/package.json')), 'dist', 'bin.js');
const nodejsPlugin = join(dirname(require.resolve('@healer/plugin-nodejs/package.json')), 'dist', 'index.js');

const bold = (s) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[0m` : s);
const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const work = await mkdtemp(join(tmpdir(), 'healer-quickstart-'));
const app = join(work, 'broken-express');
const port = await freePort();
const url = `http://127.0.0.1:${port}/`;
// The app as a deploy left it: sources and lockfile, no node_modules.
await cp(join(here, 'app'), app, { recursive: true, filter: (src) => !src.includes('node_modules') });
await writeFile(join(app, '.env'), `PORT=${port}\nNODE_ENV=production\n`);

// How the app is run here: start/stop commands, its pid file and log (pm2 or systemd work too).
const commands = {
  start: ['sh', '-c', 'NODE_ENV=production node server.js >> app.log 2>&1 < /dev/null & echo $! > app.pid'],
  stop: ['sh', '-c', 'p=$(cat app.pid 2>/dev/null) || exit 0; kill "$p" 2>/dev/null; i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; rm -f app.pid'],
};
const config = join(work, 'healer.config.json');
await writeFile(
  config,
  JSON.stringify(
    {
      plugins: [{ module: nodejsPlugin, config: { commands, pidFile: 'app.pid', logFiles: ['app.log'] } }],
      apps: { [app]: { url } },
    },
    null,
    2,
  ),
);

const env = { ...process.env, HEALER_HOME: join(work, 'state') };
const healer = (title, args) => {
  console.log(`\n${bold(`$ healer ${args.join(' ')}`)}   # ${title}`);
  return spawnSync(process.execPath, [cli, ...args, '--config', config], { stdio: 'inherit', env }).status;
};
const status = async () => {
  try {
    const res = await fetch(url);
    await res.text();
    return `HTTP ${res.status}`;
  } catch {
    return 'no answer (connection refused)';
  }
};

let code = 1;
try {
  console.log(`A real Express app was copied to ${app} without its dependencies, as a broken deploy leaves it.`);
  spawnSync(commands.start[0], commands.start.slice(1), { cwd: app });
  await new Promise((r) => setTimeout(r, 800));
  console.log(`Started it: ${await status()}. Its log says:`);
  console.log(`  ${((await readFile(join(app, 'app.log'), 'utf8').catch(() => '')).split('\n').find((l) => l.includes('Cannot find module')) ?? '').trim()}`);
  healer('which stack is this?', ['detect', app]);
  healer('what is wrong?', ['diagnose', app]);
  healer('what would healing do?', ['plan', app, '--mode', 'auto']);
  code = healer('heal it: backup, reinstall with its own package manager, restart, verify', ['heal', app, '--mode', 'auto']);
  console.log(`\nAfter: ${await status()}`);
} finally {
  spawnSync(commands.stop[0], commands.stop.slice(1), { cwd: app });
  await rm(work, { recursive: true, force: true });
}
process.exit(code ?? 1);
