/** `nodejs/audit`: known vulnerabilities by `npm audit --json`, skipped when the registry does not answer. */
import { posix } from 'node:path';
import type { CheckResult } from '@healer/core';
import { nodeMeta } from '../detect.js';
import type { NodeCheck } from './shared.js';

export const AUDIT = 'nodejs/audit';
export const AUDIT_FIX = 'nodejs/audit-fix';

/** Counts by severity from `npm audit --json`. */
export interface AuditCounts {
  info: number;
  low: number;
  moderate: number;
  high: number;
  critical: number;
}

/** What `npm audit --json` printed: counts, or why there are none. */
export type AuditOutcome = { ok: true; counts: AuditCounts; packages: string[] } | { ok: false; reason: string };

/** Read `npm audit --json` output (npm 7+). */
export function parseNpmAudit(stdout: string, stderr: string): AuditOutcome {
  let parsed: { message?: string; error?: { code?: string; summary?: string }; metadata?: { vulnerabilities?: Partial<AuditCounts> }; vulnerabilities?: Record<string, unknown> };
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    return { ok: false, reason: `npm audit printed no JSON: ${(stderr || stdout).trim().split('\n')[0] ?? ''}` };
  }
  if (parsed.error) return { ok: false, reason: (parsed.message ?? parsed.error.summary ?? parsed.error.code ?? 'the audit endpoint returned an error').split('\n')[0]! };
  const v = parsed.metadata?.vulnerabilities;
  if (!v) return { ok: false, reason: 'npm audit printed no vulnerability counts' };
  const counts = { info: v.info ?? 0, low: v.low ?? 0, moderate: v.moderate ?? 0, high: v.high ?? 0, critical: v.critical ?? 0 };
  return { ok: true, counts, packages: Object.keys(parsed.vulnerabilities ?? {}).sort() };
}

export const auditCheck: NodeCheck = {
  id: AUDIT,
  title: 'No known vulnerabilities (npm audit)',
  category: 'security',
  severity: 'high',
  timeoutMs: 90_000,
  async run(ctx): Promise<CheckResult> {
    const meta = nodeMeta(ctx.app);
    if (meta.packageManager !== 'npm' || meta.lockfile !== 'package-lock.json') {
      return { status: 'skip', message: `npm audit needs a package-lock.json; this app uses ${meta.packageManager}${meta.lockfile ? ` (${meta.lockfile})` : ' without a lockfile'}.` };
    }
    if (!(await ctx.fs.exists(posix.join(ctx.app.root, 'package-lock.json')))) return { status: 'skip', message: 'package-lock.json is missing.' };
    const argv = ['npm', 'audit', '--json', ...(ctx.config.npmRegistry ? ['--registry', ctx.config.npmRegistry] : [])];
    const r = await ctx.exec.run(argv, { cwd: ctx.app.root, timeoutMs: 60_000, signal: ctx.signal, env: { npm_config_fetch_retries: '0', npm_config_update_notifier: 'false' } });
    if (r.timedOut) return { status: 'skip', message: 'npm audit did not finish within 60 s: the registry did not answer.' };
    const outcome = parseNpmAudit(r.stdout, r.stderr);
    if (!outcome.ok) return { status: 'skip', message: `npm audit could not ask the registry (${outcome.reason}): vulnerabilities were not checked.`, details: { reason: outcome.reason } };
    const { counts, packages } = outcome;
    const total = counts.info + counts.low + counts.moderate + counts.high + counts.critical;
    const details = { ...counts, packages: packages.slice(0, 50) };
    const summary = `${counts.critical} critical, ${counts.high} high, ${counts.moderate} moderate, ${counts.low} low`;
    if (counts.critical + counts.high > 0) return { status: 'fail', message: `npm audit: ${summary} (${packages.slice(0, 5).join(', ')}).`, details, fixes: [AUDIT_FIX] };
    if (total - counts.info > 0) return { status: 'warn', message: `npm audit: ${summary} (${packages.slice(0, 5).join(', ')}).`, details, fixes: [AUDIT_FIX] };
    return { status: 'pass', message: 'npm audit found no known vulnerabilities.', details };
  },
};
