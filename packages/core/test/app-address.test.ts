/**
 * The app's address found by its plugin (`address()`), used by the checks
 * with no `url` configured, and kept by verification: a hygiene change that
 * makes the app stop answering at that address is rolled back.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHealer, definePlugin, httpHealthCheck, MemoryStateStore, restoreBackup } from '@healer/core';
import { testdir, type TestDir } from '@healer/test-utils';

let dir: TestDir;
let app: string;
let server: Server;
let port: number;

/** Answers 500 while `<app>/down` exists. */
beforeEach(async () => {
  dir = await testdir();
  app = join(dir.path, 'app');
  await mkdir(app);
  server = createServer((_req, res) => {
    const down = existsSync(join(app, 'down'));
    res.writeHead(down ? 500 : 200).end(down ? 'broken' : 'all good');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  await writeFile(join(app, 'addr.json'), JSON.stringify({ home: `http://site.invalid:${port}/` }));
});

afterEach(async () => {
  await new Promise((r) => server.close(r));
  await dir.cleanup();
});

const addrPlugin = definePlugin({
  name: 'addr',
  version: '1.0.0',
  engines: { core: '^1.0.0' },
  stacks: ['addr'],
  signatures: ['addr.json'],
  async detect(ctx) {
    return (await ctx.fs.readText(join(ctx.path, 'addr.json'))) === null ? null : { stack: 'addr', confidence: 0.9, evidence: ['addr.json'] };
  },
  async address(ctx) {
    const text = await ctx.fs.readText(join(ctx.app.root, 'addr.json'));
    return text === null ? null : { url: (JSON.parse(text) as { home: string }).home, source: 'addr.json' };
  },
  checks: [
    { ...httpHealthCheck, id: 'addr/http' },
    {
      id: 'addr/hygiene',
      title: 'No loose file',
      category: 'security',
      severity: 'medium',
      async run(ctx) {
        return (await ctx.fs.exists(join(ctx.app.root, 'loose'))) ? { status: 'fail', message: 'loose is there' } : { status: 'pass', message: 'fine' };
      },
    },
  ],
  actions: [
    {
      id: 'addr/tighten',
      title: 'Tighten (and, by mistake, take the app down)',
      risk: 'low',
      fixes: ['addr/hygiene'],
      requiresBackup: true,
      backup: { paths: ['loose', 'down'] },
      plan: (ctx) => [
        { kind: 'remove', path: join(ctx.app.root, 'loose') },
        { kind: 'write-file', path: join(ctx.app.root, 'down'), content: 'x' },
      ],
      rollback: restoreBackup,
    },
  ],
});

describe("the app's address from its plugin", () => {
  it('is used by the checks when no url is configured, reached at 127.0.0.1 as its name does not resolve', async () => {
    const healer = createHealer({ plugins: [addrPlugin], sharedChecks: false, state: new MemoryStateStore() });
    const d = await healer.diagnose(app);
    const http = d.results.find((r) => r.id === 'addr/http')!;
    expect(http.status, http.message).toBe('pass');
    expect(http.details).toMatchObject({ url: `http://site.invalid:${port}/`, connectTo: '127.0.0.1' });
    await healer.close();
  });

  it('a configured url wins', async () => {
    const url = `http://127.0.0.1:${port}/`;
    const healer = createHealer({ plugins: [addrPlugin], sharedChecks: false, state: new MemoryStateStore(), apps: { [app]: { url } } });
    const d = await healer.diagnose(app);
    expect(d.results.find((r) => r.id === 'addr/http')?.details).toMatchObject({ url, connectTo: null });
    await healer.close();
  });

  it('is checked after every change: a hygiene fix that stops the app answering is rolled back', async () => {
    await writeFile(join(app, 'loose'), 'x');
    const healer = createHealer({ plugins: [addrPlugin], sharedChecks: false, state: new MemoryStateStore() });
    const { execution } = await healer.heal(app, { mode: 'auto' });
    expect(execution.state, execution.message).not.toBe('FIXED');
    expect(execution.attempts).toMatchObject([{ actionId: 'addr/tighten', verified: false, rolledBack: true }]);
    expect(JSON.stringify(execution.timeline)).toContain('addr/http');
    // Put back: the app answers, and the loose file is there again.
    expect(existsSync(join(app, 'down'))).toBe(false);
    expect(await readFile(join(app, 'loose'), 'utf8')).toBe('x');
    await healer.close();
  });
});
