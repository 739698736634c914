/**
 * PHP-FPM at run time: its master process, the age of its workers, and a
 * pool's status page (`pm.status_path`) asked over FastCGI directly (with
 * the target's PHP CLI, so it works over SSH and without the web server
 * exposing the page).
 */
import { type Executor, type FpmConfig, type FpmPool } from '@healer/core';

/** The master process of an FPM configuration. */
export interface FpmMaster {
  pid: number;
  /** The binary it runs (`/usr/sbin/php-fpm8.2`), null when unreadable. */
  binary: string | null;
}

const run = (exec: Executor, argv: string[]) => exec.run(argv, { timeoutMs: 5_000, maxOutputBytes: 4 * 1024 * 1024 }).catch(() => null);

async function alive(exec: Executor, pid: number): Promise<boolean> {
  const r = await run(exec, ['ps', '-o', 'args=', '-p', String(pid)]);
  return r?.exitCode === 0 && /php-fpm/.test(r.stdout);
}

/** The running master of `fpm` (by its pid file, else by `php-fpm: master process (<file>)`), or null. */
export async function fpmMaster(exec: Executor, fpm: FpmConfig): Promise<FpmMaster | null> {
  let pid: number | null = null;
  if (fpm.pidFile) {
    const text = await exec.readFile(fpm.pidFile, { maxBytes: 64 }).then((b) => new TextDecoder().decode(b), () => null);
    const n = Number(text?.trim());
    if (Number.isInteger(n) && n > 0 && (await alive(exec, n))) pid = n;
  }
  if (pid === null) {
    const ps = await run(exec, ['ps', '-eo', 'pid=,args=']);
    for (const line of ps?.stdout.split('\n') ?? []) {
      const m = /^\s*(\d+)\s+php-fpm: master process \((.*)\)\s*$/.exec(line);
      if (m && m[2] === fpm.file) pid = Number(m[1]);
    }
  }
  if (pid === null) return null;
  const exe = await run(exec, ['readlink', '-e', '--', `/proc/${pid}/exe`]);
  const binary = exe?.exitCode === 0 && exe.stdout.trim().startsWith('/') ? exe.stdout.trim() : null;
  return { pid, binary };
}

/** The host's clock and when the oldest worker of a master started (seconds since the epoch, host clock); null without workers. */
export async function oldestWorkerStart(exec: Executor, masterPid: number): Promise<{ now: number; oldest: number | null }> {
  // The clock and the ages in one command: read apart, a busy machine put a second between them.
  const r = await run(exec, ['sh', '-c', 'date +%s && ps --ppid "$1" -o etimes=', 'sh', String(masterPid)]);
  const [first = '', ...rest] = (r?.stdout ?? '').split('\n');
  const now = Number(first.trim());
  const ages = rest.filter((x) => x.trim() !== '').map((l) => Number(l.trim())).filter((n) => Number.isInteger(n) && n >= 0);
  return { now, oldest: ages.length > 0 ? now - Math.max(...ages) : null };
}

/** Newest modification time (seconds, host clock) among `files`, with the newest one; null when none can be read. */
export async function newestMtime(exec: Executor, files: string[]): Promise<{ file: string; mtime: number } | null> {
  if (files.length === 0) return null;
  const r = await run(exec, ['stat', '-L', '-c', '%Y %n', '--', ...files]);
  let best: { file: string; mtime: number } | null = null;
  for (const line of r?.stdout.split('\n') ?? []) {
    const m = /^(\d+) (.*)$/.exec(line);
    if (m && (!best || Number(m[1]) > best.mtime)) best = { file: m[2]!, mtime: Number(m[1]) };
  }
  return best;
}

/** The FastCGI client the PHP CLI runs: argv[1] the pool's `listen`, argv[2] the status path; prints the response. */
const FCGI_STATUS_CLIENT = String.raw`
$l = $argv[1]; $path = $argv[2];
$addr = $l[0] === '/' ? "unix://$l" : ('tcp://' . (ctype_digit($l) ? "127.0.0.1:$l" : $l));
$s = @stream_socket_client($addr, $en, $es, 5);
if (!$s) { fwrite(STDERR, "cannot connect to $addr: $es"); exit(3); }
stream_set_timeout($s, 5);
$rec = function ($t, $c) { return pack('CCnnCx', 1, $t, 1, strlen($c), 0) . $c; };
$len = function ($x) { $n = strlen($x); return $n < 128 ? chr($n) : pack('N', $n | 0x80000000); };
$params = '';
foreach (['SCRIPT_NAME' => $path, 'SCRIPT_FILENAME' => $path, 'REQUEST_URI' => "$path?json", 'QUERY_STRING' => 'json', 'REQUEST_METHOD' => 'GET', 'SERVER_PROTOCOL' => 'HTTP/1.1', 'GATEWAY_INTERFACE' => 'CGI/1.1'] as $k => $v) $params .= $len($k) . $len($v) . $k . $v;
fwrite($s, $rec(1, pack('nCx5', 1, 0)) . $rec(4, $params) . $rec(4, '') . $rec(5, ''));
$out = ''; $ended = false;
while (!feof($s)) {
  $h = fread($s, 8);
  if ($h === false || strlen($h) < 8) break;
  $r = unpack('Cv/Ct/nid/nlen/Cpad', $h);
  $need = $r['len'] + $r['pad']; $c = '';
  while (strlen($c) < $need && !feof($s)) { $part = fread($s, $need - strlen($c)); if ($part === false || $part === '') break; $c .= $part; }
  if ($r['t'] === 6) $out .= substr($c, 0, $r['len']);
  if ($r['t'] === 3) { $ended = true; break; }
}
if (!$ended) { fwrite(STDERR, "no complete answer from $addr (timed out?)"); exit(4); }
echo $out;
`;

/** A pool's status page, as FPM's `?json` gives it. */
export interface FpmStatus {
  pool: string;
  processManager: string;
  acceptedConn: number;
  listenQueue: number;
  maxListenQueue: number;
  idleProcesses: number;
  activeProcesses: number;
  totalProcesses: number;
  maxChildrenReached: number;
  slowRequests: number;
  /** When the pool (re)started, seconds since the epoch. */
  startTime: number;
}

/** Parse FPM's `?json` status answer (CGI headers, a blank line, JSON). @internal */
export function parseFpmStatus(response: string): FpmStatus | null {
  const body = response.includes('\r\n\r\n') ? response.slice(response.indexOf('\r\n\r\n') + 4) : response;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return null;
  }
  const n = (k: string): number => (typeof o[k] === 'number' ? (o[k] as number) : Number(o[k] ?? 0));
  if (typeof o['pool'] !== 'string') return null;
  return {
    pool: o['pool'],
    processManager: String(o['process manager'] ?? ''),
    acceptedConn: n('accepted conn'),
    listenQueue: n('listen queue'),
    maxListenQueue: n('max listen queue'),
    idleProcesses: n('idle processes'),
    activeProcesses: n('active processes'),
    totalProcesses: n('total processes'),
    maxChildrenReached: n('max children reached'),
    slowRequests: n('slow requests'),
    startTime: n('start time'),
  };
}

/** Ask a pool for its status over FastCGI; `{ error }` when it does not answer. */
export async function queryFpmStatus(exec: Executor, phpBinary: string, pool: FpmPool, signal?: AbortSignal): Promise<{ status: FpmStatus; raw: string } | { error: string }> {
  if (!pool.listen || !pool.statusPath) return { error: `pool ${pool.name} has no listen address or no pm.status_path` };
  const r = await exec.run([phpBinary, '-n', '-r', FCGI_STATUS_CLIENT, '--', pool.listen, pool.statusPath], { timeoutMs: 12_000, ...(signal ? { signal } : {}) });
  if (r.exitCode !== 0) return { error: (r.stderr.trim() || r.stdout.trim() || `exit ${r.exitCode}`).slice(0, 300) };
  const status = parseFpmStatus(r.stdout);
  return status ? { status, raw: r.stdout } : { error: `pool ${pool.name} answered ${pool.statusPath} with something that is not its status: ${r.stdout.slice(0, 200)}` };
}
