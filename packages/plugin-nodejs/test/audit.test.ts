/**
 * `nodejs/audit` with the real `npm audit --json` against an advisory
 * endpoint served on loopback (the registry's bulk advisory API), and with a
 * registry that does not answer.
 */
import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkApp, createExpressApp, freePort, installExpress, type ExpressApp, type ExpressCache } from './helpers/express-app.js';

let cache: ExpressCache;
let app: ExpressApp;
let registry: Server;
let registryUrl: string;
/** What the advisory endpoint answers, by package name. */
let advisories: Record<string, unknown[]> = {};
const asked: string[] = [];

beforeAll(async () => {
  cache = await installExpress();
  app = await createExpressApp(cache);
  registry = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      if (req.method === 'POST' && req.url?.endsWith('/-/npm/v1/security/advisories/bulk')) {
        asked.push(...Object.keys(JSON.parse(body.toString('utf8')) as object));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(advisories));
        return;
      }
      res.statusCode = 404;
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  registryUrl = `http://127.0.0.1:${(registry.address() as { port: number }).port}/`;
}, 240_000);

afterAll(async () => {
  await app?.cleanup();
  await cache?.cleanup();
  await new Promise((resolve) => registry?.close(resolve));
});

describe('nodejs/audit', () => {
  it('passes when the registry knows no advisory for the installed packages', async () => {
    advisories = {};
    const r = await checkApp(app, 'nodejs/audit', { config: { npmRegistry: registryUrl } });
    expect(r.status, r.message).toBe('pass');
    expect(asked).toContain('express');
  });

  it('fails on a high advisory and names the package and the fix', async () => {
    advisories = {
      express: [{ id: 1, url: 'https://advisories.invalid/1', title: 'Test advisory', severity: 'high', vulnerable_versions: '<99.0.0', cwe: [], cvss: { score: 7.5, vectorString: null } }],
    };
    const r = await checkApp(app, 'nodejs/audit', { config: { npmRegistry: registryUrl } });
    expect(r.status).toBe('fail');
    expect(r.message).toContain('1 high');
    expect(r.details?.packages).toEqual(['express']);
    expect(r.fixes).toEqual(['nodejs/audit-fix']);
  });

  it('is skipped with the reason when the registry does not answer', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/`;
    const r = await checkApp(app, 'nodejs/audit', { config: { npmRegistry: dead } });
    expect(r.status).toBe('skip');
    expect(r.message).toContain('could not ask the registry');
    expect(r.message).toContain('ECONNREFUSED');
  });
});
