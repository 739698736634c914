/** One app's PHP errors from several logs, read through the real LocalExecutor. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../exec/local-executor.js';
import { readAppLogWindow } from './app-log-window.js';

const exec = new LocalExecutor();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'healer-app-logs-'));
  // The server's log: this app's fatal, another site's, and an old one before the window.
  await writeFile(
    join(dir, 'server.log'),
    [
      '[Sun Dec 06 01:00:00.000000 2026] [php:error] [pid 1] [client 127.0.0.1:1] PHP Fatal error:  Old in /srv/app/old.php on line 1',
      '[Sun Dec 06 02:00:00.000000 2026] [php:error] [pid 1] [client 127.0.0.1:1] PHP Fatal error:  Boom in /srv/app/boom.php on line 2',
      '[Sun Dec 06 02:00:01.000000 2026] [php:error] [pid 1] [client 127.0.0.1:1] PHP Fatal error:  Theirs in /srv/other/x.php on line 3',
      '',
    ].join('\n'),
  );
  // PHP's own log: the same fatal (counted once) and a warning.
  await writeFile(
    join(dir, 'php.log'),
    '[06-Dec-2026 02:00:00 UTC] PHP Fatal error:  Boom in /srv/app/boom.php on line 2\n[06-Dec-2026 02:00:05 UTC] PHP Warning:  Careful in /srv/app/w.php on line 4\n',
  );
  // A log only the app writes, whose entries name no file of it.
  await writeFile(join(dir, 'debug.log'), '[06-Dec-2026 02:00:06 UTC] PHP Notice:  Something in Unknown on line 0\n');
  await writeFile(join(dir, 'empty.log'), '');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('readAppLogWindow', () => {
  it("keeps the app's entries since the start, each once, attributed to the first log; empty logs only when asked", async () => {
    const since = new Date('2026-12-06T01:30:00Z');
    const w = await readAppLogWindow(
      exec,
      [
        { path: join(dir, 'php.log'), kind: 'php error log' },
        { path: join(dir, 'server.log'), kind: 'apache-vhost' },
        { path: join(dir, 'debug.log'), kind: 'debug.log', appOnly: true },
        { path: join(dir, 'empty.log'), kind: 'named', keepWhenEmpty: true },
        { path: join(dir, 'absent.log'), kind: 'other' },
      ],
      since,
      { root: '/srv/app/', utcOffset: '+0000' },
    );
    expect(w.entries.map((e) => [e.level, e.file])).toEqual([
      ['fatal', '/srv/app/boom.php'],
      ['warning', '/srv/app/w.php'],
      ['notice', 'Unknown'],
    ]);
    expect(w.sourceOf(w.entries[0]!)).toBe(join(dir, 'php.log'));
    expect(w.sources.map((s) => s.kind)).toEqual(['php error log', 'apache-vhost', 'debug.log', 'named']);
    expect(w.searched).toHaveLength(5);
  });
});
