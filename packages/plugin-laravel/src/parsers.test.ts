import { describe, expect, it } from 'vitest';
import { parseLaravelLog, parseLaravelLogTime } from './checks/logs.js';
import { appKeyProblem } from './checks/env.js';
import { looksLikeDotenv } from './checks/env-public.js';
import { versionFromApplication, versionFromArtisan } from './detect.js';
import { canWrite } from './php-access.js';
import { errnoInWords } from './probe.js';

describe('Laravel parsers', () => {
  it('reads laravel.log entries with the exception, file and line', () => {
    const text = [
      '[2026-12-07 01:50:53] production.ERROR: Boom {"exception":"[object] (RuntimeException(code: 0): Boom at /var/www/app/routes/web.php:12)',
      '[stacktrace]',
      '#0 /usr/share/php/Illuminate/Routing/Route.php(238): ...',
      '"}',
      '[2026-12-07 01:51:00] local.INFO: hello',
    ].join('\n');
    const entries = parseLaravelLog(text);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ level: 'ERROR', env: 'production', message: 'Boom', exception: 'RuntimeException', file: '/var/www/app/routes/web.php', line: 12 });
    expect(entries[0]!.time.toISOString()).toBe('2026-12-07T01:50:53.000Z');
    expect(entries[1]).toMatchObject({ level: 'INFO', exception: null });
    expect(parseLaravelLogTime('[2026-12-07T01:50:53.123456+02:00] production.ERROR: x')?.toISOString()).toBe('2026-12-06T23:50:53.123Z');
    expect(parseLaravelLogTime('#0 frame')).toBeNull();
  });

  it('judges APP_KEY values', () => {
    expect(appKeyProblem(undefined)).toBe('APP_KEY is not set');
    expect(appKeyProblem('')).toBe('APP_KEY is not set');
    expect(appKeyProblem(`base64:${Buffer.alloc(32, 1).toString('base64')}`)).toBeNull();
    expect(appKeyProblem('base64:not base64!')).toMatch(/not base64/);
    expect(appKeyProblem('x'.repeat(32))).toBeNull();
    expect(appKeyProblem(`base64:${Buffer.alloc(16).toString('base64')}`, 'AES-128-CBC')).toBeNull();
  });

  it('tells a dotenv body from a page', () => {
    expect(looksLikeDotenv('APP_NAME=x\nAPP_KEY=base64:abc\nDB_PASSWORD=y\n')).toBe(true);
    expect(looksLikeDotenv('<!DOCTYPE html><p>Not Found</p>')).toBe(false);
    expect(looksLikeDotenv('FOO=1\n')).toBe(false);
  });

  it('reads versions', () => {
    expect(versionFromApplication("class Application {\n    const VERSION = '10.48.4';\n")).toBe('10.48.4');
    expect(versionFromArtisan('Laravel Framework 8.83.26\n')).toBe('8.83.26');
    expect(versionFromArtisan('Laravel Framework v11.0.0')).toBe('11.0.0');
  });

  it('judges write access from modes, owners and groups', () => {
    const ids = { uid: 33, gids: [33] };
    expect(canWrite({ type: 'd', mode: 0o755, uid: 33, gid: 0 }, ids)).toBe(true);
    expect(canWrite({ type: 'd', mode: 0o755, uid: 0, gid: 33 }, ids)).toBe(false);
    expect(canWrite({ type: 'd', mode: 0o775, uid: 0, gid: 33 }, ids)).toBe(true);
    expect(canWrite({ type: 'd', mode: 0o757, uid: 0, gid: 0 }, ids)).toBe(true);
    expect(canWrite({ type: 'd', mode: 0o766, uid: 0, gid: 0 }, ids)).toBe(false);
    expect(canWrite({ type: 'f', mode: 0o620, uid: 0, gid: 33 }, ids)).toBe(true);
    expect(canWrite({ type: 'f', mode: 0o600, uid: 0, gid: 33 }, { uid: 0, gids: [0] })).toBe(true);
  });

  it('says error numbers in words', () => {
    expect(errnoInWords(1045)).toBe('error 1045: the user name or password is wrong');
    expect(errnoInWords(9999)).toBe('error 9999');
    expect(errnoInWords(null)).toBe('no error number');
  });
});
