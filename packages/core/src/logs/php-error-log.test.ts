import { describe, expect, it } from 'vitest';
import { isMemoryExhausted, parsePhpErrorLog, parsePhpLogTime } from './php-error-log.js';

// Literal fixtures in the exact shapes PHP 8 writes (two spaces after the label, "e" zone format).
const WP_DEBUG_LOG = [
  '[21-Nov-2026 10:12:01 UTC] PHP Fatal error:  Uncaught Error: Call to undefined function foo() in /var/www/site/wp-content/plugins/bad/bad.php:12',
  'Stack trace:',
  "#0 /var/www/site/wp-includes/class-wp-hook.php(324): bad_init('')",
  '#1 /var/www/site/wp-includes/class-wp-hook.php(348): WP_Hook->apply_filters(NULL, Array)',
  '#2 [internal function]: WP_Hook->do_action(Array)',
  '#3 /var/www/site/wp-settings.php(700): do_action()',
  '#4 {main}',
  '  thrown in /var/www/site/wp-content/plugins/bad/bad.php on line 12',
  '[21-Nov-2026 10:12:02 UTC] PHP Parse error:  syntax error, unexpected token "}", expecting ";" in /var/www/site/wp-content/themes/t/functions.php on line 3',
  '[21-Nov-2026 10:12:03 UTC] PHP Warning:  Undefined variable $post in /var/www/site/wp-content/themes/t/single.php on line 41',
  '[21-Nov-2026 10:12:04 UTC] PHP Notice:  Function wp_enqueue_script was called <strong>incorrectly</strong>. in /var/www/site/wp-includes/functions.php on line 6078',
  '[21-Nov-2026 10:12:05 UTC] PHP Deprecated:  Creation of dynamic property Foo::$bar is deprecated in /var/www/site/wp-content/plugins/old/old.php on line 88',
  '[21-Nov-2026 10:12:06 UTC] PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in /var/www/site/wp-includes/class-wpdb.php on line 2349',
  "[21-Nov-2026 10:12:07 UTC] WordPress database error Table 'wp.wp_options' doesn't exist for query SELECT option_value FROM wp_options WHERE option_name = 'x' made by require('wp-blog-header.php'), wp()",
  '[21-Nov-2026 10:12:08 UTC] PHP Recoverable fatal error:  Object of class WP_Error could not be converted to string in /var/www/site/x.php on line 5',
  '',
].join('\n');

describe('parsePhpErrorLog', () => {
  const entries = parsePhpErrorLog(WP_DEBUG_LOG);

  it('splits a WordPress debug.log into one entry per error, continuation lines included', () => {
    expect(entries.map((e) => e.level)).toEqual(['fatal', 'parse', 'warning', 'notice', 'deprecated', 'fatal', 'other', 'error']);
    expect(entries[0]!.raw.split('\n')).toHaveLength(8);
    expect(entries[0]!.raw.endsWith('thrown in /var/www/site/wp-content/plugins/bad/bad.php on line 12')).toBe(true);
  });

  it('reads an uncaught exception: message, primary location, stack', () => {
    const e = entries[0]!;
    expect(e.time?.toISOString()).toBe('2026-11-21T10:12:01.000Z');
    expect(e.rawTime).toBe('21-Nov-2026 10:12:01 UTC');
    expect(e.message).toBe('Uncaught Error: Call to undefined function foo()');
    expect(e.file).toBe('/var/www/site/wp-content/plugins/bad/bad.php');
    expect(e.line).toBe(12);
    expect(e.stack).toEqual([
      { index: 0, file: '/var/www/site/wp-includes/class-wp-hook.php', line: 324, call: "bad_init('')" },
      { index: 1, file: '/var/www/site/wp-includes/class-wp-hook.php', line: 348, call: 'WP_Hook->apply_filters(NULL, Array)' },
      { index: 2, file: null, line: null, call: 'WP_Hook->do_action(Array)' },
      { index: 3, file: '/var/www/site/wp-settings.php', line: 700, call: 'do_action()' },
      { index: 4, file: null, line: null, call: '{main}' },
    ]);
  });

  it('reads "in FILE on line N" locations and strips them from the message', () => {
    expect(entries[1]).toMatchObject({
      message: 'syntax error, unexpected token "}", expecting ";"',
      file: '/var/www/site/wp-content/themes/t/functions.php',
      line: 3,
      stack: [],
    });
    expect(entries[2]).toMatchObject({ message: 'Undefined variable $post', line: 41 });
    expect(entries[6]).toMatchObject({ level: 'other', file: null, line: null });
    expect(entries[6]!.message).toMatch(/^WordPress database error Table/);
  });

  it('reports the memory limit of an exhausted-memory fatal', () => {
    expect(isMemoryExhausted(entries[5]!)).toBe(134_217_728);
    expect(entries[5]!.file).toBe('/var/www/site/wp-includes/class-wpdb.php');
    expect(isMemoryExhausted(entries[0]!)).toBeNull();
  });

  it('reads lines with no timestamp and no "PHP " prefix (CLI stderr, display_errors)', () => {
    const text = [
      '',
      'Fatal error: Uncaught Exception: boom in /srv/app/index.php:7',
      'Stack trace:',
      '#0 /srv/app/index.php(10): run()',
      '#1 {main}',
      '  thrown in /srv/app/index.php on line 7',
      'PHP Warning:  file_get_contents(/nope): Failed to open stream: No such file or directory in /srv/app/a.php on line 2',
      'Deprecated: strlen(): Passing null to parameter #1 ($string) of type string is deprecated in /srv/app/b.php on line 4',
    ].join('\n');
    const got = parsePhpErrorLog(text);
    expect(got.map((e) => [e.level, e.time, e.rawTime, e.file, e.line])).toEqual([
      ['fatal', null, null, '/srv/app/index.php', 7],
      ['warning', null, null, '/srv/app/a.php', 2],
      ['deprecated', null, null, '/srv/app/b.php', 4],
    ]);
    expect(got[0]!.message).toBe('Uncaught Exception: boom');
    expect(got[0]!.stack.map((f) => f.call)).toEqual(['run()', '{main}']);
    expect(got[1]!.message).toBe('file_get_contents(/nope): Failed to open stream: No such file or directory');
  });

  it('keeps a multi-line exception message and only the first trace of a chained exception', () => {
    const text = [
      '[02-Mar-2026 08:00:00 UTC] PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused',
      'while connecting in /srv/app/db.php:20',
      'Stack trace:',
      "#0 /srv/app/db.php(20): PDO->__construct('mysql:host=127....', 'app', Object(SensitiveParameterValue))",
      '#1 {main}',
      '',
      'Next RuntimeException: no database in /srv/app/db.php:22',
      'Stack trace:',
      '#0 /srv/app/index.php(3): connect()',
      '#1 {main}',
      '  thrown in /srv/app/db.php on line 22',
    ].join('\n');
    const [e, ...rest] = parsePhpErrorLog(text);
    expect(rest).toEqual([]);
    expect(e!.message).toBe('Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused\nwhile connecting');
    expect(e!.file).toBe('/srv/app/db.php');
    expect(e!.line).toBe(20);
    expect(e!.stack.map((f) => f.call)).toEqual([
      "PDO->__construct('mysql:host=127....', 'app', Object(SensitiveParameterValue))",
      '{main}',
    ]);
    expect(e!.raw).toContain('Next RuntimeException');
  });

  it('falls back to "thrown in" when the first line has no location', () => {
    const text = ['PHP Fatal error:  Uncaught TypeError: bad', 'Stack trace:', '#0 {main}', '  thrown in /srv/x.php on line 9'].join('\n');
    expect(parsePhpErrorLog(text)[0]).toMatchObject({ message: 'Uncaught TypeError: bad', file: '/srv/x.php', line: 9 });
  });

  it('attaches Xdebug stack lines, timestamped one by one, to the error above', () => {
    const text = [
      '[21-Nov-2026 10:00:00 UTC] PHP Fatal error:  Maximum execution time of 30 seconds exceeded in /srv/x.php on line 5',
      '[21-Nov-2026 10:00:00 UTC] PHP Stack trace:',
      '[21-Nov-2026 10:00:00 UTC] PHP   1. {main}() /srv/x.php:0',
      '[21-Nov-2026 10:00:00 UTC] PHP   2. loop() /srv/x.php:9',
      '[21-Nov-2026 10:00:01 UTC] PHP Notice:  next one in /srv/y.php on line 1',
    ].join('\n');
    const got = parsePhpErrorLog(text);
    expect(got).toHaveLength(2);
    expect(got[0]!.stack).toEqual([
      { index: 1, file: '/srv/x.php', line: 0, call: '{main}()' },
      { index: 2, file: '/srv/x.php', line: 9, call: 'loop()' },
    ]);
    expect(got[0]!.file).toBe('/srv/x.php');
  });

  it('attaches a torn first line to an entry of its own rather than dropping it', () => {
    const got = parsePhpErrorLog('#3 /srv/a.php(2): f()\n  thrown in /srv/a.php on line 2\n[21-Nov-2026 10:00:01 UTC] PHP Notice:  n in /b.php on line 1\n');
    expect(got.map((e) => e.level)).toEqual(['other', 'notice']);
    expect(got[0]!.raw).toContain('#3 /srv/a.php(2)');
  });

  it('handles CRLF line ends', () => {
    const got = parsePhpErrorLog('[21-Nov-2026 10:00:01 UTC] PHP Notice:  a in /a.php on line 1\r\n[21-Nov-2026 10:00:02 UTC] PHP Notice:  b in /b.php:2\r\n');
    expect(got.map((e) => [e.message, e.file, e.line])).toEqual([
      ['a', '/a.php', 1],
      ['b', '/b.php', 2],
    ]);
  });

  it('returns nothing for empty text', () => {
    expect(parsePhpErrorLog('')).toEqual([]);
    expect(parsePhpErrorLog('\n\n')).toEqual([]);
  });
});

describe('parsePhpLogTime', () => {
  it('reads UTC, numeric offsets and IANA zones, keeping a best-effort UTC reading for unknown zones', () => {
    expect(parsePhpLogTime('[21-Nov-2026 10:12:01 UTC] x')?.toISOString()).toBe('2026-11-21T10:12:01.000Z');
    // Paris is UTC+1 in November and UTC+2 in July.
    expect(parsePhpLogTime('[21-Nov-2026 10:12:01 Europe/Paris] x')?.toISOString()).toBe('2026-11-21T09:12:01.000Z');
    expect(parsePhpLogTime('[01-Jul-2026 10:00:00 Europe/Paris] x')?.toISOString()).toBe('2026-07-01T08:00:00.000Z');
    expect(parsePhpLogTime('[01-Jul-2026 10:00:00 America/New_York] x')?.toISOString()).toBe('2026-07-01T14:00:00.000Z');
    expect(parsePhpLogTime('[01-Jul-2026 10:00:00 +02:00] x')?.toISOString()).toBe('2026-07-01T08:00:00.000Z');
    expect(parsePhpLogTime('[01-Jul-2026 10:00:00 Mars/Olympus] x')?.toISOString()).toBe('2026-07-01T10:00:00.000Z');
    expect(parsePhpLogTime('[01-Jul-2026 10:00:00] x')?.toISOString()).toBe('2026-07-01T10:00:00.000Z');
  });

  it('keeps the raw zone text on the entry', () => {
    expect(parsePhpErrorLog('[21-Nov-2026 10:12:01 Europe/Paris] PHP Notice:  x in /a.php on line 1')[0]!.rawTime).toBe(
      '21-Nov-2026 10:12:01 Europe/Paris',
    );
  });

  it('returns null for lines without a PHP timestamp', () => {
    expect(parsePhpLogTime('#0 {main}')).toBeNull();
    expect(parsePhpLogTime('[21-Foo-2026 10:12:01 UTC] x')).toBeNull();
    expect(parsePhpLogTime('[2026-11-21 10:12:01] x')).toBeNull();
  });
});
