/** Reading the app's configured log files since a moment. */
import { readLastLines, readLogSince, type NodeErrorReport, parseNodeStack } from '@healer/core';
import { appPath, type NodeCheckContext } from './shared.js';

/** How far back the log checks look without `ctx.since`: one hour. */
export const DEFAULT_LOG_WINDOW_MS = 60 * 60 * 1000;

const ISO_RE = /^(?:\d+\|[^|]*\| ?)?\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)/;

/** The timestamp at the start of a log line (ISO 8601, as pm2 `--time`, docker and most loggers write it), or null. */
export function parseNodeLogTime(line: string): Date | null {
  const m = ISO_RE.exec(line);
  if (!m) return null;
  const t = new Date(m[1]!.replace(' ', 'T'));
  return Number.isNaN(t.getTime()) ? null : t;
}

/** Lines read from the end of a log whose lines carry no timestamps. */
export const UNSTAMPED_TAIL_LINES = 500;

/**
 * Each configured log's text since `since`. A log without timestamps (plain
 * `node app.js >> app.log`) cannot be cut at `since`: its last
 * {@link UNSTAMPED_TAIL_LINES} lines count when the file changed since then.
 */
export async function readAppLogs(ctx: NodeCheckContext, since: Date): Promise<Array<{ file: string; text: string; truncated: boolean }>> {
  const out: Array<{ file: string; text: string; truncated: boolean }> = [];
  for (const configured of ctx.config.logFiles) {
    const file = appPath(ctx.app, configured);
    const tail = await readLogSince(ctx.exec, file, since, parseNodeLogTime, { maxBytes: 2 * 1024 * 1024, signal: ctx.signal });
    if (tail.text === '' && tail.fileSize > 0) {
      const st = await ctx.fs.stat(file);
      if (st && st.mtimeMs >= since.getTime()) {
        const lines = await readLastLines(ctx.exec, file, UNSTAMPED_TAIL_LINES, { signal: ctx.signal });
        if (!lines.some((l) => parseNodeLogTime(l) !== null)) {
          out.push({ file, text: lines.join('\n'), truncated: false });
          continue;
        }
      }
    }
    out.push({ file, text: tail.text, truncated: tail.truncated });
  }
  return out;
}

/** The Node errors in the configured logs since `since`. */
export async function recentNodeErrors(ctx: NodeCheckContext, since: Date): Promise<Array<{ file: string; report: NodeErrorReport }>> {
  const logs = await readAppLogs(ctx, since);
  return logs.flatMap(({ file, text }) => parseNodeStack(text).map((report) => ({ file, report })));
}

export function sinceOf(ctx: Pick<NodeCheckContext, 'since'>): Date {
  return ctx.since ?? new Date(Date.now() - DEFAULT_LOG_WINDOW_MS);
}
