import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { freePort } from '@healer/test-utils';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFacts } from '../src/checks/facts.js';
import {
  diskInodesCheck,
  diskSpaceCheck,
  httpHealthCheck,
  loadCheck,
  memoryCheck,
  portListeningCheck,
  sharedChecks,
  tlsExpiryCheck,
  worldWritableCheck,
} from '../src/checks/shared/index.js';
import type { AppSettings } from '../src/contract/plugin.js';
import { isHealerError } from '../src/errors.js';
import { LocalExecutor } from '../src/exec/local-executor.js';
import { makeCheckContext } from './helpers/check-context.js';

const exec = new LocalExecutor();
let tmp: string;
let appRoot: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(os.tmpdir(), 'healer-shared-checks-'));
  appRoot = join(tmp, 'app');
  await mkdir(appRoot);
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const ctxFor = (settings: AppSettings = {}, root = appRoot) => makeCheckContext({ root, settings });


describe('sharedChecks', () => {
  it('lists every shared check once, with core/ ids and the contract fields', () => {
    const ids = sharedChecks.map((c) => c.id);
    expect(ids).toEqual([
      'core/disk-space',
      'core/disk-inodes',
      'core/memory',
      'core/load',
      'core/http-health',
      'core/tls-expiry',
      'core/port-listening',
      'core/world-writable',
    ]);
    for (const c of sharedChecks) {
      expect(c.title.length).toBeGreaterThan(0);
      expect(c.category).toMatch(/^(system|security|performance|configuration|dependencies|database|availability)$/);
      expect(c.severity).toMatch(/^(info|low|medium|high|critical)$/);
    }
  });
});

describe('core/disk-space, core/disk-inodes, core/memory, core/load on this host', () => {
  // One facts object, so every run below judges the same measured values.
  const facts = createFacts(exec);
  const run = (check: typeof diskSpaceCheck, settings: AppSettings) => check.run(makeCheckContext({ root: appRoot, settings, facts, exec }));

  it('disk-space: defaults agree with the measured usage; thresholds move the verdict', async () => {
    const disk = await facts.disk(appRoot);
    const expected = disk.usedPercent >= 95 ? 'fail' : disk.usedPercent >= 85 ? 'warn' : 'pass';
    const byDefault = await run(diskSpaceCheck, {});
    expect(byDefault.status).toBe(expected);
    expect(byDefault.details).toMatchObject({ mount: disk.mount, usedPercent: disk.usedPercent, warnPercent: 85, failPercent: 95 });
    expect(byDefault.message).toContain(appRoot);

    expect((await run(diskSpaceCheck, { diskWarnPercent: 101, diskFailPercent: 101 })).status).toBe('pass');
    const warn = await run(diskSpaceCheck, { diskWarnPercent: 0, diskFailPercent: 101 });
    expect(warn.status).toBe('warn');
    expect(warn.message).toMatch(/warn threshold of 0%; free space/);
    const fail = await run(diskSpaceCheck, { diskWarnPercent: 0, diskFailPercent: '0' });
    expect(fail.status).toBe('fail');
    expect(fail.message).toMatch(/fail threshold of 0%/);
  });

  it('disk-space: a threshold that is not a number makes the check error with a clear message', async () => {
    const err = await run(diskSpaceCheck, { diskFailPercent: 'lots' }).catch((e: unknown) => e);
    expect(isHealerError(err, 'CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toBe('The setting "diskFailPercent" must be a number; got "lots".');
  });

  it('disk-inodes: pass and fail by threshold (skip when the filesystem has no inode counts)', async () => {
    const disk = await facts.disk(appRoot);
    if (disk.inodesTotal === 0) {
      expect((await run(diskInodesCheck, {})).status).toBe('skip');
      return;
    }
    expect((await run(diskInodesCheck, { inodesWarnPercent: 101, inodesFailPercent: 101 })).status).toBe('pass');
    expect((await run(diskInodesCheck, { inodesWarnPercent: 0, inodesFailPercent: 101 })).status).toBe('warn');
    const fail = await run(diskInodesCheck, { inodesFailPercent: 0 });
    expect(fail.status).toBe('fail');
    expect(fail.details).toMatchObject({ inodesTotal: disk.inodesTotal, inodesFree: disk.inodesFree });
  });

  it('memory: defaults agree with the measurement; thresholds move the verdict', async () => {
    const mem = await facts.memory();
    const pct = (mem.availableBytes / mem.totalBytes) * 100;
    expect((await run(memoryCheck, {})).status).toBe(pct < 5 ? 'fail' : pct < 10 ? 'warn' : 'pass');
    expect((await run(memoryCheck, { memoryWarnAvailablePercent: 0, memoryFailAvailablePercent: 0 })).status).toBe('pass');
    expect((await run(memoryCheck, { memoryWarnAvailablePercent: 101, memoryFailAvailablePercent: 0 })).status).toBe('warn');
    const fail = await run(memoryCheck, { memoryFailAvailablePercent: 101 });
    expect(fail.status).toBe('fail');
    expect(fail.message).toMatch(/^Only .* memory is available .*below the fail threshold of 101%/);
    expect(fail.details).toMatchObject({ availableBytes: mem.availableBytes, totalBytes: mem.totalBytes });
  });

  it('load: defaults agree with the measurement; thresholds move the verdict', async () => {
    const load = await facts.load();
    const perCpu = load.load5 / load.cpus;
    expect((await run(loadCheck, {})).status).toBe(perCpu > 4 ? 'fail' : perCpu > 2 ? 'warn' : 'pass');
    expect((await run(loadCheck, { loadWarnPerCpu: 1e6, loadFailPerCpu: 1e6 })).status).toBe('pass');
    expect((await run(loadCheck, { loadWarnPerCpu: -1, loadFailPerCpu: 1e6 })).status).toBe('warn');
    const fail = await run(loadCheck, { loadFailPerCpu: -1 });
    expect(fail.status).toBe('fail');
    expect(fail.details).toMatchObject({ cpus: load.cpus, load5: load.load5, perCpu });
  });
});

const OK_PAGE = '<html><body><h1>Welcome to the shop</h1></body></html>';

describe('core/http-health against a real HTTP server', () => {
  let server: HttpServer;
  let base: string;

  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      const page = (status: number, body: string): void => {
        res.writeHead(status, { 'content-type': 'text/html' });
        res.end(body);
      };
      switch (req.url) {
        case '/ok':
          return page(200, OK_PAGE);
        case '/redirect':
          res.writeHead(302, { location: '/ok' });
          return res.end();
        case '/error':
          return page(500, '<h1>Internal Server Error</h1>');
        case '/empty':
          return page(200, '');
        case '/no-content':
          res.writeHead(204);
          return res.end();
        case '/missing':
          return page(404, 'Not here');
        case '/fatal':
          return page(200, '<html>\n<b>Fatal error</b>: Uncaught Error: Call to undefined function shop_init() in index.php:12\n</html>');
        case '/slow':
          setTimeout(() => page(200, 'finally'), 5_000).unref();
          return;
        case '/sluggish':
          setTimeout(() => page(200, 'Welcome, eventually'), 300);
          return;
        default:
          return page(404, '');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('skips without a URL, saying what to set', async () => {
    const r = await httpHealthCheck.run(ctxFor({}));
    expect(r).toMatchObject({ status: 'skip' });
    expect(r.message).toMatch(/set `url`/);
  });

  it('passes on a 200 with the expected text, with status, latency and bytes', async () => {
    const r = await httpHealthCheck.run(ctxFor({ url: `${base}/ok`, bodyMarkers: ['Welcome'], errorMarkers: ['Fatal error'] }));
    expect(r.status).toBe('pass');
    expect(r.message).toBe(`${base}/ok answered 200 OK in ${String(r.details?.latencyMs)} ms.`);
    expect(r.details).toMatchObject({ status: 200, bytes: Buffer.byteLength(OK_PAGE), truncated: false });
    expect(r.details?.latencyMs).toEqual(expect.any(Number));
  });

  it('follows a redirect and judges the final page', async () => {
    const r = await httpHealthCheck.run(ctxFor({ url: `${base}/redirect`, bodyMarkers: ['Welcome'] }));
    expect(r.status).toBe('pass');
    expect(r.details).toMatchObject({ status: 200, finalUrl: `${base}/ok` });
  });

  it('fails on a 500', async () => {
    const r = await httpHealthCheck.run(ctxFor({ url: `${base}/error` }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/answered 500 Internal Server Error; look at the app's error log/);
    expect(r.details).toMatchObject({ status: 500 });
  });

  it('fails on an empty 200 body, but a 204 is fine', async () => {
    const r = await httpHealthCheck.run(ctxFor({ url: `${base}/empty` }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/empty body/);
    expect(r.details).toMatchObject({ status: 200, bytes: 0 });
    expect((await httpHealthCheck.run(ctxFor({ url: `${base}/no-content` }))).status).toBe('pass');
  });

  it('warns on a 404', async () => {
    const r = await httpHealthCheck.run(ctxFor({ url: `${base}/missing` }));
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/answered 404 Not Found; check the URL/);
  });

  it('fails when an expected marker is missing', async () => {
    const r = await httpHealthCheck.run(ctxFor({ url: `${base}/ok`, bodyMarkers: ['Welcome', 'Add to cart'] }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/does not contain the expected text "Add to cart"/);
    expect(r.details).toMatchObject({ missingMarkers: ['Add to cart'] });
  });

  it('fails when an error marker is present, with the line as evidence', async () => {
    const r = await httpHealthCheck.run(ctxFor({ url: `${base}/fatal`, errorMarkers: ['Fatal error', 'Parse error'] }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/shows error text "Fatal error"/);
    expect(r.evidence).toEqual(['<b>Fatal error</b>: Uncaught Error: Call to undefined function shop_init() in index.php:12']);
    expect(r.details).toMatchObject({ errorMarkersFound: ['Fatal error'] });
  });

  it('warns when slower than httpLatencyWarnMs', async () => {
    const r = await httpHealthCheck.run(ctxFor({ url: `${base}/sluggish`, httpLatencyWarnMs: 100 }));
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/took \d+ ms, more than the 100 ms allowed/);
    expect(r.details?.latencyMs as number).toBeGreaterThanOrEqual(250);
  });

  it('fails when no answer comes within httpTimeoutMs', async () => {
    const started = Date.now();
    const r = await httpHealthCheck.run(ctxFor({ url: `${base}/slow`, httpTimeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(r.status).toBe('fail');
    expect(r.message).toBe(`${base}/slow did not answer within 300 ms; check that the app and its web server are running and not overloaded.`);
  });

  it('stops when the run aborts the signal: the check throws (the runner records error)', async () => {
    const ctx = ctxFor({ url: `${base}/slow` });
    const started = Date.now();
    setTimeout(() => ctx.abort(new Error('check timed out')), 200);
    await expect(httpHealthCheck.run(ctx)).rejects.toThrow('check timed out');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('fails when nothing listens at the URL', async () => {
    const port = await freePort();
    const r = await httpHealthCheck.run(ctxFor({ url: `http://127.0.0.1:${port}/` }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/could not be reached: .*ECONNREFUSED/);
  });

  it('refuses a URL that is not http(s)', async () => {
    await expect(httpHealthCheck.run(ctxFor({ url: 'ftp://example.test/' }))).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('core/tls-expiry against a real TLS server', () => {
  const servers: HttpsServer[] = [];

  /** A self-signed certificate for localhost / 127.0.0.1 made with openssl. */
  async function makeCert(name: string, validity: { days: number } | { start: string; end: string }): Promise<{ key: string; cert: string }> {
    const dir = join(tmp, `cert-${name}`);
    await mkdir(dir);
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const subject = ['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'];
    const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key];
    let argvs: string[][];
    if ('days' in validity) {
      argvs = [['openssl', 'req', '-x509', ...newKey, '-out', cert, '-days', String(validity.days), ...subject]];
    } else {
      // `req -x509` cannot back-date; a throwaway self-signing "CA" can.
      const cnf = join(dir, 'ca.cnf');
      await writeFile(
        cnf,
        '[ca]\ndefault_ca = t\n[t]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = p\ncopy_extensions = copy\n[p]\ncommonName = supplied\n',
      );
      await writeFile(join(dir, 'index.txt'), '');
      await writeFile(join(dir, 'serial'), '01\n');
      argvs = [
        ['openssl', 'req', '-new', ...newKey, '-out', join(dir, 'req.csr'), ...subject],
        ['openssl', 'ca', '-batch', '-config', cnf, '-selfsign', '-keyfile', key, '-in', join(dir, 'req.csr'), '-out', cert, '-startdate', validity.start, '-enddate', validity.end],
      ];
    }
    for (const argv of argvs) {
      const r = await exec.run(argv, { cwd: dir });
      if (r.exitCode !== 0) throw new Error(`${argv.slice(0, 2).join(' ')} failed: ${r.stderr}`);
    }
    return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
  }

  async function serve(tlsFiles: { key: string; cert: string }): Promise<string> {
    const server = createHttpsServer(tlsFiles, (_req, res) => res.end('secure hello'));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it('fails for a certificate that expires in 1 day', async () => {
    const url = await serve(await makeCert('one-day', { days: 1 }));
    const r = await tlsExpiryCheck.run(ctxFor({ url }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^The certificate of 127\.0\.0\.1 expires in (less than a day|1 day) .* under the 3-day limit; renew it/);
    expect(r.message).toMatch(/It is also not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)\.$/);
    expect(r.details?.daysLeft as number).toBeGreaterThan(0.9);
    expect(r.details?.daysLeft as number).toBeLessThanOrEqual(1);
  });

  it('warns for a self-signed certificate valid 30 days, and by expiry with a wider window', async () => {
    const url = await serve(await makeCert('thirty-days', { days: 30 }));
    const r = await tlsExpiryCheck.run(ctxFor({ url }));
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/valid for 29 days more but browsers will not trust it \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
    expect(r.details).toMatchObject({ subject: 'localhost', issuer: 'localhost', authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(r.evidence).toContain('subject: localhost');

    const wide = await tlsExpiryCheck.run(ctxFor({ url, tlsWarnDays: 60 }));
    expect(wide.status).toBe('warn');
    expect(wide.message).toMatch(/expires in 29 days .* under the 60-day warning/);
    expect((await tlsExpiryCheck.run(ctxFor({ url, tlsFailDays: 31 }))).status).toBe('fail');
  });

  it('fails for an expired certificate and for one not valid yet', async () => {
    const expired = await tlsExpiryCheck.run(ctxFor({ url: await serve(await makeCert('expired', { start: '20200101000000Z', end: '20200201000000Z' })) }));
    expect(expired.status).toBe('fail');
    expect(expired.message).toMatch(/^The certificate of 127\.0\.0\.1 expired \d+ days ago \(2020-02-01T00:00:00\.000Z\); renew it/);
    expect(expired.details?.daysLeft as number).toBeLessThan(0);

    const early = await tlsExpiryCheck.run(ctxFor({ url: await serve(await makeCert('future', { start: '20990101000000Z', end: '20991231000000Z' })) }));
    expect(early.status).toBe('fail');
    expect(early.message).toMatch(/is not valid before 2099-01-01T00:00:00\.000Z; check the server clock/);
  });

  it('the http check fails on the same self-signed site, as a browser would', async () => {
    const url = await serve(await makeCert('http-view', { days: 30 }));
    const r = await httpHealthCheck.run(ctxFor({ url }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/could not be reached: .*self[- ]signed/i);
  });

  it('skips plain http and missing URLs; fails when nothing answers', async () => {
    expect((await tlsExpiryCheck.run(ctxFor({ url: 'http://127.0.0.1:1/' }))).status).toBe('skip');
    expect((await tlsExpiryCheck.run(ctxFor({}))).status).toBe('skip');
    const port = await freePort();
    const r = await tlsExpiryCheck.run(ctxFor({ url: `https://127.0.0.1:${port}/` }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/Could not read the certificate of 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });
});

describe('core/port-listening', () => {
  it('passes for a port this test listens on, fails for a free one, skips without one', async () => {
    const server = createNetServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const ok = await portListeningCheck.run(ctxFor({ port }));
      expect(ok.status).toBe('pass');
      expect(ok.message).toMatch(new RegExp(`^TCP port ${port} is listening`));
      expect(ok.evidence?.[0]).toMatch(new RegExp(`^tcp 127\\.0\\.0\\.1:${port}`));

      // Settings read from env or YAML may carry the port as text.
      const asString = await portListeningCheck.run(ctxFor({ port: String(port) } as unknown as AppSettings));
      expect(asString.status).toBe('pass');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const free = await freePort();
    const missing = await portListeningCheck.run(ctxFor({ port: free }));
    expect(missing.status).toBe('fail');
    expect(missing.message).toBe(`Nothing listens on TCP port ${free} on local; start the application's server or fix its port setting.`);
    expect((await portListeningCheck.run(ctxFor({}))).status).toBe('skip');
    await expect(portListeningCheck.run(ctxFor({ port: 70_000 }))).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('core/world-writable', () => {
  it('passes for a folder with ordinary modes, even with symlinks', async () => {
    const root = join(tmp, 'clean-app');
    await mkdir(join(root, 'src'), { recursive: true });
    await writeFile(join(root, 'index.php'), '<?php echo 1;');
    await chmod(join(root, 'index.php'), 0o644);
    await chmod(join(root, 'src'), 0o755);
    await symlink('index.php', join(root, 'link.php'));
    const r = await worldWritableCheck.run(ctxFor({}, root));
    expect(r.status).toBe('pass');
    expect(r.message).toBe(`No file or folder under ${root} is writable by every user.`);
  });

  it('fails for world-writable files and folders, listing them, skipping pruned folders', async () => {
    const root = join(tmp, 'loose-app');
    await mkdir(join(root, 'uploads'), { recursive: true });
    await mkdir(join(root, 'node_modules', 'pkg'), { recursive: true });
    await mkdir(join(root, '.git'), { recursive: true });
    await writeFile(join(root, 'config.php'), '<?php');
    await writeFile(join(root, 'safe.php'), '<?php');
    await writeFile(join(root, 'node_modules', 'pkg', 'index.js'), '');
    await writeFile(join(root, '.git', 'config'), '');
    await chmod(join(root, 'config.php'), 0o666);
    await chmod(join(root, 'safe.php'), 0o644);
    await chmod(join(root, 'uploads'), 0o777);
    await chmod(join(root, 'node_modules', 'pkg', 'index.js'), 0o666);
    await chmod(join(root, '.git', 'config'), 0o666);

    const r = await worldWritableCheck.run(ctxFor({}, root));
    expect(r.status).toBe('fail');
    expect([...(r.evidence ?? [])].sort()).toEqual([join(root, 'config.php'), join(root, 'uploads')]);
    expect(r.message).toMatch(/^2 path\(s\) under .* can be written by any user on the host; remove the write bit for others/);
    expect(r.details).toMatchObject({ count: 2, incomplete: false });

    // With no pruning, the third-party trees are searched too.
    const all = await worldWritableCheck.run(ctxFor({ worldWritablePrune: [] }, root));
    expect(all.evidence).toEqual(expect.arrayContaining([join(root, 'node_modules', 'pkg', 'index.js'), join(root, '.git', 'config')]));
  });

  it('lists at most 20 paths as evidence but counts them all', async () => {
    const root = join(tmp, 'many-app');
    await mkdir(root);
    for (let i = 0; i < 25; i++) {
      const file = join(root, `f${i}.txt`);
      await writeFile(file, '');
      await chmod(file, 0o666);
    }
    const r = await worldWritableCheck.run(ctxFor({}, root));
    expect(r.status).toBe('fail');
    expect(r.evidence).toHaveLength(20);
    expect(r.details).toMatchObject({ count: 25 });
  });

  it('errors when the app root does not exist', async () => {
    await expect(worldWritableCheck.run(ctxFor({}, join(tmp, 'gone')))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
