/**
 * Composer's content-hash, computed here and by Composer itself (Debian's
 * `composer` package, its `Locker::getContentHash`), for the fixture app and
 * for composer.json files that trip a naive JSON encoder: key order, `{}`,
 * slashes, non-ASCII, integer-like keys, floats, config.platform.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { composerContentHash, lockIsFresh, parseComposerLock, parseInstalledJson, requiredExtensions, vendorDrift } from './composer.js';

const FIXTURE = fileURLToPath(new URL('../test/fixtures/php-app/', import.meta.url));

/** Composer's own answer. */
function composerSays(text: string): string {
  return execFileSync('php', ['-r', 'require "/usr/share/php/Composer/autoload.php"; echo Composer\\Package\\Locker::getContentHash(stream_get_contents(STDIN));'], { input: text, encoding: 'utf8' });
}

const CASES: Record<string, string> = {
  'the fixture app': readFileSync(`${FIXTURE}composer.json`, 'utf8'),
  'keys out of order, empty objects, slashes and non-ASCII': JSON.stringify({
    require: { 'php': '^8.1', 'vendor/pkg': '^1.0 || ^2.0' },
    name: 'acme/app',
    extra: {},
    'require-dev': {},
    description: 'ignored: not a relevant key',
    'minimum-stability': 'dev',
    'prefer-stable': true,
    repositories: [{ type: 'vcs', url: 'https://example.org/acme/pkg.git' }],
    autoload: { 'psr-4': { 'App\\': 'src/' } },
  }),
  'non-ASCII, control characters and quotes in extra': '{"extra":{"título":"café ☕ \\"q\\" \\t tab","emoji":"😀"},"name":"a/b"}',
  'integer-like keys, floats and a platform config': '{"extra":{"0":"a","1":"b"},"version":"1.0.0","conflict":{"x/y":"<1.0"},"extra2":1.5,"config":{"platform":{"php":"8.1.0","ext-intl":"1.0"},"sort-packages":true},"provide":{"ext-foo":"*"},"replace":{"a/c":"self.version"}}',
  'floats and nested lists in extra': '{"name":"a/b","extra":{"ratio":1.0,"big":12345678901234567890,"list":[{"k":[]},{}],"neg":-0.5,"exp":1e3,"tiny":0.00001,"huge":1e17,"mid":1e16,"small":0.0001,"negzero":-0.0}}',
};

describe('composer content-hash', () => {
  for (const [name, text] of Object.entries(CASES)) {
    it(`is Composer's for ${name}`, () => {
      expect(composerContentHash(text)).toBe(composerSays(text));
    });
  }

  it("is the checked-in lock's for the fixture app, and a change to a relevant key makes the lock stale", () => {
    const text = readFileSync(`${FIXTURE}composer.json`, 'utf8');
    const lock = parseComposerLock(readFileSync(`${FIXTURE}composer.lock`, 'utf8'))!;
    expect(lockIsFresh(lock, text)).toBe(true);
    // Not relevant: the description.
    expect(lockIsFresh(lock, text.replace('"A generic PHP app', '"Another generic PHP app'))).toBe(true);
    expect(lockIsFresh(lock, text.replace('"php": ">=8.1"', '"php": ">=8.2"'))).toBe(false);
  });
});

describe('vendor against the lock', () => {
  const lock = parseComposerLock(
    JSON.stringify({ 'content-hash': 'x', packages: [{ name: 'a/one', version: '1.0.0', require: { 'ext-mbstring': '*' } }, { name: 'a/two', version: '2.0.0' }], 'packages-dev': [{ name: 'd/dev', version: '3.0.0' }] }),
  )!;

  it('names the missing, the wrong versions and the extra packages; dev packages may be absent', () => {
    const installed = parseInstalledJson(JSON.stringify({ packages: [{ name: 'a/one', version: '1.0.1' }, { name: 'z/extra', version: '1.0.0' }], dev: false, 'dev-package-names': [] }))!;
    expect(vendorDrift(lock, installed)).toEqual({ missing: ['a/two'], wrongVersion: [{ name: 'a/one', installed: '1.0.1', locked: '1.0.0' }], extra: ['z/extra'] });
  });

  it('reads Composer 1 installed.json (a list) too', () => {
    const installed = parseInstalledJson(JSON.stringify([{ name: 'a/one', version: '1.0.0' }, { name: 'a/two', version: '2.0.0' }]))!;
    expect(vendorDrift(lock, installed)).toEqual({ missing: [], wrongVersion: [], extra: [] });
  });

  it('collects ext-* from composer.json and locked packages', () => {
    expect(requiredExtensions({ require: { 'ext-JSON': '*', php: '^8' } }, lock)).toEqual([
      { name: 'json', constraint: '*', from: 'composer.json' },
      { name: 'mbstring', constraint: '*', from: 'a/one' },
    ]);
  });
});
