import { describe, expect, it } from 'vitest';
import { parseWpConfig } from '../wp-config.js';
import { definedValueText, insertionPoint, phpLiteral, setDefine } from './wp-config-edit.js';

const SAMPLE = `<?php
define( 'DB_NAME', 'shop' );
define( "WP_DEBUG", true );
// define( 'WP_DEBUG_DISPLAY', true );
$note = "define( 'WP_DEBUG_DISPLAY', true );";

/* That's all, stop editing! Happy publishing. */

if ( ! defined( 'ABSPATH' ) ) {
\tdefine( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
`;

describe('setDefine', () => {
  it('adds a missing constant before the "stop editing" line, ignoring commented-out and quoted look-alikes', () => {
    const out = setDefine(SAMPLE, 'WP_DEBUG_DISPLAY', false);
    expect(out).toBe(SAMPLE.replace("/* That's all", "define( 'WP_DEBUG_DISPLAY', false );\n/* That's all"));
    expect(parseWpConfig(out).constants['WP_DEBUG_DISPLAY']).toBe(false);
  });

  it('replaces an existing value in either quote style, keeping the rest byte for byte', () => {
    const out = setDefine(SAMPLE, 'WP_DEBUG', false);
    expect(out).toBe(SAMPLE.replace('define( "WP_DEBUG", true );', 'define( "WP_DEBUG", false );'));
    const mem = setDefine("<?php\ndefine('WP_MEMORY_LIMIT', '64M'); // low\nrequire_once ABSPATH . 'wp-settings.php';\n", 'WP_MEMORY_LIMIT', '256M');
    expect(mem).toBe("<?php\ndefine('WP_MEMORY_LIMIT', '256M'); // low\nrequire_once ABSPATH . 'wp-settings.php';\n");
  });

  it('replaces every definition (PHP keeps the first, so they must agree)', () => {
    const text = "<?php\ndefine('SAVEQUERIES', true);\ndefine('SAVEQUERIES', 1);\n";
    expect(setDefine(text, 'SAVEQUERIES', false)).toBe("<?php\ndefine('SAVEQUERIES', false);\ndefine('SAVEQUERIES', false);\n");
  });

  it('without a "stop editing" line, inserts before the wp-settings.php require, keeping CRLF line endings', () => {
    const text = "<?php\r\ndefine('DB_NAME', 'x');\r\nrequire_once( ABSPATH . 'wp-settings.php' );\r\n";
    expect(setDefine(text, 'WP_MEMORY_LIMIT', '256M')).toBe(
      "<?php\r\ndefine('DB_NAME', 'x');\r\ndefine( 'WP_MEMORY_LIMIT', '256M' );\r\nrequire_once( ABSPATH . 'wp-settings.php' );\r\n",
    );
  });

  it('refuses to guess when the file has neither marker', () => {
    expect(() => setDefine("<?php\ndefine('DB_NAME', 'x');\n", 'WP_DEBUG_DISPLAY', false)).toThrow(/cannot tell where/);
    expect(insertionPoint("<?php\n")).toBeNull();
  });

  it('writes string values as safe single-quoted literals', () => {
    expect(phpLiteral("it's \\ here")).toBe("'it\\'s \\\\ here'");
    const out = setDefine(SAMPLE, 'X_TEST', "a'b\\c");
    expect(parseWpConfig(out).constants['X_TEST']).toBe("a'b\\c");
    expect(() => phpLiteral(Number.NaN)).toThrow();
  });

  it('reads the current literal of a constant', () => {
    expect(definedValueText(SAMPLE, 'WP_DEBUG')).toBe('true');
    expect(definedValueText(SAMPLE, 'WP_DEBUG_DISPLAY')).toBeNull();
    expect(definedValueText("<?php define('A', 'x' . 'y', true);", 'A')).toBe("'x' . 'y'");
  });
});
