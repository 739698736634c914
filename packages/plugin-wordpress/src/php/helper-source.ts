/**
 * The PHP helper: a constant script run as `php -r <HELPER_SOURCE> -- <op> <json-args>`
 * with the site root as the working directory. Arguments arrive in `$argv`,
 * never spliced into the code.
 *
 * It loads WordPress with `SHORTINIT` (the database layer only: no plugin,
 * no theme, no object-cache or advanced-cache drop-in, no maintenance page,
 * no fatal-error handler), so an extension that fatals on load cannot stop
 * it. The answer is one line of JSON after {@link HELPER_MARK} on stdout:
 * `{"ok":true,"result":...}` or `{"ok":false,"error":{"code","message","errno"?}}`.
 * Error codes: `db_connect` (errno from mysqli), `bootstrap` (WordPress died
 * or fataled before the operation), `query` (an SQL error), `bad_request`,
 * `failed` (the operation threw).
 * @internal
 */

/** Marks the helper's answer in stdout (anything WordPress printed before it is ignored). */
export const HELPER_MARK = '@@healer-wp-helper@@';

/** Operations the helper knows. */
export type HelperOp =
  | 'connect'
  | 'get-option'
  | 'update-option'
  | 'delete-option'
  | 'get-network-option'
  | 'update-network-option'
  | 'active-plugins'
  | 'deactivate-plugins'
  | 'theme'
  | 'switch-theme'
  | 'check-tables'
  | 'repair-tables'
  | 'autoload-size'
  | 'cron-events';

export const HELPER_SOURCE = String.raw`
$healer_op = isset($argv[1]) ? $argv[1] : '';
$healer_args = json_decode(isset($argv[2]) ? $argv[2] : '{}', true);
if (!is_array($healer_args)) { $healer_args = array(); }
$GLOBALS['healer_done'] = false;

function healer_emit($data) {
  while (ob_get_level() > 0) { ob_end_clean(); }
  $json = json_encode($data, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE | JSON_PARTIAL_OUTPUT_ON_ERROR);
  echo "\n" . '${HELPER_MARK}' . $json . "\n";
  $GLOBALS['healer_done'] = true;
}

class Healer_Helper_Error extends Exception {
  public $healer_code;
  public $healer_errno;
  public function __construct($code, $message, $errno = null) {
    parent::__construct($message);
    $this->healer_code = $code;
    $this->healer_errno = $errno;
  }
}

function healer_false() { return false; }

// WordPress ends a failed connection with wp_die(): report it from here instead.
register_shutdown_function(function () {
  if ($GLOBALS['healer_done']) { return; }
  global $wpdb;
  $last = error_get_last();
  $printed = '';
  while (ob_get_level() > 0) { $printed .= ob_get_clean(); }
  if (isset($wpdb) && is_object($wpdb) && empty($wpdb->ready)) {
    $errno = mysqli_connect_errno();
    $message = mysqli_connect_error();
    if (!$errno && isset($wpdb->dbh) && $wpdb->dbh instanceof mysqli) {
      try { $errno = mysqli_errno($wpdb->dbh); $message = mysqli_error($wpdb->dbh); } catch (Throwable $e) { }
    }
    if ($errno) {
      healer_emit(array('ok' => false, 'error' => array('code' => 'db_connect', 'errno' => $errno, 'message' => (string) $message)));
      return;
    }
  }
  $fatal = $last && in_array($last['type'], array(E_ERROR, E_PARSE, E_CORE_ERROR, E_COMPILE_ERROR, E_USER_ERROR, E_RECOVERABLE_ERROR), true);
  $text = trim(preg_replace('/\s+/', ' ', strip_tags($printed)));
  $message = $fatal ? $last['message'] . ' in ' . $last['file'] . ' on line ' . $last['line'] : ($text !== '' ? substr($text, 0, 2000) : 'WordPress stopped before the operation ran.');
  healer_emit(array('ok' => false, 'error' => array('code' => 'bootstrap', 'message' => $message)));
});

ob_start();
$_SERVER['HTTP_HOST'] = isset($healer_args['host']) && is_string($healer_args['host']) ? $healer_args['host'] : 'localhost';
$_SERVER['SERVER_NAME'] = $_SERVER['HTTP_HOST'];
$_SERVER['REQUEST_URI'] = isset($healer_args['path']) && is_string($healer_args['path']) ? $healer_args['path'] : '/';
$_SERVER['REQUEST_METHOD'] = 'GET';
$healer_off = array(array('function' => 'healer_false', 'accepted_args' => 0));
$GLOBALS['wp_filter'] = array(
  'enable_loading_object_cache_dropin' => array(10 => $healer_off),
  'enable_loading_advanced_cache_dropin' => array(10 => $healer_off),
  'enable_maintenance_mode' => array(10 => $healer_off),
  'enable_wp_debug_mode_checks' => array(10 => $healer_off),
  'wp_fatal_error_handler_enabled' => array(10 => $healer_off),
);
define('SHORTINIT', true);
require getcwd() . '/wp-load.php';

function healer_sql_error() {
  global $wpdb;
  $errno = ($wpdb->dbh instanceof mysqli) ? mysqli_errno($wpdb->dbh) : null;
  return new Healer_Helper_Error('query', $wpdb->last_error !== '' ? $wpdb->last_error : 'The query failed.', $errno);
}

function healer_get_raw($name) {
  global $wpdb;
  $wpdb->last_error = '';
  // get_row, not get_var: get_var turns an empty value into null.
  $row = $wpdb->get_row($wpdb->prepare("SELECT option_value FROM {$wpdb->options} WHERE option_name = %s LIMIT 1", $name), ARRAY_N);
  if ($wpdb->last_error !== '') { throw healer_sql_error(); }
  return $row === null ? null : (string) $row[0];
}

// maybe_unserialize(), without instantiating classes.
function healer_unserialize($value) {
  if (is_string($value) && is_serialized($value)) { return @unserialize(trim($value), array('allowed_classes' => false)); }
  return $value;
}

// update_option() without hooks or caches: insert with autoload 'yes', or change the value only.
function healer_put_raw($name, $serialized) {
  global $wpdb;
  $sql = $wpdb->prepare("INSERT INTO {$wpdb->options} (option_name, option_value, autoload) VALUES (%s, %s, 'yes') ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)", $name, $serialized);
  if ($wpdb->query($sql) === false) { throw healer_sql_error(); }
}

function healer_network_id() {
  return defined('SITE_ID_CURRENT_SITE') ? (int) SITE_ID_CURRENT_SITE : 1;
}

function healer_sitemeta_get($key) {
  global $wpdb;
  $wpdb->last_error = '';
  $row = $wpdb->get_row($wpdb->prepare("SELECT meta_value FROM {$wpdb->sitemeta} WHERE meta_key = %s AND site_id = %d LIMIT 1", $key, healer_network_id()), ARRAY_N);
  if ($wpdb->last_error !== '') { throw healer_sql_error(); }
  return $row === null ? null : (string) $row[0];
}

function healer_sitemeta_put($key, $serialized) {
  global $wpdb;
  // sitemeta has no unique key on (site_id, meta_key): update, or add when absent (update_network_option()).
  if (healer_sitemeta_get($key) === null) {
    $sql = $wpdb->prepare("INSERT INTO {$wpdb->sitemeta} (site_id, meta_key, meta_value) VALUES (%d, %s, %s)", healer_network_id(), $key, $serialized);
  } else {
    $sql = $wpdb->prepare("UPDATE {$wpdb->sitemeta} SET meta_value = %s WHERE meta_key = %s AND site_id = %d", $serialized, $key, healer_network_id());
  }
  if ($wpdb->query($sql) === false) { throw healer_sql_error(); }
}

function healer_site_plugins() {
  $site = healer_unserialize(healer_get_raw('active_plugins'));
  return is_array($site) ? $site : array();
}

function healer_network_plugins() {
  if (!is_multisite()) { return array(); }
  $net = healer_unserialize(healer_sitemeta_get('active_sitewide_plugins'));
  return is_array($net) ? $net : array();
}

function healer_active_plugins() {
  $out = array();
  foreach (healer_site_plugins() as $file) { if (is_string($file)) { $out[] = $file; } }
  foreach (array_keys(healer_network_plugins()) as $file) { $out[] = (string) $file; }
  return array_values(array_unique($out));
}

function healer_slug($value) {
  if (!is_string($value) || $value === '' || $value === '.' || $value === '..' || preg_match('#[/\\\\\x00]#', $value)) {
    throw new Healer_Helper_Error('bad_request', 'Not a theme folder name: ' . json_encode($value));
  }
  return $value;
}

function healer_prefix_tables() {
  global $wpdb;
  $tables = $wpdb->get_col($wpdb->prepare('SHOW TABLES LIKE %s', $wpdb->esc_like($wpdb->base_prefix) . '%'));
  if ($wpdb->last_error !== '') { throw healer_sql_error(); }
  sort($tables, SORT_STRING);
  return $tables;
}

// Rows of CHECK/REPAIR TABLE grouped by table (without the database name).
function healer_table_rows($statement, $tables) {
  global $wpdb;
  if (count($tables) === 0) { return array(); }
  $bt = chr(96);
  $quoted = array();
  foreach ($tables as $t) { $quoted[] = $bt . str_replace($bt, $bt . $bt, $t) . $bt; }
  $wpdb->last_error = '';
  $rows = $wpdb->get_results($statement . ' ' . implode(', ', $quoted), ARRAY_N);
  if ($wpdb->last_error !== '') { throw healer_sql_error(); }
  $by = array();
  foreach ((array) $rows as $row) {
    $name = (string) $row[0];
    $prefix = DB_NAME . '.';
    if (strpos($name, $prefix) === 0) { $name = substr($name, strlen($prefix)); }
    $by[$name][] = array('type' => strtolower((string) $row[2]), 'text' => (string) $row[3]);
  }
  return $by;
}

function healer_rows_ok($rows) {
  $ok = false;
  foreach ($rows as $r) {
    if ($r['type'] === 'error') { return false; }
    if ($r['type'] === 'status' && ($r['text'] === 'OK' || $r['text'] === 'Table is already up to date')) { $ok = true; }
  }
  return $ok;
}

function healer_rows_message($rows, $problems_only) {
  $texts = array();
  foreach ($rows as $r) { if (!$problems_only || $r['type'] !== 'status') { $texts[] = $r['text']; } }
  if (count($texts) === 0) { foreach ($rows as $r) { $texts[] = $r['text']; } }
  return implode('; ', $texts);
}

function healer_run($op, $args) {
  global $wpdb;
  switch ($op) {
    case 'connect':
      return true;
    case 'get-option':
      $raw = healer_get_raw((string) $args['name']);
      return $raw === null ? array('exists' => false, 'value' => null) : array('exists' => true, 'value' => healer_unserialize($raw));
    case 'update-option':
      healer_put_raw((string) $args['name'], maybe_serialize(isset($args['value']) ? $args['value'] : null));
      return true;
    case 'delete-option':
      if ($wpdb->query($wpdb->prepare("DELETE FROM {$wpdb->options} WHERE option_name = %s", (string) $args['name'])) === false) { throw healer_sql_error(); }
      return true;
    case 'get-network-option':
      $raw = is_multisite() ? healer_sitemeta_get((string) $args['name']) : healer_get_raw((string) $args['name']);
      return $raw === null ? array('exists' => false, 'value' => null) : array('exists' => true, 'value' => healer_unserialize($raw));
    case 'update-network-option':
      $serialized = maybe_serialize(isset($args['value']) ? $args['value'] : null);
      if (is_multisite()) { healer_sitemeta_put((string) $args['name'], $serialized); } else { healer_put_raw((string) $args['name'], $serialized); }
      return true;
    case 'active-plugins':
      return healer_active_plugins();
    case 'deactivate-plugins':
      $before = healer_active_plugins();
      $files = array_map('strval', (array) $args['files']);
      $site = healer_site_plugins();
      $kept = array();
      foreach ($site as $file) { if (!in_array($file, $files, true)) { $kept[] = $file; } }
      if (count($kept) !== count($site)) { healer_put_raw('active_plugins', serialize($kept)); }
      if (is_multisite()) {
        $net = healer_network_plugins();
        $changed = false;
        foreach ($files as $file) { if (array_key_exists($file, $net)) { unset($net[$file]); $changed = true; } }
        if ($changed) { healer_sitemeta_put('active_sitewide_plugins', serialize($net)); }
      }
      return $before;
    case 'theme':
      $template = healer_unserialize(healer_get_raw('template'));
      $stylesheet = healer_unserialize(healer_get_raw('stylesheet'));
      return array('template' => is_string($template) ? $template : '', 'stylesheet' => is_string($stylesheet) ? $stylesheet : '');
    case 'switch-theme':
      $template = healer_slug(isset($args['template']) ? $args['template'] : null);
      $stylesheet = healer_slug(isset($args['stylesheet']) ? $args['stylesheet'] : null);
      $headers = get_file_data(WP_CONTENT_DIR . '/themes/' . $stylesheet . '/style.css', array('Name' => 'Theme Name'));
      healer_put_raw('template', $template);
      healer_put_raw('stylesheet', $stylesheet);
      healer_put_raw('current_theme', $headers['Name'] !== '' ? $headers['Name'] : $stylesheet);
      return true;
    case 'check-tables':
      $out = array();
      $tables = healer_prefix_tables();
      if (isset($args['tables'])) { $tables = array_values(array_intersect($tables, array_map('strval', (array) $args['tables']))); }
      foreach (healer_table_rows('CHECK TABLE', $tables) as $table => $rows) {
        if (!healer_rows_ok($rows)) { $out[] = array('table' => (string) $table, 'message' => healer_rows_message($rows, true)); }
      }
      return $out;
    case 'repair-tables':
      $known = healer_prefix_tables();
      $asked = array_map('strval', (array) $args['tables']);
      $rows = healer_table_rows('REPAIR TABLE', array_values(array_intersect($known, $asked)));
      $out = array();
      foreach ($asked as $table) {
        if (!in_array($table, $known, true)) { $out[] = array('table' => $table, 'ok' => false, 'message' => 'Not a table of this site.'); continue; }
        $r = isset($rows[$table]) ? $rows[$table] : array();
        $out[] = array('table' => $table, 'ok' => healer_rows_ok($r), 'message' => healer_rows_message($r, false));
      }
      return $out;
    case 'autoload-size':
      $where = "autoload IN ('yes', 'on', 'auto-on', 'auto')";
      $wpdb->last_error = '';
      $bytes = $wpdb->get_var("SELECT COALESCE(SUM(LENGTH(option_value)), 0) FROM {$wpdb->options} WHERE $where");
      $largest = $wpdb->get_results("SELECT option_name, LENGTH(option_value) AS bytes FROM {$wpdb->options} WHERE $where ORDER BY bytes DESC, option_name ASC LIMIT 10", ARRAY_A);
      if ($wpdb->last_error !== '') { throw healer_sql_error(); }
      $list = array();
      foreach ((array) $largest as $row) { $list[] = array('name' => (string) $row['option_name'], 'bytes' => (int) $row['bytes']); }
      return array('bytes' => (int) $bytes, 'largest' => $list);
    case 'cron-events':
      $cron = healer_unserialize(healer_get_raw('cron'));
      $out = array();
      if (is_array($cron)) {
        foreach ($cron as $ts => $hooks) {
          if (!is_int($ts) || !is_array($hooks)) { continue; }
          foreach ($hooks as $hook => $events) {
            if (!is_array($events)) { continue; }
            foreach ($events as $event) {
              $a = is_array($event) && isset($event['args']) ? $event['args'] : array();
              $out[] = array('hook' => (string) $hook, 'timestamp' => $ts, 'args' => json_encode($a, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE | JSON_PARTIAL_OUTPUT_ON_ERROR));
            }
          }
        }
      }
      usort($out, function ($a, $b) {
        if ($a['timestamp'] !== $b['timestamp']) { return $a['timestamp'] < $b['timestamp'] ? -1 : 1; }
        $c = strcmp($a['hook'], $b['hook']);
        return $c !== 0 ? $c : strcmp($a['args'], $b['args']);
      });
      return $out;
  }
  throw new Healer_Helper_Error('bad_request', 'Unknown operation: ' . $op);
}

try {
  healer_emit(array('ok' => true, 'result' => healer_run($healer_op, $healer_args)));
} catch (Healer_Helper_Error $e) {
  healer_emit(array('ok' => false, 'error' => array('code' => $e->healer_code, 'message' => $e->getMessage(), 'errno' => $e->healer_errno)));
} catch (Throwable $e) {
  healer_emit(array('ok' => false, 'error' => array('code' => 'failed', 'message' => get_class($e) . ': ' . $e->getMessage())));
}
`;
