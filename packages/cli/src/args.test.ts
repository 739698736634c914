import { describe, expect, it } from 'vitest';
import { describeDelay, parseIntArg, parseMode, parseSince, resolvePathArg, targetArg } from './args.js';
import { CliError } from './cli-error.js';

describe('flag parsing', () => {
  const now = new Date('2025-06-01T12:00:00Z');

  it('parses --since as a duration back from now or as an ISO time', () => {
    expect(parseSince('30m', now)?.toISOString()).toBe('2025-06-01T11:30:00.000Z');
    expect(parseSince('1h', now)?.toISOString()).toBe('2025-06-01T11:00:00.000Z');
    expect(parseSince('2d', now)?.toISOString()).toBe('2025-05-30T12:00:00.000Z');
    expect(parseSince('2025-05-01T00:00:00Z', now)?.toISOString()).toBe('2025-05-01T00:00:00.000Z');
    expect(parseSince(undefined, now)).toBeUndefined();
    expect(() => parseSince('yesterday', now)).toThrow(CliError);
  });

  it('accepts the modes and their old aliases, and refuses others as usage errors', () => {
    expect(parseMode('FULL_AUTO')).toBe('auto');
    expect(parseMode('SEMI_AUTO')).toBe('supervised');
    expect(parseMode('manual')).toBe('manual');
    expect(() => parseMode('yolo')).toThrow(expect.objectContaining({ code: 'USAGE', exitCode: 64 }));
  });

  it('resolves paths against the working folder and refuses newlines', () => {
    const local = { cwd: '/srv', remote: false };
    expect(resolvePathArg(local, undefined)).toBe('/srv');
    expect(resolvePathArg(local, 'app/../site')).toBe('/srv/site');
    expect(() => resolvePathArg(local, 'a\nb')).toThrow(CliError);
    // With --host, paths are on the remote machine: absolute only.
    const remote = { cwd: '/srv', remote: true };
    expect(resolvePathArg(remote, '/var/www/site/')).toBe('/var/www/site');
    expect(() => resolvePathArg(remote, 'site')).toThrow(/absolute path on that host/);
    expect(() => resolvePathArg(remote, undefined)).toThrow(CliError);
    expect(targetArg({ cwd: '/srv', remote: false }, 'x', 'http://127.0.0.1:1/')).toEqual({ path: '/srv/x', url: 'http://127.0.0.1:1/' });
    expect(() => targetArg({ cwd: '/srv', remote: false }, 'x', 'file:///etc/passwd')).toThrow(/http or https/);
  });

  it('parses whole numbers with a minimum', () => {
    expect(parseIntArg('--limit', '5', 1)).toBe(5);
    expect(() => parseIntArg('--limit', '0', 1)).toThrow(/--limit must be a whole number >= 1/);
    expect(() => parseIntArg('--limit', '2x', 1)).toThrow(CliError);
  });

  it('describes a delay for a person', () => {
    expect(describeDelay(new Date(now.getTime() + 29.5 * 60_000), now)).toBe('in 30 min');
    expect(describeDelay(new Date(now.getTime() + 125 * 60_000), now)).toBe('in 2 h 5 min');
    expect(describeDelay(new Date(now.getTime() - 1000), now)).toBe('now');
  });
});
