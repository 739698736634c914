import { describe, expect, it } from 'vitest';
import { parseNpmAudit } from './audit.js';
import { countCrashes } from './crash-loop.js';
import { npmLockDrift } from './dependencies.js';
import { parseNodeLogTime } from './logs.js';
import { satisfiesEngine } from './node-engine.js';
import { parseDotenv } from './shared.js';

describe('parseDotenv', () => {
  it('reads names and values the way dotenv does', () => {
    const env = parseDotenv('# comment\nA=1\nexport B="two words"\nC=\'x#y\'\nD=plain # trailing\n  E = spaced\nnot a line\n');
    expect([...env]).toEqual([
      ['A', '1'],
      ['B', 'two words'],
      ['C', 'x#y'],
      ['D', 'plain'],
      ['E', 'spaced'],
    ]);
  });
});

describe('npmLockDrift', () => {
  const lock = (v: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ packages: { '': { name: 'app' }, 'node_modules/ms': { version: v }, ...extra } });
  it('is empty when every version matches', () => {
    expect(npmLockDrift(lock('2.0.0'), lock('2.0.0'))).toEqual([]);
  });
  it('names each package whose version differs or is missing', () => {
    expect(npmLockDrift(lock('2.1.0', { 'node_modules/debug': { version: '4.0.0' } }), lock('2.0.0'))).toEqual([
      'ms: lockfile 2.1.0, installed 2.0.0',
      'debug: lockfile 4.0.0, installed none',
    ]);
  });
  it('ignores optional packages npm did not install (other platforms)', () => {
    expect(npmLockDrift(lock('2.0.0', { 'node_modules/fsevents': { version: '2.3.3', optional: true } }), lock('2.0.0'))).toEqual([]);
  });
});

describe('satisfiesEngine', () => {
  it('compares node -v output with a range', () => {
    expect(satisfiesEngine('v20.11.1', '>=18 <21')).toBe(true);
    expect(satisfiesEngine('v16.20.0', '^18 || ^20')).toBe(false);
    expect(satisfiesEngine('v20.0.0', 'not a range!')).toBe(null);
  });
});

describe('parseNpmAudit', () => {
  it('reads the counts and the vulnerable packages', () => {
    const out = JSON.stringify({ vulnerabilities: { qs: {}, express: {} }, metadata: { vulnerabilities: { info: 0, low: 1, moderate: 0, high: 2, critical: 0, total: 3 } } });
    expect(parseNpmAudit(out, '')).toEqual({ ok: true, counts: { info: 0, low: 1, moderate: 0, high: 2, critical: 0 }, packages: ['express', 'qs'] });
  });
  it('gives the reason when the registry did not answer', () => {
    const out = JSON.stringify({ message: 'request to http://r/-/npm/v1/security/advisories/bulk failed, reason: getaddrinfo ENOTFOUND r', error: { summary: '', detail: '' } });
    expect(parseNpmAudit(out, '')).toEqual({ ok: false, reason: expect.stringContaining('ENOTFOUND') });
    expect(parseNpmAudit('', 'npm error audit endpoint returned an error')).toEqual({ ok: false, reason: expect.stringContaining('audit endpoint') });
  });
});

describe('countCrashes', () => {
  it('counts uncaught errors and exit lines', () => {
    const crash = '/app/server.js:3\n  throw new Error("x");\n  ^\n\nError: x\n    at Object.<anonymous> (/app/server.js:3:9)\n';
    expect(countCrashes(crash + crash)).toBe(2);
    expect(countCrashes('PM2 App [api:0] exited with code [1] via signal [SIGINT]\nlistening\nPM2 App [api:0] exited with code [1]\n')).toBe(2);
    expect(countCrashes('api.service: Main process exited, code=exited, status=1/FAILURE\n')).toBe(1);
    expect(countCrashes('PM2 App [api:0] exited with code [0] via signal [SIGINT]\n')).toBe(0);
    expect(countCrashes('api.service: Main process exited, code=exited, status=0/SUCCESS\n')).toBe(0);
    expect(countCrashes('listening on 3000\nGET / 200\n')).toBe(0);
  });
});

describe('parseNodeLogTime', () => {
  it('reads ISO timestamps, with pm2 prefixes', () => {
    expect(parseNodeLogTime('2026-11-21T10:12:01.000Z listening')?.toISOString()).toBe('2026-11-21T10:12:01.000Z');
    expect(parseNodeLogTime('0|api  | 2026-11-21T10:12:01Z: Error')?.toISOString()).toBe('2026-11-21T10:12:01.000Z');
    expect(parseNodeLogTime('    at run (/app/a.js:1:1)')).toBe(null);
  });
});
