/** Human output of the listing commands: detect, discover, history, backups, plugins, breaker, recover. */
import type { BackupManifest, BreakerStatus, DetectionReport, DiscoveredApp, ExecutionSummary, PluginInfo, PruneBackupsResult, RecoveryReport } from '@healer/core';
import { paintStatus, type Colors } from './color.js';
import { formatTable } from './table.js';

const shortTime = (iso: string | null | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

export function detectLines(report: DetectionReport, colors: Colors): string[] {
  const lines: string[] = [];
  if (report.app) {
    const a = report.app;
    lines.push(`${colors.bold(`${a.stack}${a.version ? ` ${a.version}` : ''}`)} at ${a.root} ${colors.dim(`(plugin ${a.plugin}, confidence ${a.confidence.toFixed(2)}, app id ${a.id})`)}`);
    for (const e of a.evidence) lines.push(colors.dim(`  - ${e}`));
    if (report.nearTies.length) lines.push(colors.yellow(`Near-tie with: ${report.nearTies.join(', ')} (force one with --plugin)`));
  }
  const rows = report.candidates.map((c) => [c.plugin, c.detection ? c.detection.confidence.toFixed(2) : '-', c.detection?.stack ?? (c.error ? `error: ${c.error}` : 'not recognized')]);
  if (rows.length) lines.push('', ...formatTable(rows, { headers: ['PLUGIN', 'CONFIDENCE', 'STACK'].map((h) => colors.dim(h)), align: ['left', 'right'] }));
  return lines;
}

export function discoverLines(apps: readonly DiscoveredApp[], colors: Colors): string[] {
  if (apps.length === 0) return ['No application found.'];
  const rows = apps.map((d) => [
    d.path,
    d.app ? `${d.app.stack}${d.app.version ? ` ${d.app.version}` : ''}` : colors.dim('not recognized'),
    d.app?.plugin ?? '-',
    d.app ? d.app.confidence.toFixed(2) : '-',
    d.nearTies.join(', '),
  ]);
  return formatTable(rows, { headers: ['PATH', 'STACK', 'PLUGIN', 'CONFIDENCE', 'NEAR-TIES'].map((h) => colors.dim(h)), align: ['left', 'left', 'left', 'right'] });
}

export function historyLines(executions: readonly ExecutionSummary[], colors: Colors): string[] {
  if (executions.length === 0) return ['No executions recorded.'];
  const rows = executions.map((e) => [e.executionId, shortTime(e.startedAt), e.kind, paintStatus(colors, e.state), e.target.path, e.message]);
  return formatTable(rows, { headers: ['EXECUTION', 'STARTED', 'KIND', 'STATE', 'PATH', 'MESSAGE'].map((h) => colors.dim(h)), maxWidth: [undefined, undefined, undefined, undefined, 50, 80] });
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function backupLines(backups: readonly BackupManifest[], colors: Colors): string[] {
  if (backups.length === 0) return ['No backups recorded.'];
  const rows = backups.map((b) => {
    const size = b.files.reduce((n, f) => n + (f.size ?? 0), 0);
    return [b.id, shortTime(b.createdAt), shortTime(b.expiresAt), b.actionId, String(b.files.length), formatSize(size), b.dir];
  });
  return formatTable(rows, { headers: ['BACKUP', 'CREATED', 'EXPIRES', 'ACTION', 'FILES', 'SIZE', 'DIR'].map((h) => colors.dim(h)), align: ['left', 'left', 'left', 'left', 'right', 'right'] });
}

export function pruneLines(result: PruneBackupsResult, dryRun: boolean, colors: Colors): string[] {
  const verb = dryRun ? 'Would remove' : 'Removed';
  const lines = [`${verb} ${result.pruned.length} expired backup(s); ${result.kept} kept.`];
  if (result.pruned.length) lines.push(...formatTable(result.pruned.map((b) => [b.id, shortTime(b.expiresAt), b.dir]), { indent: '  ' }));
  for (const e of result.errors) lines.push(colors.red(`  ! ${e}`));
  return lines;
}

export function pluginLines(plugins: readonly PluginInfo[], colors: Colors): string[] {
  if (plugins.length === 0) return ['No plugins loaded. List them under "plugins" in the configuration file.'];
  const rows = plugins.map((p) => [p.name, p.version, p.enabled ? colors.green('enabled') : colors.dim('disabled'), p.stacks.join(', '), String(p.checks), String(p.actions), p.description ?? '']);
  return formatTable(rows, { headers: ['PLUGIN', 'VERSION', 'STATE', 'STACKS', 'CHECKS', 'ACTIONS', 'DESCRIPTION'].map((h) => colors.dim(h)), align: ['left', 'left', 'left', 'left', 'right', 'right'], maxWidth: [undefined, undefined, undefined, undefined, undefined, undefined, 70] });
}

export function breakerLines(status: BreakerStatus, path: string, colors: Colors): string[] {
  const d = status.decision;
  const lines = [`Circuit breaker of ${path} ${colors.dim(`(app id ${status.appId})`)}: ${paintStatus(colors, d.state)}, heals ${d.allowed ? colors.green('allowed') : colors.red('blocked')}`];
  if (d.reason) lines.push(`  ${d.reason}`);
  if (d.nextAttemptAt) lines.push(`  Next attempt allowed at ${d.nextAttemptAt}.`);
  if (status.app?.demotedTo) lines.push(colors.yellow(`  Mode demoted to ${status.app.demotedTo} after repeated failures (reset to restore it).`));
  const records = [...(status.app ? [status.app] : []), ...status.actions];
  if (records.length) {
    const rows = records.map((r) => [r.key, paintStatus(colors, r.state), String(r.attempts.length), String(r.consecutiveFailures), shortTime(r.openUntil)]);
    lines.push('', ...formatTable(rows, { headers: ['RECORD', 'STATE', 'ATTEMPTS', 'FAILURES', 'OPEN UNTIL'].map((h) => colors.dim(h)), align: ['left', 'left', 'right', 'right'] }));
  }
  return lines;
}

export function recoverLines(reports: readonly RecoveryReport[], colors: Colors): string[] {
  if (reports.length === 0) return ['Nothing to recover: no interrupted execution.'];
  return formatTable(reports.map((r) => [r.executionId, paintStatus(colors, r.state), r.message]), { headers: ['EXECUTION', 'STATE', 'MESSAGE'].map((h) => colors.dim(h)) });
}
