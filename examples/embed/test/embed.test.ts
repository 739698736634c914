/** The embed example, built, run as a real process on real folders. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testdir, type TestDir } from '@healer/test-utils';

const script = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('examples/embed', () => {
  let dir: TestDir | undefined;

  beforeAll(() => {
    if (!existsSync(script)) throw new Error('examples/embed is not built: run `pnpm build` first.');
  });
  afterEach(async () => {
    await dir?.cleanup();
    dir = undefined;
  });

  it('heals its own sample app with --heal, printing the timeline, and removes the sample', () => {
    const r = run(['--heal']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('FAIL  hello/greeting: hello.json has no greeting');
    expect(r.stdout).toMatch(/\[backup\.created\] Backup \S+ taken/);
    expect(r.stdout).toMatch(/\[verify\.result\] Verified/);
    expect(r.stdout).toContain('heal: FIXED');
    expect(r.stdout).toContain('1 of 1 app(s) healthy.');
    const sample = /Sample app written to (.+) \(/.exec(r.stdout)?.[1];
    expect(sample).toBeDefined();
    expect(existsSync(sample!)).toBe(false);
  });

  it('without --heal reports the broken app, changes nothing and exits 1', async () => {
    dir = await testdir({
      'good/hello.json': '{ "greeting": "Hi" }\n',
      'broken/hello.json': '{ "greeting": "   " }\n',
      'not-an-app/readme.txt': 'nothing to see\n',
    });
    const r = run([dir.path]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('Found 2 app(s)');
    expect(r.stdout).toContain(`hello at ${dir.path}/good: pass`);
    expect(r.stdout).toContain('PASS  hello/greeting: Greeting: Hi');
    expect(r.stdout).toContain(`hello at ${dir.path}/broken: fail`);
    expect(r.stdout).toContain('1 of 2 app(s) healthy.');
    expect(r.stdout).not.toContain('[backup.');
    expect(await readFile(`${dir.path}/broken/hello.json`, 'utf8')).toBe('{ "greeting": "   " }\n');
  });

  it('heals a given folder with --heal and exits 0', async () => {
    dir = await testdir({ 'site/hello.json': '{}\n' });
    const r = run([dir.path, '--heal']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('heal: FIXED');
    expect(JSON.parse(await readFile(`${dir.path}/site/hello.json`, 'utf8'))).toEqual({ greeting: 'Hello, world!' });
  });

  it('exits 0 on a folder without apps, and 2 on a bad argument', async () => {
    dir = await testdir();
    await mkdir(`${dir.path}/empty`);
    const empty = run([dir.path]);
    expect(empty.status).toBe(0);
    expect(empty.stdout).toContain('Found 0 app(s)');

    const missing = run([`${dir.path}/no-such-folder`]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('Not a folder:');
    expect(run(['--bogus']).status).toBe(2);
  });
});
