/**
 * `nextjs/build-exists`: a production build (`.next/BUILD_ID`) exists.
 * `nextjs/build-stale`: no source file, config or lockfile is newer than it.
 */
import { posix } from 'node:path';
import { nextMeta } from '../detect.js';
import { BUILD_EXISTS, BUILD_STALE, REBUILD } from './ids.js';
import type { NextCheck } from './shared.js';

/** Folders whose files go into the build. */
export const SOURCE_FOLDERS = ['app', 'pages', 'src', 'public'];

export const buildExistsCheck: NextCheck = {
  id: BUILD_EXISTS,
  title: 'A production build exists',
  category: 'configuration',
  severity: 'critical',
  description: '`next start` and the standalone server need `.next/BUILD_ID` from `next build`.',
  appliesTo: (app) => nextMeta(app).outputMode !== 'export',
  async run(ctx) {
    const id = (await ctx.fs.readText(posix.join(ctx.app.root, '.next/BUILD_ID'), { maxBytes: 256 }))?.trim();
    return id
      ? { status: 'pass', message: `Production build ${id} found.`, details: { buildId: id } }
      : { status: 'fail', message: 'There is no production build (.next/BUILD_ID is missing): run next build.', fixes: [REBUILD] };
  },
};

export const buildStaleCheck: NextCheck = {
  id: BUILD_STALE,
  title: 'The build is newer than the sources',
  category: 'configuration',
  severity: 'medium',
  description: 'A file under app/, pages/, src/, public/, next.config.* or the lockfile changed after the last build.',
  timeoutMs: 30_000,
  appliesTo: (app) => nextMeta(app).outputMode !== 'export',
  async run(ctx) {
    const root = ctx.app.root;
    const buildIdPath = posix.join(root, '.next/BUILD_ID');
    if (!(await ctx.fs.exists(buildIdPath))) return { status: 'skip', message: 'There is no build to compare (see nextjs/build-exists).' };
    const meta = nextMeta(ctx.app);
    const candidates = [...SOURCE_FOLDERS, ...(meta.configFile ? [meta.configFile] : []), ...(meta.lockfile ? [meta.lockfile] : [])];
    const present: string[] = [];
    for (const c of candidates) if (await ctx.fs.exists(posix.join(root, c))) present.push(c);
    if (present.length === 0) return { status: 'pass', message: 'No source folder to compare with the build.' };
    // One find over every source: the first file newer than the build is enough.
    const r = await ctx.exec.run(['find', ...present.map((p) => `./${p}`), '-newer', buildIdPath, '-type', 'f', '-not', '-path', '*/node_modules/*', '-print', '-quit'], {
      cwd: root,
      signal: ctx.signal,
    });
    if (r.exitCode !== 0) throw new Error(`find failed: ${r.stderr.trim().slice(0, 300)}`);
    const newer = r.stdout.trim().replace(/^\.\//, '');
    return newer
      ? { status: 'fail', message: `The build is older than ${newer}: the app serves stale code until it is rebuilt.`, evidence: [newer], details: { newer }, fixes: [REBUILD] }
      : { status: 'pass', message: `The build is newer than ${present.join(', ')}.` };
  },
};
