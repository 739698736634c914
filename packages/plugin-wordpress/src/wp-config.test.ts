import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseWpConfig } from './wp-config.js';
import { WORDPRESS_SOURCE } from '../test/helpers/wordpress-site.js';

/** The wp-config.php WordPress's installer writes, filled in. */
const STOCK = `<?php
/**
 * The base configuration for WordPress
 *
 * @link https://wordpress.org/documentation/article/editing-wp-config-php/
 *
 * @package WordPress
 */

// ** Database settings - You can get this info from your web host ** //
/** The name of the database for WordPress */
define( 'DB_NAME', 'shop_db' );

/** Database username */
define( 'DB_USER', 'shop_user' );

/** Database password */
define( 'DB_PASSWORD', 'p@ss\\'w"rd);' );

/** Database hostname */
define( 'DB_HOST', 'localhost:/run/mysqld/mysqld.sock' );

/** Database charset to use in creating database tables. */
define( 'DB_CHARSET', 'utf8mb4' );

/** The database collate type. Don't change this if in doubt. */
define( 'DB_COLLATE', '' );

/**#@+
 * Authentication unique keys and salts.
 * define( 'AUTH_KEY', 'commented out in a docblock' );
 */
define( 'AUTH_KEY',         'k&|Z)w~P9$#-ra{]p;ck/1W@8z=>7m' );
define( 'SECURE_AUTH_KEY',  '%9bR,Jx]>t6<3F2yLb(c' );
define( 'LOGGED_IN_KEY',    'put your unique phrase here' );
/**#@-*/

/**
 * WordPress database table prefix.
 */
$table_prefix = 'shop_';

define( 'WP_DEBUG', false );

/* Add any custom values between this line and the "stop editing" line. */

/* That's all, stop editing! Happy publishing. */

/** Absolute path to the WordPress directory. */
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}

/** Sets up WordPress vars and included files. */
require_once ABSPATH . 'wp-settings.php';
`;

describe('parseWpConfig', () => {
  it('reads the stock wp-config.php, secrets with quotes and `);` inside included', () => {
    const config = parseWpConfig(STOCK, { dir: '/srv/shop' });
    expect(config.constants).toEqual({
      DB_NAME: 'shop_db',
      DB_USER: 'shop_user',
      DB_PASSWORD: 'p@ss\'w"rd);',
      DB_HOST: 'localhost:/run/mysqld/mysqld.sock',
      DB_CHARSET: 'utf8mb4',
      DB_COLLATE: '',
      AUTH_KEY: 'k&|Z)w~P9$#-ra{]p;ck/1W@8z=>7m',
      SECURE_AUTH_KEY: '%9bR,Jx]>t6<3F2yLb(c',
      LOGGED_IN_KEY: 'put your unique phrase here',
      WP_DEBUG: false,
      ABSPATH: '/srv/shop/',
    });
    expect(config.tablePrefix).toBe('shop_');
    expect(config.requires).toEqual(['/srv/shop/wp-settings.php']);
  });

  it('leaves ABSPATH-relative requires as written when the folder is not given', () => {
    expect(parseWpConfig(STOCK).requires).toEqual(["ABSPATH . 'wp-settings.php'"]);
    expect(parseWpConfig(STOCK).constants['ABSPATH']).toBeNull();
  });

  it('reads both quote styles, escapes, odd spacing and line breaks', () => {
    const config = parseWpConfig(`<?php
define("DB_NAME","double");
define (  'DB_USER' ,
   "line\\tbreak\\n\\"quoted\\"\\\\ \\x41\\101\\u{1F600} \\$notvar \\q"
);
DEFINE( "WP_HOME", 'https://example.com' ) ;
define('SINGLE', 'back\\\\slash \\n stays \\'quoted\\'');
define( 'NO_SPACE','a' );define('SAME_LINE',"b");
`);
    expect(config.constants).toEqual({
      DB_NAME: 'double',
      DB_USER: 'line\tbreak\n"quoted"\\ AA\u{1F600} $notvar \\q',
      WP_HOME: 'https://example.com',
      SINGLE: "back\\slash \\n stays 'quoted'",
      NO_SPACE: 'a',
      SAME_LINE: 'b',
    });
  });

  it('reads booleans, null and numbers in any case and form', () => {
    const config = parseWpConfig(`<?php
define('A', TRUE); define('B', False); define('C', NULL); define('D', 42); define('E', -3);
define('F', 1.5); define('G', 0x1F); define('H', 1_000); define('I', 0755); define('J', .5); define('K', 2e3);
define('L', \\true); define('M', ( 256 ));
`);
    expect(config.constants).toEqual({ A: true, B: false, C: null, D: 42, E: -3, F: 1.5, G: 31, H: 1000, I: 493, J: 0.5, K: 2000, L: true, M: 256 });
  });

  it('ignores commented-out defines of every kind', () => {
    const config = parseWpConfig(`<?php
// define( 'WP_DEBUG', true );
# define( 'WP_DEBUG_LOG', true );
/* define( 'WP_DEBUG_DISPLAY', true );
   define( 'SAVEQUERIES', true ); */
/** define( 'SCRIPT_DEBUG', true ); */
define( 'WP_DEBUG', false ); // define( 'WP_DEBUG', true );
define( 'KEEP', 'x' ); # define('KEEP', 'y');
define( 'URL', 'http://example.com/#anchor' ); // a # inside a string is not a comment
define( 'SLASHES', "//not a comment" );
`);
    expect(config.constants).toEqual({ WP_DEBUG: false, KEEP: 'x', URL: 'http://example.com/#anchor', SLASHES: '//not a comment' });
  });

  it('does not see defines inside strings', () => {
    const config = parseWpConfig(`<?php
$note = "define('FAKE', true);";
$other = 'define("FAKE2", true);';
define('REAL', 'define(\\'INNER\\', 1);');
`);
    expect(config.constants).toEqual({ REAL: "define('INNER', 1);" });
  });

  it('concatenates literals, resolves __DIR__, dirname(__FILE__) and earlier constants; other expressions are unknown', () => {
    const config = parseWpConfig(
      `<?php
define( 'WP_CONTENT_DIR', __DIR__ . '/content' );
define( 'WP_PLUGIN_DIR', WP_CONTENT_DIR . '/ext' );
define( 'UP', dirname( __FILE__ ) . "/up" );
define( 'PARENT', dirname(__DIR__) );
define( 'JOINED', 'a' . 'b' . 3 );
define( 'FROM_ENV', getenv( 'DB_PASSWORD' ) );
define( 'FROM_VAR', $password );
define( 'INTERP', "pre-$suffix" );
define( 'TERNARY', $x ? 'a' : 'b' );
define( 'MATH', 60 * 60 );
define( 'UNKNOWN_CONST', SOMETHING_ELSE . '/x' );
`,
      { dir: '/var/www/site' },
    );
    expect(config.constants).toEqual({
      WP_CONTENT_DIR: '/var/www/site/content',
      WP_PLUGIN_DIR: '/var/www/site/content/ext',
      UP: '/var/www/site/up',
      PARENT: '/var/www',
      JOINED: 'ab3',
      FROM_ENV: null,
      FROM_VAR: null,
      INTERP: null,
      TERNARY: null,
      MATH: null,
      UNKNOWN_CONST: null,
    });
    expect(parseWpConfig(`<?php define('C', __DIR__ . '/x');`).constants['C']).toBeNull();
  });

  it('keeps the first definition, as PHP does, and honours `! defined()` guards', () => {
    const config = parseWpConfig(`<?php
define( 'WP_DEBUG', true );
if ( ! defined( 'WP_DEBUG' ) ) {
  define( 'WP_DEBUG', false );
}
if ( ! defined( 'WP_DEBUG_LOG' ) ) define( 'WP_DEBUG_LOG', true );
defined( 'WP_CACHE' ) || define( 'WP_CACHE', true );
`);
    expect(config.constants).toEqual({ WP_DEBUG: true, WP_DEBUG_LOG: true, WP_CACHE: true });
  });

  it('gives up (null) on a constant whose value depends on a branch', () => {
    const config = parseWpConfig(`<?php
if ( $_SERVER['HTTP_HOST'] === 'dev.example.com' ) {
  define( 'WP_DEBUG', true );
} else {
  define( 'WP_DEBUG', false );
}
if ( getenv('X') ) define( 'SAME', 1 ); else define( 'SAME', 1 );
if ( getenv('Y') ) define( 'ONLY_IF', true );
`);
    expect(config.constants).toEqual({ WP_DEBUG: null, SAME: 1, ONLY_IF: true });
  });

  it('ignores defines inside functions and classes, and method calls named define', () => {
    const config = parseWpConfig(`<?php
function my_setup() {
  define( 'IN_FUNCTION', true );
}
add_action( 'init', function () { define( 'IN_CLOSURE', true ); } );
class Cfg {
  const IN_CLASS = 1;
  public function define( $a, $b ) {}
}
$cfg->define( 'METHOD', 1 );
Cfg::define( 'STATIC', 1 );
const TOP_LEVEL = 'yes';
define( 'AFTER', Cfg::class );
`);
    expect(config.constants).toEqual({ TOP_LEVEL: 'yes', AFTER: null });
  });

  it('reads $table_prefix: last assignment wins, an isset() guard only sets a default', () => {
    expect(parseWpConfig(`<?php $table_prefix  = "wp_";\n$table_prefix = 'site2_';`).tablePrefix).toBe('site2_');
    expect(parseWpConfig(`<?php $table_prefix = 'mine_';\nif ( ! isset( $table_prefix ) ) { $table_prefix = 'wp_'; }`).tablePrefix).toBe('mine_');
    expect(parseWpConfig(`<?php if (!isset($table_prefix)) $table_prefix = 'wp_';`).tablePrefix).toBe('wp_');
    expect(parseWpConfig(`<?php $table_prefix = 'a_'; $table_prefix .= 'b_';`).tablePrefix).toBe('a_b_');
    expect(parseWpConfig(`<?php $table_prefix = getenv('PREFIX');`).tablePrefix).toBeNull();
    expect(parseWpConfig(`<?php // $table_prefix = 'x_';`).tablePrefix).toBeNull();
    expect(parseWpConfig(`<?php $table_prefix == 'x_';`).tablePrefix).toBeNull();
  });

  it('skips inline HTML and treats ?> as the end of a statement (also inside a line comment)', () => {
    const config = parseWpConfig(`define('OUTSIDE', 1);
<?php define('A', 1) ?>
define('ALSO_OUTSIDE', 1);
<?php // comment ?> define('HTML_AGAIN', 1);
<?php define('B', 2);`);
    expect(config.constants).toEqual({ A: 1, B: 2 });
  });

  it('reads heredoc and nowdoc values', () => {
    const config = parseWpConfig(`<?php
define( 'NOW', <<<'EOT'
  raw $x \\n
  EOT );
define( 'HERE', <<<EOT
plain\\ttext
EOT
);
define( 'HERE_VAR', <<<"EOT"
has $var
EOT
);
define( 'AFTER', 'ok' );
`);
    expect(config.constants).toEqual({ NOW: 'raw $x \\n', HERE: 'plain\ttext', HERE_VAR: null, AFTER: 'ok' });
  });

  it('does not choke on unterminated input', () => {
    expect(parseWpConfig(`<?php define( 'A', 'never closed );`).constants).toEqual({});
    expect(parseWpConfig(`<?php /* never closed define('A', 1);`).constants).toEqual({});
    expect(parseWpConfig(``)).toEqual({ constants: {}, tablePrefix: null, requires: [] });
  });

  it("reads Debian's own wp-config.php (guards, requires of /etc/wordpress files)", () => {
    const text = readFileSync(`${WORDPRESS_SOURCE}/wp-config.php`, 'utf8');
    const config = parseWpConfig(text, { dir: WORDPRESS_SOURCE });
    // Every define there is guarded by `! defined()` or sits in an if/elseif chain.
    expect(config.constants).toMatchObject({
      wp_auto_update_core: false,
      ABSPATH: '/usr/share/wordpress/',
      WP_ALLOW_MULTISITE: true,
      DB_NAME: 'wordpress',
      DB_HOST: 'localhost',
      WP_CONTENT_DIR: '/var/lib/wordpress/wp-content',
    });
    // DEBIAN_FILE is set to a variable in one branch and to a literal in another.
    expect(config.constants['DEBIAN_FILE']).toBeNull();
    expect(config.tablePrefix).toBe('wp_');
    expect(config.requires).toEqual(['($debian_file)', '($debian_main_file)', '/etc/wordpress/config-default.php', '/usr/share/wordpress/wp-settings.php']);
  });
});
