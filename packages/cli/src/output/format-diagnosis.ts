/** `healer diagnose`: the JSON document and the human table. */
import type { CheckStatus, Diagnosis } from '@healer/core';
import { paintStatus, type Colors } from './color.js';
import { formatTable } from './table.js';

/**
 * The diagnose JSON: the core Diagnosis, which holds `{ target, app: { stack,
 * version, confidence, plugin, ... }, status, healthScore, results: [{ id,
 * title, category, severity, status, message, details, fixes, durationMs,
 * ... }], durationMs }` plus `startedAt`, `app.id`, `app.root` and each
 * result's `evidence`.
 */
export function diagnosisJson(diagnosis: Diagnosis): Diagnosis {
  return diagnosis;
}

/** `0 ms`, `12 ms`, `1.4 s`. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

const STATUS_ORDER: Record<CheckStatus, number> = { error: 0, fail: 1, warn: 2, pass: 3, skip: 4 };

export function appLine(app: Diagnosis['app'], colors: Colors): string {
  const version = app.version ? ` ${app.version}` : '';
  return `${colors.bold(`${app.stack}${version}`)} at ${app.root} ${colors.dim(`(plugin ${app.plugin}, confidence ${app.confidence.toFixed(2)})`)}`;
}

export function diagnosisLines(d: Diagnosis, colors: Colors, options: { verbose?: boolean } = {}): string[] {
  const results = [...d.results].sort((a, b) => (STATUS_ORDER[a.status] ?? 9) - (STATUS_ORDER[b.status] ?? 9) || a.id.localeCompare(b.id));
  const rows = results.map((r) => [paintStatus(colors, r.status), r.id, r.severity, formatMs(r.durationMs), r.message]);
  const lines = [
    appLine(d.app, colors),
    '',
    ...formatTable(rows, {
      headers: ['STATUS', 'CHECK', 'SEVERITY', 'TIME', 'MESSAGE'].map((h) => colors.dim(h)),
      align: ['left', 'left', 'left', 'right', 'left'],
      maxWidth: [undefined, undefined, undefined, undefined, options.verbose ? undefined : 100],
    }),
  ];
  if (options.verbose) {
    for (const r of results.filter((x) => x.evidence.length > 0 && x.status !== 'pass')) {
      lines.push('', `${r.id}:`, ...r.evidence.map((e) => `  ${e}`));
    }
  }
  lines.push('', `Status ${colors.bold(paintStatus(colors, d.status.toUpperCase()))}, health ${d.healthScore}/100, ${d.results.length} ${d.results.length === 1 ? 'check' : 'checks'} in ${formatMs(d.durationMs)}.`);
  const fixable = d.results.filter((r) => r.fixes.length > 0 && (r.status === 'fail' || r.status === 'warn'));
  if (fixable.length > 0) lines.push(colors.dim(`Actions can address ${fixable.map((r) => r.id).join(', ')}: see \`healer plan\`.`));
  return lines;
}
