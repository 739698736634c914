/**
 * A tiny npm registry on loopback for `npm audit` and `npm audit fix`: it
 * serves the packuments and tarballs of a few packages made here (no
 * network, the same bytes every run) and one fixed answer from the bulk
 * advisory endpoint. Anything else is a 404.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';

/** An advisory as the bulk endpoint returns it. */
export interface Advisory {
  id: number;
  title: string;
  severity: 'info' | 'low' | 'moderate' | 'high' | 'critical';
  /** A semver range: the versions it affects. */
  vulnerable_versions: string;
}

export interface NpmRegistryOptions {
  /** Packages made by the registry: name -> the versions it publishes. */
  packages: Record<string, string[]>;
  /** Advisories by package name. */
  advisories?: Record<string, Advisory[]>;
}

/** What a lockfile records for one installed package. */
export interface LockedPackage {
  version: string;
  resolved: string;
  integrity: string;
}

export interface RunningNpmRegistry {
  /** With a trailing slash, as `--registry` takes it. */
  url: string;
  /** The lockfile entry of `name@version`. */
  locked(name: string, version: string): LockedPackage;
  /** The files of `name@version` as installed under node_modules/<name>. */
  files(name: string, version: string): Record<string, string>;
  /** Package names the audit endpoint was asked about. */
  asked: string[];
  stop(): Promise<void>;
}

function packageFiles(name: string, version: string): Record<string, string> {
  return {
    'package.json': JSON.stringify({ name, version, main: 'index.js', license: 'MIT' }, null, 2) + '\n',
    'index.js': `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`,
  };
}

/** A ustar archive of `files` under `package/` (fixed mtime and modes: the same bytes every time). */
function tarOf(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [path, text] of Object.entries(files)) {
    const body = Buffer.from(text);
    const header = Buffer.alloc(512);
    header.write(`package/${path}`, 0, 100);
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

export async function startNpmRegistry(options: NpmRegistryOptions): Promise<RunningNpmRegistry> {
  const tarballs = new Map<string, Buffer>();
  for (const [name, versions] of Object.entries(options.packages)) {
    for (const v of versions) tarballs.set(`${name}@${v}`, gzipSync(tarOf(packageFiles(name, v)), { level: 9 }));
  }
  const asked: string[] = [];
  let base = '';
  const tarballUrl = (name: string, v: string): string => `${base}${name}/-/${name}-${v}.tgz`;
  const locked = (name: string, v: string): LockedPackage => {
    const tgz = tarballs.get(`${name}@${v}`);
    if (!tgz) throw new Error(`the registry does not publish ${name}@${v}`);
    return { version: v, resolved: tarballUrl(name, v), integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}` };
  };
  const server = createServer((req, res) => {
    void (async () => {
      const body = await bodyOf(req);
      const url = new URL(req.url ?? '/', 'http://registry.invalid');
      const json = (value: unknown): void => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(value));
      };
      if (req.method === 'POST' && url.pathname.endsWith('/-/npm/v1/security/advisories/bulk')) {
        const names = Object.keys(JSON.parse(body.toString('utf8') || '{}') as object);
        asked.push(...names);
        const answer: Record<string, unknown[]> = {};
        for (const name of names) {
          const list = options.advisories?.[name];
          if (list?.length) answer[name] = list.map((a) => ({ ...a, url: `https://advisories.invalid/${a.id}`, cwe: [], cvss: { score: 7.5, vectorString: null } }));
        }
        return json(answer);
      }
      const name = decodeURIComponent(url.pathname.slice(1));
      const versions = options.packages[name];
      if (req.method === 'GET' && versions) {
        const all = Object.fromEntries(versions.map((v) => {
          const lock = locked(name, v);
          const shasum = createHash('sha1').update(tarballs.get(`${name}@${v}`)!).digest('hex');
          return [v, { name, version: v, main: 'index.js', license: 'MIT', dist: { tarball: lock.resolved, integrity: lock.integrity, shasum } }];
        }));
        return json({ name, 'dist-tags': { latest: versions.at(-1) }, versions: all, time: {} });
      }
      const tgz = /^\/(.+)\/-\/.+-(\d+\.\d+\.\d+)\.tgz$/.exec(url.pathname);
      const file = tgz ? tarballs.get(`${decodeURIComponent(tgz[1]!)}@${tgz[2]}`) : undefined;
      if (req.method === 'GET' && file) {
        res.setHeader('content-type', 'application/octet-stream');
        return void res.end(file);
      }
      res.statusCode = 404;
      json({ error: 'not found' });
    })().catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  return {
    url: base,
    locked,
    files: packageFiles,
    asked,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
