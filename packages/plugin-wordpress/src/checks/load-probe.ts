/**
 * The load probe: when no log names a culprit, load the site's front page in
 * a PHP CLI process (as WP-CLI loads WordPress) and attribute the fatal error
 * it hits by WordPress's rule. See `php/load-probe-source.ts` for the script.
 * @internal
 */
import { parsePhpErrorLog, type PhpLogEntry } from '@healer/core';
import { wpMeta } from '../detect.js';
import { culpritOfEntry } from '../culprit.js';
import { LOAD_PROBE_MARK, LOAD_PROBE_SOURCE } from '../php/load-probe-source.js';
import type { Culprit } from '../types.js';
import type { WpCheckContext } from './shared.js';

/** The probe gives up after this long (PHP's time limit, and the command's). */
export const LOAD_PROBE_SECONDS = 15;

export interface LoadProbeResult {
  /** The probe ran to its end and said what happened (false: killed, timed out, PHP missing). */
  completed: boolean;
  /** The fatal error it hit, as a log entry, or null. */
  fatal: PhpLogEntry | null;
  culprit: Culprit | null;
  /** PHP's own report on stderr, cut. */
  stderr: string;
  durationMs: number;
  /** The address the page was loaded as. */
  url: string;
}

/** The argv of one probe (the code is a constant; the arguments are data in `$argv`). */
export function loadProbeCommand(php: string, root: string, url: string, seconds = LOAD_PROBE_SECONDS): string[] {
  return [php, '-d', 'display_errors=stderr', '-d', 'log_errors=0', '-d', 'html_errors=0', '-d', `max_execution_time=${seconds}`, '-r', LOAD_PROBE_SOURCE, '--', root, url, String(seconds)];
}

/** `[06-Dec-2026 02:40:00 UTC]`, the stamp PHP writes in its logs. */
function phpStamp(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `[${p(d.getUTCDate())}-${months[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC]`;
}

const LEVEL_LABEL: Record<number, string> = { 1: 'Fatal error', 4: 'Parse error', 16: 'Fatal error', 64: 'Fatal error', 256: 'Fatal error', 4096: 'Recoverable fatal error' };

/** Load the front page once per run and say which extension stops it, if any. */
export function runLoadProbe(ctx: WpCheckContext, url: string | null): Promise<LoadProbeResult> {
  const address = url ?? 'http://localhost/';
  return ctx.facts.get(`wordpress:load-probe:${ctx.app.root}:${address}`, async () => {
    const meta = wpMeta(ctx.app);
    const started = performance.now();
    const r = await ctx.exec.run([...(await dropRootPrefix(ctx)), ...loadProbeCommand(ctx.config.phpBinary, ctx.app.root, address)], {
      cwd: ctx.app.root,
      timeoutMs: (LOAD_PROBE_SECONDS + 5) * 1000,
      signal: ctx.signal,
    });
    const durationMs = Math.round(performance.now() - started);
    const stderr = r.stderr.slice(-8000);
    const at = r.stdout.lastIndexOf(LOAD_PROBE_MARK);
    if (at === -1) return { completed: false, fatal: null, culprit: null, stderr, durationMs, url: address };
    let answer: { fatal: { type: number; message: string; file: string; line: number } | null };
    try {
      answer = JSON.parse(r.stdout.slice(at + LOAD_PROBE_MARK.length).split('\n', 1)[0]!) as typeof answer;
    } catch {
      return { completed: false, fatal: null, culprit: null, stderr, durationMs, url: address };
    }
    if (!answer.fatal) return { completed: true, fatal: null, culprit: null, stderr, durationMs, url: address };
    const f = answer.fatal;
    // Written the way PHP logs it, so the log parser (stack frames included) reads it like any log entry.
    const raw = `${phpStamp(new Date())} PHP ${LEVEL_LABEL[f.type] ?? 'Fatal error'}:  ${f.message} in ${f.file} on line ${f.line}`;
    const fatal = parsePhpErrorLog(raw)[0] ?? null;
    return { completed: true, fatal, culprit: fatal ? culpritOfEntry(fatal, meta) : null, stderr, durationMs, url: address };
  });
}

/**
 * Run as the site's owner, never as root: a page load may write files
 * (caches, uploads), and files root leaves behind break the site later (the
 * reason WP-CLI refuses to run as root). When the commands run as root and
 * the site's folder belongs to another user, the probe is started through
 * `setpriv` as that user and group. @internal
 */
export async function dropRootPrefix(ctx: WpCheckContext): Promise<string[]> {
  const uid = await ctx.facts.get('wordpress:exec-uid', async () => {
    const r = await ctx.exec.run(['id', '-u'], { timeoutMs: 5000, signal: ctx.signal });
    return r.exitCode === 0 ? Number.parseInt(r.stdout.trim(), 10) : null;
  });
  if (uid !== 0) return [];
  const owner = await ctx.exec.stat(ctx.app.root);
  if (!owner || owner.uid === 0) return [];
  return ['setpriv', `--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--'];
}
