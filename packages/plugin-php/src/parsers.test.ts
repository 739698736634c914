/** Parsers of what the target shows: php -S command lines, listen addresses, FPM's status page. A fake-free unit test: text in, data out. */
import { describe, expect, it } from 'vitest';
import { parseListen } from './address.js';
import { parseFpmStatus } from './fpm.js';
import { builtinDocroot, parseBuiltinArgs } from './web-server.js';
import { encodePhpJson, parsePhpJson } from './php-json.js';

describe('parseBuiltinArgs', () => {
  it('reads the address, docroot, router and ini options', () => {
    expect(parseBuiltinArgs('/usr/bin/php8.2 -d display_errors=1 -n -S 0.0.0.0:8080 -t public router.php')).toEqual({
      binary: '/usr/bin/php8.2',
      listen: '0.0.0.0:8080',
      docroot: 'public',
      router: 'router.php',
      iniArgs: ['-d', 'display_errors=1', '-n'],
    });
    expect(parseBuiltinArgs('php -Slocalhost:8000')).toMatchObject({ listen: 'localhost:8000', docroot: null, router: null });
  });

  it('is null for what is not a php -S server', () => {
    expect(parseBuiltinArgs('php artisan queue:work')).toBeNull();
    expect(parseBuiltinArgs('node server.js -S x')).toBeNull();
  });
});

describe('parseListen', () => {
  it('reads Apache and nginx listen words', () => {
    expect(parseListen('*:80')).toEqual({ host: null, port: 80 });
    expect(parseListen('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('443')).toEqual({ host: null, port: 443 });
    expect(parseListen('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(parseListen('unix:/run/x.sock')).toBeNull();
  });
});

describe('parseFpmStatus', () => {
  it("reads FPM's ?json answer after its CGI headers", () => {
    const body = JSON.stringify({ pool: 'www', 'process manager': 'dynamic', 'start time': 1765000000, 'accepted conn': 12, 'listen queue': 3, 'max listen queue': 5, 'idle processes': 0, 'active processes': 4, 'total processes': 4, 'max children reached': 2, 'slow requests': 0 });
    expect(parseFpmStatus(`Content-type: application/json\r\nExpires: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n${body}`)).toEqual({
      pool: 'www',
      processManager: 'dynamic',
      acceptedConn: 12,
      listenQueue: 3,
      maxListenQueue: 5,
      idleProcesses: 0,
      activeProcesses: 4,
      totalProcesses: 4,
      maxChildrenReached: 2,
      slowRequests: 0,
      startTime: 1765000000,
    });
    expect(parseFpmStatus('Status: 404 Not Found\r\n\r\nFile not found.')).toBeNull();
  });
});

describe('parsePhpJson / encodePhpJson', () => {
  it('keeps document order and encodes as json_encode does', () => {
    expect(encodePhpJson(parsePhpJson('{"b":1,"10":"x","a":{"u":"/é"},"e":{}}'))).toBe('{"b":1,"10":"x","a":{"u":"\\/\\u00e9"},"e":[]}');
    expect(() => parsePhpJson('{"a":1,}')).toThrow(SyntaxError);
  });
});

describe('builtinDocroot', () => {
  it('takes -t from the working folder, which may already be the document root while a script runs', () => {
    expect(builtinDocroot('/srv/app', 'public')).toBe('/srv/app/public');
    expect(builtinDocroot('/srv/app/public', 'public')).toBe('/srv/app/public');
    expect(builtinDocroot('/srv/app', './web/')).toBe('/srv/app/web');
    expect(builtinDocroot('/srv/app', null)).toBe('/srv/app');
    expect(builtinDocroot(null, '/srv/site')).toBe('/srv/site');
    expect(builtinDocroot(null, 'public')).toBeNull();
  });
});
