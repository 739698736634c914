/**
 * Real Next.js apps for the plugin's tests: one `npm ci` of the pinned
 * fixture (`test/fixtures/next-app`) per test file, hard-linked into each app's temporary folder
 * (`cp -al`: the install is large); the app runs as a real `next start`
 * process on a free loopback port, started and stopped by the commands the
 * plugin's restart action uses.
 */
import { freePort, installFixture, statusOf } from '@healer/test-utils';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createHealer, withOnlyChecks } from '@healer/core';
import type { NextjsConfigInput } from '../../src/config.js';
import { nextjsPlugin } from '../../src/plugin.js';

const run = promisify(execFile);

export interface NextCache {
  dir: string;
  dependencies: Record<string, string>;
  cleanup(): Promise<void>;
}

const FIXTURE = fileURLToPath(new URL('../fixtures/next-app', import.meta.url));

export async function installNext(): Promise<NextCache> {
  return installFixture(FIXTURE, { timeoutMs: 300_000 });
}

export const PAGE = 'export default function Home() {\n  return <p>hello from next</p>;\n}\n';
/** A page that does not compile. Its first line is long, so the build output is longer than a step failure's excerpt keeps whole. */
export const BROKEN_PAGE = `export default function Home( { /* ${'a missing parenthesis, '.repeat(8)}*/\n  return <p>broken\n`;

export interface NextApp {
  root: string;
  port: number;
  url: string;
  config: NextjsConfigInput;
  /** Run the configured start command and wait until the app answers. */
  start(): Promise<void>;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

export interface NextAppOptions {
  /** The text of next.config.js. */
  nextConfig?: string;
  /** Install next (hard links from the cache). Default true. */
  install?: boolean;
}

export async function createNextApp(cache: NextCache, options: NextAppOptions = {}): Promise<NextApp> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'healer-next-app-')));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const pkg = { name: 'healer-next-app', version: '0.1.0', private: true, scripts: { build: 'next build', start: 'next start' }, dependencies: cache.dependencies };
  await writeFile(join(root, 'package.json'), JSON.stringify(pkg, null, 2));
  const lock = JSON.parse(await readFile(join(cache.dir, 'package-lock.json'), 'utf8')) as { name: string; packages: Record<string, { name?: string }> };
  lock.name = pkg.name;
  if (lock.packages['']) lock.packages[''].name = pkg.name;
  await writeFile(join(root, 'package-lock.json'), JSON.stringify(lock, null, 2));
  await writeFile(join(root, 'next.config.js'), options.nextConfig ?? 'module.exports = { reactStrictMode: true };\n');
  await mkdir(join(root, 'pages'));
  await writeFile(join(root, 'pages/index.js'), PAGE);
  if (options.install !== false) await run('cp', ['-al', join(cache.dir, 'node_modules'), join(root, 'node_modules')]);

  const commands = {
    start: ['sh', '-c', 'NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 node node_modules/next/dist/bin/next start -p "$1" -H 127.0.0.1 >> app.log 2>&1 < /dev/null & echo $! > app.pid', 'sh', String(port)],
    stop: ['sh', '-c', 'p=$(cat app.pid 2>/dev/null) || exit 0; kill "$p" 2>/dev/null; i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; rm -f app.pid'],
  };
  const app: NextApp = {
    root,
    port,
    url,
    config: { commands, pidFile: 'app.pid', startTimeoutMs: 60_000 },
    async start() {
      await run(commands.start[0]!, commands.start.slice(1), { cwd: root });
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        if ((await statusOf(url)) === 200) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`the Next app did not answer: ${await readFile(join(root, 'app.log'), 'utf8').catch(() => '')}`);
    },
    async stop() {
      await run(commands.stop[0]!, commands.stop.slice(1), { cwd: root });
    },
    async cleanup() {
      await app.stop().catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
  return app;
}


export async function bodyOf(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return res.text();
}

/** A healer with this plugin only, limited to the `only` checks when given. */
export function healerFor(app: Pick<NextApp, 'root' | 'url' | 'port' | 'config'>, options: { config?: NextjsConfigInput; only?: string[] } = {}): ReturnType<typeof createHealer> {
  const plugin = options.only ? withOnlyChecks(nextjsPlugin, options.only) : nextjsPlugin;
  return createHealer({
    plugins: [{ plugin, config: { ...app.config, ...options.config } }],
    sharedChecks: false,
    checkTimeoutMs: 90_000,
    apps: { [app.root]: { url: app.url, port: app.port } },
  });
}

export { freePort, statusOf };
