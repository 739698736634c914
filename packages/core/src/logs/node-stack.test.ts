import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLocation, findAppFrame, parseNodeStack } from './node-stack.js';

describe('parseNodeStack on real Node output', () => {
  let app: string;

  beforeAll(async () => {
    app = await realpath(await mkdtemp(join(tmpdir(), 'healer-node-stack-')));
    await mkdir(join(app, 'node_modules', 'strict-lib'), { recursive: true });
    await mkdir(join(app, 'src'));
    await writeFile(
      join(app, 'node_modules', 'strict-lib', 'index.js'),
      "exports.parse = function parse(v) {\n  if (typeof v !== 'string') throw new TypeError('expected a string');\n};\n",
    );
    await writeFile(
      join(app, 'src', 'main.js'),
      "const lib = require('strict-lib');\nfunction handler() {\n  lib.parse(42);\n}\nhandler();\n",
    );
    await writeFile(
      join(app, 'src', 'job.mjs'),
      "async function step() {\n  await null;\n  throw Object.assign(new Error('job failed'), { code: 'E_JOB' });\n}\nawait Promise.all([step()]);\n",
    );
  });
  afterAll(async () => {
    await rm(app, { recursive: true, force: true });
  });

  function stderrOf(args: string[]): string {
    const r = spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    return r.stderr;
  }

  it('parses an uncaught exception thrown by `node -e`, caret block included', () => {
    const stderr = stderrOf(['-e', "function boom() {\n  throw new RangeError('out of range: 7');\n}\nboom();"]);
    const [report, ...rest] = parseNodeStack(stderr);
    expect(rest).toEqual([]);
    expect(report!.name).toBe('RangeError');
    expect(report!.message).toBe('out of range: 7');
    expect(report!.thrownAt).toEqual({ file: '[eval]', line: 2, source: "throw new RangeError('out of range: 7');" });
    expect(report!.frames[0]).toEqual({ fn: 'boom', file: '[eval]', line: 2, column: 9 });
    expect(report!.frames[1]).toMatchObject({ fn: null, file: '[eval]', line: 4 });
    const internal = report!.frames.filter((f) => f.file?.startsWith('node:'));
    expect(internal.length).toBeGreaterThan(0);
    expect(internal.every((f) => f.native === true)).toBe(true);
  });

  it('finds the app frame below a node_modules frame', () => {
    const stderr = stderrOf([join(app, 'src', 'main.js')]);
    const [report] = parseNodeStack(stderr);
    expect(report!.name).toBe('TypeError');
    expect(report!.message).toBe('expected a string');
    expect(report!.thrownAt?.file).toBe(join(app, 'node_modules', 'strict-lib', 'index.js'));
    expect(report!.frames[0]).toMatchObject({ fn: 'Object.parse', file: join(app, 'node_modules', 'strict-lib', 'index.js'), line: 2 });
    expect(findAppFrame(report!.frames, app)).toEqual({ fn: 'handler', file: join(app, 'src', 'main.js'), line: 3, column: 7 });
    expect(findAppFrame(report!.frames, app + '/')).toMatchObject({ fn: 'handler' });
    expect(findAppFrame(report!.frames, join(app, 'lib'))).toBeUndefined();
  });

  it('converts file:// URLs of ES modules, marks async frames, reads the code block', () => {
    const stderr = stderrOf([join(app, 'src', 'job.mjs')]);
    const [report, ...rest] = parseNodeStack(stderr);
    expect(rest).toEqual([]);
    expect(report).toMatchObject({ name: 'Error', message: 'job failed', code: 'E_JOB' });
    expect(report!.thrownAt?.file).toBe(join(app, 'src', 'job.mjs'));
    expect(report!.frames).toEqual([
      { fn: 'step', file: join(app, 'src', 'job.mjs'), line: 3, column: 23 },
      { fn: 'Promise.all', file: null, line: null, column: null, native: true, async: true },
      { fn: null, file: join(app, 'src', 'job.mjs'), line: 5, column: 1, async: true },
    ]);
  });

  it('reads Node error codes in the header and a multi-line "Require stack" message', () => {
    const missing = parseNodeStack(stderrOf(['-e', "require('surely-not-installed-xyz')"]));
    expect(missing).toHaveLength(1);
    expect(missing[0]!.message).toMatch(/^Cannot find module 'surely-not-installed-xyz'\nRequire stack:\n- /);
    expect(missing[0]!.code).toBe('MODULE_NOT_FOUND');
    expect(missing[0]!.frames.some((f) => f.fn === 'Module._resolveFilename')).toBe(true);

    const badArg = parseNodeStack(stderrOf(['-e', "require('node:fs').readFileSync(undefined)"]));
    expect(badArg[0]).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    expect(badArg[0]!.message).toMatch(/^The "path" argument must be of type string/);
  });

  it('errorLocation: a SyntaxError is where Node says it is (CommonJS and ES modules), other errors at the app frame', async () => {
    await mkdir(join(app, 'lib'), { recursive: true });
    const broken = "module.exports = function routes(app) {\n  app.get('/', (req, res) => {\n    res.send('hi'\n  });\n};\n";
    await writeFile(join(app, 'lib', 'routes.js'), broken);
    await writeFile(join(app, 'lib', 'routes.mjs'), broken.replace('module.exports =', 'export default'));
    await writeFile(join(app, 'server.js'), "'use strict';\nconst routes = require('./lib/routes');\nroutes();\n");
    await writeFile(join(app, 'server.mjs'), "import routes from './lib/routes.mjs';\nroutes();\n");
    for (const [entry, file] of [['server.js', 'lib/routes.js'], ['server.mjs', 'lib/routes.mjs']] as const) {
      const [report] = parseNodeStack(stderrOf([entry]));
      expect(report!.name, entry).toBe('SyntaxError');
      expect(errorLocation(report!, app), entry).toEqual({ file: join(app, file), line: 3, source: "res.send('hi'" });
    }
    const [thrown] = parseNodeStack(stderrOf(['src/main.js']));
    expect(errorLocation(thrown!, app)).toMatchObject({ file: join(app, 'src', 'main.js'), line: 3 });
  });

  it('reads an unhandled rejection of a non-error value', () => {
    const [report] = parseNodeStack(stderrOf(['-e', "Promise.reject('oops')"]));
    expect(report).toMatchObject({ name: 'UnhandledPromiseRejection', code: 'ERR_UNHANDLED_REJECTION' });
    expect(report!.message).toContain('The promise rejected with the reason "oops".');
  });
});

describe('parseNodeStack on log text', () => {
  it('finds several errors between ordinary log lines, behind journald prefixes', () => {
    const log = [
      'Nov 21 10:12:01 web1 node[4242]: listening on :3000',
      'Nov 21 10:12:05 web1 node[4242]: Error: connect ECONNREFUSED 127.0.0.1:5432',
      'Nov 21 10:12:05 web1 node[4242]:     at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1595:16) {',
      "Nov 21 10:12:05 web1 node[4242]:   errno: -111,",
      "Nov 21 10:12:05 web1 node[4242]:   code: 'ECONNREFUSED',",
      "Nov 21 10:12:05 web1 node[4242]:   syscall: 'connect'",
      'Nov 21 10:12:05 web1 node[4242]: }',
      'Nov 21 10:12:06 web1 node[4242]: Uncaught Exception: ValidationError: title is required',
      'Nov 21 10:12:06 web1 node[4242]:     at Post.validate (/srv/api/models/post.js:12:11)',
      'Nov 21 10:12:06 web1 node[4242]:     at new Post (/srv/api/models/post.js:4:10)',
      'Nov 21 10:12:06 web1 node[4242]:     at eval (eval at compile (/srv/api/tpl.js:3:3), <anonymous>:1:1)',
      'Nov 21 10:12:06 web1 node[4242]:     at Array.map (<anonymous>)',
      'Nov 21 10:12:06 web1 node[4242]:     at Object.fn [as handler] (/srv/api/routes.js:9:2)',
      'Nov 21 10:12:07 web1 node[4242]: request done in 3ms',
    ].join('\n');
    const reports = parseNodeStack(log);
    expect(reports.map((r) => [r.name, r.code, r.message])).toEqual([
      ['Error', 'ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'],
      ['ValidationError', undefined, 'title is required'],
    ]);
    expect(reports[0]!.frames).toEqual([
      { fn: 'TCPConnectWrap.afterConnect [as oncomplete]', file: 'node:net', line: 1595, column: 16, native: true },
    ]);
    expect(reports[1]!.frames).toEqual([
      { fn: 'Post.validate', file: '/srv/api/models/post.js', line: 12, column: 11 },
      { fn: 'new Post', file: '/srv/api/models/post.js', line: 4, column: 10 },
      { fn: 'eval', file: '<anonymous>', line: 1, column: 1 },
      { fn: 'Array.map', file: null, line: null, column: null },
      { fn: 'Object.fn [as handler]', file: '/srv/api/routes.js', line: 9, column: 2 },
    ]);
    expect(findAppFrame(reports[1]!.frames, '/srv/api')?.fn).toBe('Post.validate');
  });

  it('reads PM2 and docker prefixes, bracketed errors, and unknown headers above frames', () => {
    const log = [
      '0|api  | [Error: ENOENT: no such file or directory, open \'/srv/api/.env\'] {',
      "0|api  |   code: 'ENOENT'",
      '0|api  | }',
      '2026-11-21T10:12:01.123456789Z MyCustomFailure: quota exceeded',
      '2026-11-21T10:12:01.123456789Z     at charge (/srv/api/billing.js:20:5)',
      '2026-11-21T10:12:01: Error: worker exited',
    ].join('\n');
    const reports = parseNodeStack(log);
    expect(reports.map((r) => [r.name, r.code, r.message, r.frames.length])).toEqual([
      ['Error', 'ENOENT', "ENOENT: no such file or directory, open '/srv/api/.env'", 0],
      ['MyCustomFailure', undefined, 'quota exceeded', 1],
      ['Error', undefined, 'worker exited', 0],
    ]);
  });

  it('does not take prose or stray "Error" words for errors', () => {
    const log = ['Server started', 'Error', 'at least one worker is required', 'errors: 0'].join('\n');
    expect(parseNodeStack(log)).toEqual([]);
  });

  it('handles Windows paths in frames', () => {
    const [r] = parseNodeStack('Error: x\n    at run (C:\\app\\src\\a.js:10:3)\n    at file:///C:/app/src/b.mjs:1:1');
    expect(r!.frames[0]).toMatchObject({ file: 'C:\\app\\src\\a.js', line: 10, column: 3 });
    expect(r!.frames[1]).toMatchObject({ line: 1, column: 1 });
  });
});
