/**
 * MySQLTuner (Debian's `mysqltuner` package), run the way the benchmark and
 * the MySQL plugin's tests compare against it: non-interactive (RAM and swap
 * given, so it never asks), no network look-ups (its version check and the
 * external-IP probe are off by default and stay off), credentials through
 * the environment rather than argv.
 *
 * MySQLTuner 1.9.9 dies with `Illegal division by zero` in its InnoDB
 * section on MariaDB 10.5 and later (`innodb_buffer_pool_instances` is gone).
 * That is a result here (`outcome: 'division-by-zero'`), not an exception;
 * `skipSize` avoids it.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';

export interface MysqltunerOptions {
  /** Default 127.0.0.1. MySQLTuner connects over TCP to `host:port`. */
  host?: string;
  /**
   * Always passed: MariaDB's client connects over TCP as soon as it is given
   * a port, even with a socket, so a missing port would mean 3306.
   */
  port: number;
  user: string;
  password?: string;
  /** Used only without `host`: `-S socket -P port` (still TCP with MariaDB's client, see `port`). */
  socket?: string;
  /**
   * `json` (default): `--json`, whose report holds only the final
   * recommendations. `text`: the plain report, whose `[!!]` lines are also
   * returned as warnings, and which keeps what was printed before a crash.
   */
  format?: 'json' | 'text';
  /**
   * `--skippassword`: skip the whole security section (anonymous accounts,
   * empty passwords, `%` hosts, the weak-password dictionary). Default false.
   */
  skipPasswordChecks?: boolean;
  /**
   * `--passwordfile`: the weak-password dictionary, one a line. Its own list
   * has thousands, one query each: most of a run's time. A short file keeps
   * the security section and makes the run fast.
   */
  passwordFile?: string;
  /**
   * `--skipsize`: do not list tables and their sizes. Besides being faster,
   * this skips the InnoDB section where 1.9.9 divides by zero on MariaDB
   * 10.5+, so the report gets to its recommendations. Default false.
   */
  skipSize?: boolean;
  /** RAM to assume, in MiB (`--forcemem`). Default: this machine's. */
  memoryMb?: number;
  /** Swap to assume, in MiB (`--forceswap`). Default 0. */
  swapMb?: number;
  /** Default 120 s. */
  timeoutMs?: number;
}

export interface MysqltunerResult {
  /** `ok`: it finished its report; `division-by-zero`: Perl died dividing by zero; `failed`: any other failure. */
  outcome: 'ok' | 'division-by-zero' | 'failed';
  exitCode: number | null;
  /** Its general recommendations (`Recommendations` in the JSON report, "General recommendations" in text). */
  recommendations: string[];
  /** Its "variables to adjust", as printed: `innodb_log_file_size should be (=32M) if possible, ...`. */
  adjustments: string[];
  /** The server variables named in {@link adjustments}, each once, in order: `innodb_log_file_size`. */
  variables: string[];
  /** `[!!]` lines of the text report (empty with `json`, which does not carry them). */
  warnings: string[];
  /**
   * Why it failed: Perl's message, the end of its stderr, or (text format
   * only: with `--json` it prints nothing else) its last `[!!]` line; empty when `ok`.
   */
  error: string;
  /** MySQLTuner's own version, from its report or output. */
  version: string | null;
  /** Wall time of the run. */
  elapsedMs: number;
  /** The whole JSON report, when it printed one. */
  report: Record<string, unknown> | null;
}

/** Run `mysqltuner` once against a server and return its findings. */
export async function runMysqltuner(options: MysqltunerOptions): Promise<MysqltunerResult> {
  const format = options.format ?? 'json';
  const argv = [
    '--nocolor',
    ...(format === 'json' ? ['--json'] : []),
    ...(options.host !== undefined || options.socket === undefined ? ['--host', options.host ?? '127.0.0.1'] : ['--socket', options.socket]),
    '--port',
    String(options.port),
    '--userenv',
    'HEALER_MYSQLTUNER_USER',
    ...(options.password === undefined ? [] : ['--passenv', 'HEALER_MYSQLTUNER_PASS']),
    '--forcemem',
    String(options.memoryMb ?? Math.round(os.totalmem() / 1024 / 1024)),
    '--forceswap',
    String(options.swapMb ?? 0),
    ...(options.skipPasswordChecks === true ? ['--skippassword'] : []),
    ...(options.passwordFile === undefined ? [] : ['--passwordfile', options.passwordFile]),
    ...(options.skipSize === true ? ['--skipsize'] : []),
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, HEALER_MYSQLTUNER_USER: options.user };
  if (options.password !== undefined) env['HEALER_MYSQLTUNER_PASS'] = options.password;

  const started = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    execFile('mysqltuner', argv, { env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, out, errOut) => {
      if (err !== null && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error('mysqltuner is not installed (Debian package mysqltuner)', { cause: err }));
        return;
      }
      const exit = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code: exit, stdout: out, stderr: errOut });
    });
  });
  const elapsedMs = performance.now() - started;
  return { ...(format === 'json' ? parseJsonReport(stdout) : parseTextReport(stdout)), ...failureOf(code, stdout, stderr), exitCode: code, elapsedMs };
}

type Findings = Pick<MysqltunerResult, 'recommendations' | 'adjustments' | 'variables' | 'warnings' | 'version' | 'report'>;

function failureOf(code: number | null, stdout: string, stderr: string): Pick<MysqltunerResult, 'outcome' | 'error'> {
  const died = /^Illegal (?:division|modulus) by zero at .*$/m.exec(stderr);
  if (died !== null) return { outcome: 'division-by-zero', error: died[0].replace(/ \(#\d+\)$/, '') };
  if (code === 0) return { outcome: 'ok', error: '' };
  // Its own refusals (bad login, missing client) are printed as [!!] lines on stdout.
  const complaint = [...stdout.matchAll(/^\[!!\] (.*)$/gm)].map((m) => m[1]).at(-1);
  return { outcome: 'failed', error: (stderr.trim().split('\n').slice(-5).join('\n') || complaint) ?? `exit code ${code}` };
}

/** The JSON report: `Recommendations` and `AdjustVariables` arrays, `MySQLTuner.version`. */
export function parseJsonReport(stdout: string): Findings {
  let report: Record<string, unknown> | null = null;
  try {
    const start = stdout.indexOf('{');
    if (start >= 0) report = JSON.parse(stdout.slice(start)) as Record<string, unknown>;
  } catch {
    report = null;
  }
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  const recommendations = strings(report?.['Recommendations']);
  const adjustments = strings(report?.['AdjustVariables']);
  const tuner = report?.['MySQLTuner'] as { version?: unknown } | undefined;
  return {
    recommendations,
    adjustments,
    variables: variablesIn(adjustments),
    warnings: [],
    version: typeof tuner?.version === 'string' ? tuner.version : null,
    report,
  };
}

/** The text report: `[!!]` lines, then the "General recommendations" and "Variables to adjust" lists at its end. */
export function parseTextReport(stdout: string): Findings {
  const lines = stdout.split('\n');
  const warnings = lines.filter((l) => l.startsWith('[!!] ')).map((l) => l.slice(5).trim());
  const recommendations: string[] = [];
  const adjustments: string[] = [];
  let list: string[] | null = null;
  for (const line of lines) {
    if (/^General recommendations:/.test(line)) list = recommendations;
    else if (/^Variables to adjust:/.test(line)) list = adjustments;
    else if (list !== null && /^ {4}\S/.test(line)) list.push(line.trim());
    else if (list !== null && !/^\s+\*\*\*/.test(line)) list = null;
  }
  const version = /MySQLTuner (\d+\.\d+\.\d+)/.exec(stdout)?.[1] ?? null;
  return { recommendations, adjustments, variables: variablesIn(adjustments), warnings, version, report: null };
}

/**
 * Variable names in the adjustments, with `_` (`join_buffer_size (> 256.0K,
 * ...)`, `skip-name-resolve=1` gives `skip_name_resolve`), each once.
 */
function variablesIn(adjustments: string[]): string[] {
  const names = adjustments.flatMap((a) => (a.match(/\b[a-z][a-z0-9]*(?:[_-][a-z0-9]+)+\b/g) ?? []).map((n) => n.replace(/-/g, '_')));
  return [...new Set(names)];
}
