/**
 * The TS serializer against real PHP: `serialize()` output made by `php -r`
 * is parsed here, and what we serialize is what PHP would have written.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { WORDPRESS_SOURCE } from '../../test/helpers/wordpress-site.js';
import { formatPhpFloat, isSerialized, maybeSerialize, maybeUnserialize, phpSerialize, phpUnserialize, PhpSerializeError } from './php-serialize.js';

function php(code: string, ...args: string[]): string {
  return execFileSync('php', ['-r', code, '--', ...args], { encoding: 'utf8' });
}

/** PHP values, as PHP source. */
const VALUES = [
  `'plain'`,
  `''`,
  `"héllo wörld ✓ 😀"`,
  `"quote \\" and ; and } and \\n newline"`,
  `'s:3:"abc";'`,
  `0`,
  `-42`,
  `PHP_INT_MAX >> 12`,
  `1.5`,
  `-0.25`,
  `0.1 + 0.2`,
  `1e25`,
  `true`,
  `false`,
  `null`,
  `array()`,
  `array('akismet/akismet.php', 'hello.php')`,
  `array(3 => 'a', 7 => 'b')`,
  `array(1 => 'a', 0 => 'b')`,
  `array('5' => 'int key', '05' => 'string key', '-3' => 'neg', '1.5' => 'float-like')`,
  `array('template' => 'twentytwentythree', 'nested' => array('x' => array(1, 2, array())))`,
  `array(1700000000 => array('wp_version_check' => array('40cd750bba9870f18aada2478b24840a' => array('schedule' => 'twicedaily', 'args' => array(), 'interval' => 43200))), 'version' => 2)`,
  `(object) array('a' => 1, 'b' => 'two')`,
  `array('o' => new ArrayObject(array(1, 2)))`,
];

describe('phpUnserialize against PHP', () => {
  const out = JSON.parse(
    php(
      `$vals = array(${VALUES.join(', ')});
       $res = array();
       foreach ($vals as $v) { $s = serialize($v); $res[] = array('ser' => base64_encode($s), 'json' => json_encode(unserialize($s, array('allowed_classes' => false)), JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE)); }
       echo json_encode($res);`,
    ),
  ) as Array<{ ser: string; json: string }>;

  it.each(VALUES.map((v, i) => [v, i]))('%s', (_source, i) => {
    const { ser, json } = out[i as number]!;
    const bytes = Buffer.from(ser, 'base64');
    expect(phpUnserialize(bytes)).toEqual(JSON.parse(json));
  });

  it('counts string lengths in bytes', () => {
    expect(phpUnserialize('s:6:"héllo";')).toBe('héllo');
    expect(phpUnserialize('s:4:"😀";')).toBe('😀');
    expect(phpUnserialize('s:3:"a";";')).toBe('a";');
    expect(() => phpUnserialize('s:5:"héllo";')).toThrow(PhpSerializeError);
    expect(() => phpUnserialize('s:7:"héllo";')).toThrow(PhpSerializeError);
  });

  it('refuses malformed input', () => {
    for (const bad of ['', 'x', 'i:1', 'i:;', 'b:2;', 's:3:"ab";', 'a:2:{i:0;i:1;}', 'a:1:{i:0;i:1;', 'i:1;i:2;', 'O:3:"Foo":1:{', 'd:abc;']) {
      expect(() => phpUnserialize(bad), bad).toThrow(PhpSerializeError);
    }
  });
});

describe('phpSerialize against PHP', () => {
  const values: unknown[] = [
    'plain',
    '',
    'héllo ✓ 😀 "quoted";}',
    0,
    -42,
    2 ** 40,
    1.5,
    -0.25,
    0.1 + 0.2,
    1e25,
    1.5e-7,
    true,
    false,
    null,
    [],
    ['akismet/akismet.php', 'hello.php'],
    { template: 'x', nested: { a: [1, { b: null }] } },
    { '5': 'int key', '05': 'string key', '-3': 'neg', '1.5': 'float-like' },
    {},
  ];

  it.each(values.map((v) => [JSON.stringify(v), v]))('%s', (json, value) => {
    // What WordPress stores for the same value arriving as JSON: serialize(json_decode($json, true)).
    const expected = php('echo serialize(json_decode($argv[1], true));', json);
    expect(phpSerialize(value)).toBe(expected);
  });

  it('round-trips through the parser', () => {
    const value = { a: ['x', 1, 2.5, true, null, { b: 'ü' }], '7': 'seven' };
    expect(phpUnserialize(phpSerialize(value))).toEqual(value);
  });
});

describe('formatPhpFloat', () => {
  const floats = [0.1, 1e25, 1.5e-7, 123456789012345680, 1e15, 1e16, 1e17, 1e14, 1e13, 100, 0.30000000000000004, 1e-5, 1e-4, 2.5e-5, 123456.789, 1 / 3, -2.5e-7, 1e100, -1234.5];
  it('writes floats as serialize() and (string) do', () => {
    const expected = JSON.parse(
      php(`$out = array(); foreach (json_decode($argv[1]) as $f) { $f = (float) $f; $out[] = array(substr(serialize($f), 2, -1), (string) $f); } echo json_encode($out);`, JSON.stringify(floats)),
    ) as Array<[string, string]>;
    expect(floats.map((f) => [formatPhpFloat(f, 'serialize'), formatPhpFloat(f, 'string')])).toEqual(expected);
    expect([formatPhpFloat(-0, 'serialize'), formatPhpFloat(NaN, 'serialize'), formatPhpFloat(-Infinity, 'string')]).toEqual(['-0', 'NAN', '-INF']);
  });
});

describe("WordPress's is_serialized, maybe_serialize and maybe_unserialize", () => {
  const samples = ['N;', 'b:1;', 'b:1', 'i:5;', 'i:5;x', 'd:0.5;', 's:1:"a";', 's:1:"a"', '  a:0:{}  ', 'a:0:{', 'O:8:"stdClass":0:{}', 'E:7:"Foo:Bar";', 'x:1:{}', 'plain text', '', 'ab', 's:', 'a:1', 's:2:"a;', '\0i:1;'];
  const wp = JSON.parse(
    php(
      `define('ABSPATH', $argv[1] . '/'); define('WPINC', 'wp-includes'); require ABSPATH . WPINC . '/functions.php';
       $out = array();
       foreach (json_decode($argv[2]) as $s) { $out[] = array(is_serialized($s), is_serialized($s, false), maybe_serialize($s)); }
       echo json_encode($out);`,
      WORDPRESS_SOURCE,
      JSON.stringify(samples),
    ),
  ) as Array<[boolean, boolean, string]>;

  it.each(samples.map((s, i) => [JSON.stringify(s), i]))('%s', (_label, i) => {
    const s = samples[i as number]!;
    expect([isSerialized(s), isSerialized(s, false), maybeSerialize(s)]).toEqual(wp[i as number]);
  });

  it('maybe_serialize: scalars become text, arrays serialized', () => {
    expect([maybeSerialize(true), maybeSerialize(false), maybeSerialize(null), maybeSerialize(5), maybeSerialize(0.5), maybeSerialize(['a'])]).toEqual(['1', '', '', '5', '0.5', 'a:1:{i:0;s:1:"a";}']);
  });

  it('maybe_unserialize: text stays text, broken serialized data is false', () => {
    expect(maybeUnserialize('hello')).toBe('hello');
    expect(maybeUnserialize('1')).toBe('1');
    expect(maybeUnserialize(' a:1:{i:0;s:1:"a";} ')).toEqual(['a']);
    expect(maybeUnserialize('s:9:"broken";')).toBe(false);
    expect(maybeUnserialize(new TextEncoder().encode('b:0;'))).toBe(false);
  });
});
