import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Executor, RunResult } from '../contract/executor.js';
import { isHealerError } from '../errors.js';
import { LocalExecutor } from '../exec/local-executor.js';
import { parsePhpErrorLog, parsePhpLogTime } from './php-error-log.js';
import { readLastLines, readLogSince } from './read-since.js';

const BASE = Date.UTC(2026, 10, 21, 0, 0, 0);
const ENTRIES = 30_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function phpStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `[${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC]`;
}

/** Entry i is stamped BASE + i seconds; every 7th is an uncaught exception with a stack trace. */
function entryText(i: number): string {
  const stamp = phpStamp(BASE + i * 1000);
  if (i % 7 === 0) {
    return [
      `${stamp} PHP Fatal error:  Uncaught Error: Call to undefined function missing_${i}() in /var/www/site/wp-content/plugins/p/p.php:${i}`,
      'Stack trace:',
      `#0 /var/www/site/wp-includes/class-wp-hook.php(324): p_init('entrée ${i}')`,
      '#1 /var/www/site/wp-includes/plugin.php(517): WP_Hook->do_action(Array)',
      '#2 {main}',
      `  thrown in /var/www/site/wp-content/plugins/p/p.php on line ${i}`,
    ].join('\n');
  }
  return `${stamp} PHP Warning:  Undefined array key "k${i}" in /var/www/site/wp-content/themes/t/functions.php on line ${i % 500}`;
}

/** Wraps a real executor and counts what `run` returned; `readFile` is forbidden. */
function counting(inner: Executor): { exec: Executor; bytes: () => number; calls: () => number } {
  let bytes = 0;
  let calls = 0;
  const exec = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'run') {
        return async (...args: Parameters<Executor['run']>): Promise<RunResult> => {
          const r = await target.run(...args);
          bytes += r.stdoutBytes.length;
          calls++;
          return r;
        };
      }
      if (prop === 'readFile') return () => Promise.reject(new Error('readLogSince must not read the whole file'));
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { exec, bytes: () => bytes, calls: () => calls };
}

describe('readLogSince against a real multi-megabyte log', () => {
  let dir: string;
  let logPath: string;
  let content: string;
  let size: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'healer-read-since-'));
    logPath = join(dir, 'debug.log');
    const parts: string[] = [];
    for (let i = 0; i < ENTRIES; i++) parts.push(entryText(i));
    content = parts.join('\n') + '\n';
    await writeFile(logPath, content);
    size = (await stat(logPath)).size;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is several megabytes', () => {
    expect(size).toBeGreaterThan(4 * 1024 * 1024);
    expect(size).toBeLessThan(8 * 1024 * 1024);
  });

  it('returns exactly the entries at or after `since`, reading a small part of the file', async () => {
    const { exec, bytes } = counting(new LocalExecutor());
    // Entry 29 680 is an uncaught exception (a multiple of 7): its stack lines must come along.
    const firstWanted = 29_680;
    const since = new Date(BASE + firstWanted * 1000);
    const tail = await readLogSince(exec, logPath, since, parsePhpLogTime);

    expect(tail.fileSize).toBe(size);
    expect(tail.truncated).toBe(false);
    const expected = [];
    for (let i = firstWanted; i < ENTRIES; i++) expected.push(entryText(i));
    expect(tail.text).toBe(expected.join('\n') + '\n');
    const entries = parsePhpErrorLog(tail.text);
    expect(entries).toHaveLength(ENTRIES - firstWanted);
    expect(entries.every((e) => e.time !== null && e.time.getTime() >= since.getTime())).toBe(true);
    expect(entries.find((e) => e.level === 'fatal')?.stack).toHaveLength(3);

    expect(bytes()).toBeLessThan(size / 10);
  });

  it('starts at an entry header even when `since` falls between two stamps', async () => {
    const { exec } = counting(new LocalExecutor());
    const tail = await readLogSince(exec, logPath, new Date(BASE + 29_993_500), parsePhpLogTime, { chunkBytes: 512 });
    expect(tail.text.startsWith(phpStamp(BASE + 29_994_000))).toBe(true);
    expect(parsePhpErrorLog(tail.text)).toHaveLength(6);
  });

  it('reads the whole file when `since` is older than every entry', async () => {
    const { exec, bytes } = counting(new LocalExecutor());
    const tail = await readLogSince(exec, logPath, new Date(BASE - 3_600_000), parsePhpLogTime);
    expect(tail.truncated).toBe(false);
    expect(tail.text).toBe(content);
    // Chunks grow fourfold and each re-reads the end: at most the file plus 4/3 of it.
    expect(bytes()).toBeLessThan(size * (1 + 4 / 3) + 1024);
  });

  it('stops at the cap and says so when `since` is older than the cap allows', async () => {
    const { exec, bytes } = counting(new LocalExecutor());
    const cap = 1024 * 1024;
    const tail = await readLogSince(exec, logPath, new Date(BASE - 3_600_000), parsePhpLogTime, { maxBytes: cap });
    expect(tail.truncated).toBe(true);
    expect(Buffer.byteLength(tail.text)).toBeLessThanOrEqual(cap);
    expect(content.endsWith(tail.text)).toBe(true);
    expect(bytes()).toBeLessThan(2 * cap);
  });

  it('returns empty text after one small read when `since` is newer than everything', async () => {
    const { exec, bytes, calls } = counting(new LocalExecutor());
    const tail = await readLogSince(exec, logPath, new Date(BASE + ENTRIES * 1000 + 60_000), parsePhpLogTime);
    expect(tail).toEqual({ text: '', truncated: false, fileSize: size });
    expect(calls()).toBe(1);
    expect(bytes()).toBeLessThanOrEqual(64 * 1024 + 1);
  });

  it('follows a symlinked log', async () => {
    const link = join(dir, 'current.log');
    await symlink(logPath, link);
    const tail = await readLogSince(new LocalExecutor(), link, new Date(BASE + 29_998_000), parsePhpLogTime);
    expect(tail.fileSize).toBe(size);
    expect(tail.text).toBe(entryText(29_998) + '\n' + entryText(29_999) + '\n');
  });
});

describe('readLogSince edge cases', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'healer-read-since-edge-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives empty text for an absent file', async () => {
    const { exec, calls } = counting(new LocalExecutor());
    expect(await readLogSince(exec, join(dir, 'absent.log'), new Date(0), parsePhpLogTime)).toEqual({
      text: '',
      truncated: false,
      fileSize: 0,
    });
    expect(calls()).toBe(0);
  });

  it('does not take a timestamp in the middle of a torn line for the start of an entry', async () => {
    // The newest entry quotes an old stamp; a chunk starting right at the quote would look like an old entry.
    const old = `${phpStamp(BASE)} PHP Notice:  old one in /a.php on line 1`;
    const quoting = `${phpStamp(BASE + 100_000)} PHP Warning:  unserialize(): Error at offset 0 of "${phpStamp(BASE - 1000)} forged" in /b.php on line 2`;
    const path = join(dir, 'torn.log');
    await writeFile(path, `${old}\n${quoting}\n`);
    const tornAt = quoting.indexOf('[', 5);
    const chunkBytes = Buffer.byteLength(quoting.slice(tornAt)) + 1;

    const tail = await readLogSince(new LocalExecutor(), path, new Date(BASE + 50_000), parsePhpLogTime, { chunkBytes });
    expect(tail.text).toBe(`${quoting}\n`);
    expect(tail.truncated).toBe(false);
  });

  it('drops a torn line that starts inside a multi-byte character', async () => {
    const path = join(dir, 'utf8.log');
    const lines = [
      `${phpStamp(BASE)} PHP Warning:  in /a.php on line 1: Ünïcödé ééééééééééééé`,
      `${phpStamp(BASE + 1000)} PHP Warning:  second in /a.php on line 2`,
    ];
    await writeFile(path, lines.join('\n') + '\n');
    const secondBytes = Buffer.byteLength(lines[1]! + '\n');
    // The first chunk starts on the second byte of the last "é" (2 bytes) before the newline.
    const tail = await readLogSince(new LocalExecutor(), path, new Date(BASE + 1000), parsePhpLogTime, {
      chunkBytes: secondBytes + 2,
    });
    expect(tail.text).toBe(lines[1] + '\n');
    expect(tail.text).not.toContain('\uFFFD');
  });

  it('keeps the continuation lines at the very start of a file whose header was rotated away', async () => {
    const path = join(dir, 'rotated.log');
    const text = `#3 /srv/x.php(9): f()\n  thrown in /srv/x.php on line 9\n${phpStamp(BASE + 5000)} PHP Notice:  n in /a.php on line 1\n`;
    await writeFile(path, text);
    const tail = await readLogSince(new LocalExecutor(), path, new Date(BASE), parsePhpLogTime);
    expect(tail.text).toBe(text);
  });

  it('returns empty text for an empty file and refuses a folder', async () => {
    const path = join(dir, 'empty.log');
    await writeFile(path, '');
    expect(await readLogSince(new LocalExecutor(), path, new Date(0), parsePhpLogTime)).toEqual({ text: '', truncated: false, fileSize: 0 });
    const err = await readLogSince(new LocalExecutor(), dir, new Date(0), parsePhpLogTime).catch((e: unknown) => e);
    expect(isHealerError(err, 'INVALID_ARGUMENT')).toBe(true);
  });
});

describe('reads bounded by bytes, not time', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'healer-log-devices-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a log linked to /dev/zero at once, naming what it links to', async () => {
    const link = join(dir, 'debug.log');
    await symlink('/dev/zero', link);
    const started = Date.now();
    for (const read of [() => readLogSince(new LocalExecutor(), link, new Date(0), parsePhpLogTime), () => readLastLines(new LocalExecutor(), link, 10)]) {
      const err = await read().catch((e: unknown) => e);
      expect(isHealerError(err, 'INVALID_ARGUMENT'), String(err)).toBe(true);
      expect((err as Error).message).toBe(`${link} links to a character special file, not a regular file: it is not read as a log.`);
    }
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses a FIFO in plain words, without waiting for a writer', async () => {
    const fifo = join(dir, 'error.log');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const err = await readLogSince(new LocalExecutor(), fifo, new Date(0), parsePhpLogTime).catch((e: unknown) => e);
    expect(isHealerError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toBe(`${fifo} is a FIFO, socket or device, not a regular file: it is not read as a log.`);
    expect((err as Error).message).not.toContain('a other');
  });
});

describe('readLastLines', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'healer-last-lines-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns the last lines of a big file from a small read', async () => {
    const path = join(dir, 'big.log');
    const lines = Array.from({ length: 200_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 40)}`);
    await writeFile(path, lines.join('\n') + '\n');
    const { exec, bytes } = counting(new LocalExecutor());
    expect(await readLastLines(exec, path, 5)).toEqual(lines.slice(-5));
    expect(bytes()).toBeLessThanOrEqual(64 * 1024 + 1);
    expect(await readLastLines(exec, path, 3000, { chunkBytes: 1024 })).toEqual(lines.slice(-3000));
  });

  it('returns every line of a short file, with or without a final newline', async () => {
    const path = join(dir, 'short.log');
    await writeFile(path, 'a\nb\nc');
    expect(await readLastLines(new LocalExecutor(), path, 10)).toEqual(['a', 'b', 'c']);
    await writeFile(path, 'a\n\nb\n');
    expect(await readLastLines(new LocalExecutor(), path, 2)).toEqual(['', 'b']);
    expect(await readFile(path, 'utf8')).toBe('a\n\nb\n');
  });

  it('returns [] for an absent file or zero lines', async () => {
    expect(await readLastLines(new LocalExecutor(), join(dir, 'nope.log'), 10)).toEqual([]);
    expect(await readLastLines(new LocalExecutor(), join(dir, 'short.log'), 0)).toEqual([]);
  });
});
