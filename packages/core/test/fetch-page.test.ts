/**
 * fetchPage and chooseConnectAddress against real servers on loopback ports:
 * a URL whose host name does not resolve is asked of the server itself, with
 * the name in the Host header and in TLS SNI.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpHealthCheck } from '../src/checks/shared/index.js';
import { chooseConnectAddress, serverHostOf } from '../src/http/connect-address.js';
import { fetchPage } from '../src/http/fetch-page.js';
import { makeCheckContext } from './helpers/check-context.js';

const run = promisify(execFile);
let http: HttpServer;
let httpPort: number;
let https: HttpsServer;
let httpsPort: number;
let tmp: string;
const seenHosts: string[] = [];
const seenServernames: string[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(os.tmpdir(), 'healer-fetch-'));
  http = createHttpServer((req, res) => {
    seenHosts.push(req.headers.host ?? '');
    if (req.url === '/old') {
      res.writeHead(301, { location: '/new' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`host=${req.headers.host} path=${req.url}`);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  httpPort = (http.address() as AddressInfo).port;

  const key = join(tmp, 'key.pem');
  const cert = join(tmp, 'cert.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=other.invalid']);
  https = createHttpsServer(
    {
      key: await readFile(key),
      cert: await readFile(cert),
      SNICallback: (name, cb) => {
        seenServernames.push(name);
        cb(null);
      },
    },
    (_req, res) => res.end('tls'),
  );
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  httpsPort = (https.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((r) => http?.close(r));
  await new Promise((r) => https?.close(r));
  await rm(tmp, { recursive: true, force: true });
});

describe('chooseConnectAddress', () => {
  it('uses DNS for an address, and for a name that resolves to this machine', async () => {
    expect(await chooseConnectAddress(`http://127.0.0.1:${httpPort}/`)).toMatchObject({ connectTo: null });
    expect(await chooseConnectAddress(`http://localhost:${httpPort}/`)).toMatchObject({ connectTo: null });
  });

  it('asks this machine for a name that does not resolve, and the SSH host for a remote target', async () => {
    const local = await chooseConnectAddress('http://site.invalid:8080/');
    expect(local).toEqual({ connectTo: '127.0.0.1', reason: 'site.invalid does not resolve' });
    const remote = await chooseConnectAddress('http://site.invalid/', 'ssh://deploy@127.0.0.1:2222');
    expect(remote.connectTo).toBe('127.0.0.1');
    expect(serverHostOf('ssh://deploy@web1.example:22')).toBe('web1.example');
    expect(serverHostOf('local')).toBeNull();
  });
});

describe('fetchPage', () => {
  it('reaches a site whose name does not resolve at 127.0.0.1 with the name in the Host header, following redirects', async () => {
    const page = await fetchPage(`http://site.invalid:${httpPort}/old`);
    expect(page.status).toBe(200);
    expect(page.connectTo).toBe('127.0.0.1');
    expect(page.body).toBe(`host=site.invalid:${httpPort} path=/new`);
    expect(page.finalUrl).toBe(`http://site.invalid:${httpPort}/new`);
  });

  it('connects as DNS says when the name is this machine', async () => {
    const page = await fetchPage(`http://127.0.0.1:${httpPort}/`);
    expect(page).toMatchObject({ status: 200, connectTo: null });
  });

  it('sends the name as TLS SNI and still checks the certificate against it', async () => {
    const failed = await fetchPage(`https://site.invalid:${httpsPort}/`).then(
      () => null,
      (e: unknown) => e as Error & { cause?: { code?: string } },
    );
    expect(seenServernames).toContain('site.invalid');
    // The self-signed certificate names another host: refused, as a browser would.
    expect(failed).not.toBeNull();
    expect(failed!.cause?.code).not.toBe('ECONNREFUSED');
  });

  it('fails like fetch when nothing listens', async () => {
    const closedPort = await freePort();
    await expect(fetchPage(`http://site.invalid:${closedPort}/`)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
  });
});

describe('core/http-health', () => {
  it('reports which address it connected to', async () => {
    const ctx = makeCheckContext({ root: tmp, settings: { url: `http://site.invalid:${httpPort}/` } });
    const r = await httpHealthCheck.run(ctx);
    expect(r.status, r.message).toBe('pass');
    expect(r.details).toMatchObject({ connectTo: '127.0.0.1', status: 200 });
    expect(r.message).toContain('reached at 127.0.0.1');
  });
});
