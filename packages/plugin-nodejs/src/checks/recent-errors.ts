/** `nodejs/recent-errors`: errors with stack traces in the configured log files since `ctx.since`. */
import { errorLocation } from '@healer/core';
import { recentNodeErrors, sinceOf } from './logs.js';
import type { NodeCheck } from './shared.js';

export const RECENT_ERRORS = 'nodejs/recent-errors';

export const recentErrorsCheck: NodeCheck = {
  id: RECENT_ERRORS,
  title: 'No recent errors in the logs',
  category: 'availability',
  severity: 'medium',
  timeoutMs: 30_000,
  async run(ctx) {
    if (ctx.config.logFiles.length === 0) return { status: 'skip', message: 'No log files are configured (logFiles).' };
    const since = sinceOf(ctx);
    const errors = await recentNodeErrors(ctx, since);
    if (errors.length === 0) return { status: 'pass', message: `No errors in ${ctx.config.logFiles.length} log file(s) since ${since.toISOString()}.` };
    const described = errors.map(({ file, report }) => {
      const location = errorLocation(report, ctx.app.root);
      const where = location ? ` at ${location.file}:${location.line}` : '';
      return { file, name: report.name, code: report.code ?? null, message: report.message.split('\n')[0]!, where, source: location?.source ?? null };
    });
    const first = described[0]!;
    return {
      status: 'fail',
      message: `${errors.length} error${errors.length === 1 ? '' : 's'} in the logs since ${since.toISOString()}; first: ${first.name}: ${first.message}${first.where}.`,
      details: { count: errors.length, errors: described.slice(0, 20) },
      evidence: described.slice(0, 10).map((d) => `${d.file}: ${d.name}${d.code ? ` [${d.code}]` : ''}: ${d.message}${d.where}${d.source ? ` (${d.source})` : ''}`),
    };
  },
};
