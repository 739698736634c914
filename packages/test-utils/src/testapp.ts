/** Start the real testapp HTTP server as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testdir, writeTree, type TestDir, type TreeEntry } from './testdir.js';

export interface RunningTestapp {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The files of a healthy (or broken) testapp folder. */
export function testappFiles(status = 'ok'): Record<string, TreeEntry> {
  return {
    'testapp.json': JSON.stringify({ name: 'demo', version: '2.1.0', status }, null, 2) + '\n',
    'public/index.html': '<h1>testapp</h1>\n',
    'data/notes.txt': { content: 'private notes\n', mode: 0o600 },
  };
}

export async function startTestapp(root: string): Promise<RunningTestapp> {
  const script = fileURLToPath(new URL('./testapp-server.js', import.meta.url));
  const child = spawn(process.execPath, [script, root, '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`testapp server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A temporary folder holding a broken testapp (`<dir>/site`, served), and a `home` path beside it for a state store. */
export interface BrokenTestapp {
  dir: TestDir;
  app: string;
  home: string;
  server: RunningTestapp;
}

/** Write a broken testapp into a new temporary folder and start its server. */
export async function startBrokenTestapp(): Promise<BrokenTestapp> {
  const dir = await testdir();
  const app = join(dir.path, 'site');
  await writeTree(app, testappFiles('broken'));
  return { dir, app, home: join(dir.path, 'home'), server: await startTestapp(app) };
}
