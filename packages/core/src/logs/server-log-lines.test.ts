import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../exec/local-executor.js';
import { detectLogFormat, findFolderErrorLogs, parseServerLogText, readServerLogLines } from './server-log-lines.js';

// Lines as Apache 2.4 with mod_php 8.2 and nginx with PHP-FPM 8.2 wrote them (paths shortened).
const APACHE = `[Sun Dec 06 02:34:58.654935 2026] [php:error] [pid 1494:tid 1494] [client 127.0.0.1:45948] PHP Fatal error:  Uncaught Error: Call to undefined function healer_nope() in /srv/site/wp-content/plugins/p/inc.php:1\\nStack trace:\\n#0 /srv/site/wp-content/plugins/p/p.php(1): include()\\n#1 {main}\\n  thrown in /srv/site/wp-content/plugins/p/inc.php on line 1
[Sun Dec 06 02:35:10.000000 2026] [mpm_prefork:notice] [pid 1490:tid 1490] AH00163: Apache/2.4.62 (Debian) configured -- resuming normal operations
[Sun Dec 06 02:35:12.000000 2026] [php:warn] [pid 1494:tid 1494] [client 127.0.0.1:45950] PHP Warning:  Undefined variable $x in /srv/site/index.php on line 3, referer: http://x/
`;
const NGINX = `2026/12/06 02:35:13 [error] 2369#2369: *1 FastCGI sent in stderr: "PHP message: PHP Fatal error:  Uncaught Error: Call to undefined function healer_nope() in /srv/site/inc.php:1
Stack trace:
#0 /srv/site/index.php(1): include()
#1 {main}
  thrown in /srv/site/inc.php on line 1" while reading response header from upstream, client: 127.0.0.1, server: site, request: "GET / HTTP/1.1", upstream: "fastcgi://unix:/run/php.sock:", host: "site"
2026/12/06 02:35:14 [error] 2369#2369: *2 FastCGI sent in stderr: "PHP message: PHP Warning:  Undefined variable $a in /srv/site/a.php on line 2; PHP message: PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in /srv/site/b.php on line 9" while reading response header from upstream, client: 127.0.0.1
2026/12/06 02:35:15 [notice] 2368#2368: signal process started
`;

// PHP 8.2's built-in server (`php -S`), its output redirected to a file: its own lines, then PHP's error with real newlines.
const BUILTIN = `[Mon Dec  7 01:55:49 2026] PHP 8.2.36 Development Server (http://127.0.0.1:18931) started
[Mon Dec  7 01:55:49 2026] 127.0.0.1:34624 Accepted
[Mon Dec  7 01:55:49 2026] PHP Fatal error:  Uncaught Error: Call to undefined function healer_nope() in /srv/app/boom.php:2
Stack trace:
#0 {main}
  thrown in /srv/app/boom.php on line 2
[Mon Dec  7 01:55:49 2026] 127.0.0.1:34624 [500]: GET /boom.php - Uncaught Error: Call to undefined function healer_nope() in /srv/app/boom.php:2
Stack trace:
#0 {main}
  thrown in /srv/app/boom.php on line 2
[Mon Dec  7 01:55:49 2026] 127.0.0.1:34624 Closing
`;

describe('parseServerLogText', () => {
  it("reads php -S output: the day padded with a space, PHP's error once (not the request line that repeats it)", () => {
    expect(detectLogFormat(BUILTIN)).toBe('apache');
    const entries = parseServerLogText(BUILTIN, 'apache', '+0100');
    expect(entries.map((e) => e.level)).toEqual(['fatal']);
    expect(entries[0]).toMatchObject({ file: '/srv/app/boom.php', line: 2, time: new Date('2026-12-07T00:55:49Z') });
  });

  it("reads mod_php's [php:error] lines, turning the escaped newlines back into a stack trace", () => {
    const entries = parseServerLogText(APACHE, 'apache');
    expect(entries.map((e) => e.level)).toEqual(['fatal', 'warning']);
    expect(entries[0]).toMatchObject({ file: '/srv/site/wp-content/plugins/p/inc.php', line: 1, time: new Date('2026-12-06T02:34:58Z') });
    expect(entries[0]!.stack[0]).toMatchObject({ file: '/srv/site/wp-content/plugins/p/p.php', line: 1 });
    expect(entries[1]).toMatchObject({ file: '/srv/site/index.php', line: 3 });
  });

  it("reads nginx's FastCGI `PHP message:` lines, multi-line and several per entry", () => {
    const entries = parseServerLogText(NGINX, 'nginx');
    expect(entries.map((e) => e.level)).toEqual(['fatal', 'warning', 'fatal']);
    expect(entries[0]).toMatchObject({ file: '/srv/site/inc.php', line: 1 });
    expect(entries[0]!.stack.map((f) => f.file)).toEqual(['/srv/site/index.php', null]);
    expect(entries[2]!.message).toContain('Allowed memory size of 134217728 bytes exhausted');
    expect(entries[2]).toMatchObject({ file: '/srv/site/b.php', line: 9 });
  });

  it('reads times in the given UTC offset', () => {
    const [e] = parseServerLogText(NGINX, 'nginx', '+0200');
    expect(e!.time).toEqual(new Date('2026-12-06T00:35:13Z'));
  });

  it("reads PHP-FPM's own log when workers' stderr is caught", () => {
    const text = '[06-Dec-2026 02:35:13] WARNING: [pool www] child 12 said into stderr: "NOTICE: PHP message: PHP Fatal error:  Uncaught Error: Call to undefined function x() in /srv/site/a.php:3"\n';
    const [e] = parseServerLogText(text, 'php');
    expect(e).toMatchObject({ level: 'fatal', file: '/srv/site/a.php', line: 3 });
  });

  it('tells the format from the lines', () => {
    expect(detectLogFormat(APACHE)).toBe('apache');
    expect(detectLogFormat(NGINX)).toBe('nginx');
    expect(detectLogFormat('[06-Dec-2026 02:35:13 UTC] PHP Fatal error:  x in /a.php on line 1')).toBe('php');
  });
});

describe('readServerLogLines (real files)', () => {
  let dir: string;
  const exec = new LocalExecutor();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'healer-server-logs-'));
    await writeFile(join(dir, 'apache.log'), APACHE);
    await writeFile(join(dir, 'nginx.log'), NGINX);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps only the entries since the time, the format detected', async () => {
    const read = await readServerLogLines(exec, join(dir, 'nginx.log'), new Date('2026-12-06T02:35:14Z'));
    expect(read.format).toBe('nginx');
    expect(read.error).toBeNull();
    expect(read.entries.map((e) => e.level)).toEqual(['warning', 'fatal']);
  });

  it('reports a missing file as empty, and a bounded read as truncated', async () => {
    const missing = await readServerLogLines(exec, join(dir, 'none.log'), new Date(0));
    expect(missing).toMatchObject({ entries: [], fileSize: 0, error: null });
    const bounded = await readServerLogLines(exec, join(dir, 'apache.log'), new Date(0), { maxBytes: 200 });
    expect(bounded.truncated).toBe(true);
  });

  it('finds per-folder error_log files, leaving uploads out', async () => {
    const root = join(dir, 'site');
    await mkdir(join(root, 'wp-admin'), { recursive: true });
    await mkdir(join(root, 'wp-content/uploads'), { recursive: true });
    await writeFile(join(root, 'error_log'), '');
    await writeFile(join(root, 'wp-admin/error_log'), '');
    await writeFile(join(root, 'wp-content/uploads/error_log'), '');
    expect(await findFolderErrorLogs(exec, root)).toEqual([join(root, 'error_log'), join(root, 'wp-admin/error_log')]);
  });
});
