/**
 * The fixture app in a fresh temporary folder (`<base>/app`, its path
 * repository beside it in `<base>/packages`, as the checked-in lock expects),
 * Composer run offline with its home and cache in the folder, and `php -S`
 * started on a free loopback port with its output in `<base>/php-server.log`.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@healer/test-utils';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface PhpApp {
  base: string;
  root: string;
  /** The plugin configuration that keeps Composer offline and inside the folder. */
  config: { composerEnv: Record<string, string> };
  /** `composer install` as a person would run it (offline). */
  composerInstall(): Promise<void>;
  cleanup(): Promise<void>;
}

export function run(cmd: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 16 * 1024 * 1024 }, (e, stdout, stderr) => (e ? reject(new Error(`${cmd} ${args.join(' ')}: ${e.message}\n${stderr}`)) : resolve({ stdout, stderr }))),
  );
}

/** A copy of the fixture app; with `vendor: true`, installed. */
export async function createPhpApp(options: { vendor?: boolean } = {}): Promise<PhpApp> {
  const base = await realpath(await mkdtemp(join(tmpdir(), 'healer-php-')));
  // The web server's user walks into the app.
  await chmod(base, 0o755);
  const root = join(base, 'app');
  await cp(join(FIXTURES, 'php-app'), root, { recursive: true });
  await cp(join(FIXTURES, 'packages'), join(base, 'packages'), { recursive: true });
  const home = join(base, 'composer-home');
  await mkdir(home);
  const composerEnv = { COMPOSER_HOME: home, COMPOSER_CACHE_DIR: join(home, 'cache'), COMPOSER_DISABLE_NETWORK: '1' };
  const app: PhpApp = {
    base,
    root,
    config: { composerEnv },
    async composerInstall() {
      await run('composer', ['install', '--no-dev', '--no-interaction', '--no-progress'], { cwd: root, env: { ...composerEnv, COMPOSER_ALLOW_SUPERUSER: '1' } });
    },
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
  if (options.vendor) await app.composerInstall();
  return app;
}

export interface BuiltinServer {
  url: string;
  port: number;
  log: string;
  stop(): Promise<void>;
}

/** `php -S 127.0.0.1:<port> -t <root>`, its output in `<base>/php-server.log`; resolves once it accepts connections. */
export async function startBuiltin(app: PhpApp, iniArgs: string[] = []): Promise<BuiltinServer> {
  const port = await freePort();
  const log = join(app.base, 'php-server.log');
  await writeFile(log, '', { flag: 'a' });
  const { openSync, closeSync } = await import('node:fs');
  const fd = openSync(log, 'a');
  const child: ChildProcess = spawn('php', [...iniArgs, '-S', `127.0.0.1:${port}`, '-t', app.root], { cwd: app.root, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await fetch(url).then(() => true, () => false);
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`php -S did not start on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const ended = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await ended;
    },
  };
}

/** The HTTP status of a GET (0 when it cannot connect). */
export async function statusOf(url: string, host?: string): Promise<number> {
  const u = new URL(url);
  const { request } = await import('node:http');
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: u.port, path: u.pathname, headers: host ? { host } : {}, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
