/**
 * The load probe: a constant script run as
 * `php -r <LOAD_PROBE_SOURCE> -- <root> <url> <seconds>` that loads the site's
 * front page the way WP-CLI loads WordPress: the site's address in
 * `$_SERVER`, `DISABLE_WP_CRON` (no cron spawn), WordPress's fatal-error
 * handler off (no recovery-mode mail, no error page), a time limit, the page
 * itself thrown away. Arguments arrive in `$argv`, never spliced into the code.
 *
 * Its answer is one line of JSON after {@link LOAD_PROBE_MARK} on stdout,
 * written at shutdown: `{"fatal":{"type","message","file","line"}|null,"status":int|false}`.
 * PHP's own report of the error goes to stderr (kept as evidence).
 * @internal
 */

/** Marks the probe's answer in stdout. */
export const LOAD_PROBE_MARK = '@@healer-wp-load-probe@@';

export const LOAD_PROBE_SOURCE = String.raw`
$healer_root = isset($argv[1]) ? $argv[1] : '';
$healer_url = isset($argv[2]) ? $argv[2] : 'http://localhost/';
$healer_limit = isset($argv[3]) ? (int) $argv[3] : 20;
$healer_u = parse_url($healer_url);
if (!is_array($healer_u)) { $healer_u = array(); }
$healer_https = isset($healer_u['scheme']) && strtolower($healer_u['scheme']) === 'https';
$healer_host = isset($healer_u['host']) ? $healer_u['host'] : 'localhost';
$healer_port = isset($healer_u['port']) ? (int) $healer_u['port'] : ($healer_https ? 443 : 80);
$healer_path = isset($healer_u['path']) && $healer_u['path'] !== '' ? $healer_u['path'] : '/';
$healer_default_port = $healer_https ? 443 : 80;
$_SERVER['HTTP_HOST'] = $healer_host . ($healer_port === $healer_default_port ? '' : ':' . $healer_port);
$_SERVER['SERVER_NAME'] = $healer_host;
$_SERVER['SERVER_PORT'] = (string) $healer_port;
$_SERVER['REQUEST_URI'] = $healer_path;
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$_SERVER['REMOTE_ADDR'] = '127.0.0.1';
$_SERVER['HTTP_USER_AGENT'] = 'healer-load-probe';
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['PHP_SELF'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $healer_root . '/index.php';
if ($healer_https) { $_SERVER['HTTPS'] = 'on'; }
define('DISABLE_WP_CRON', true);
define('WP_DISABLE_FATAL_ERROR_HANDLER', true);
define('WP_USE_THEMES', true);
set_time_limit($healer_limit);
register_shutdown_function(function () {
  $e = error_get_last();
  $fatal_types = array(E_ERROR, E_PARSE, E_CORE_ERROR, E_COMPILE_ERROR, E_USER_ERROR, E_RECOVERABLE_ERROR);
  $fatal = ($e !== null && in_array($e['type'], $fatal_types, true)) ? $e : null;
  fwrite(STDOUT, "\n" . '@@healer-wp-load-probe@@' . json_encode(array('fatal' => $fatal, 'status' => http_response_code())) . "\n");
});
ob_start(function ($buffer) { return ''; });
chdir($healer_root);
require $healer_root . '/index.php';
`;
