/**
 * `laravel/queue-workers`: workers (`artisan queue:work` / `queue:listen` /
 * `horizon`) run for the app when its queue is not synchronous, and none
 * started before the last change to `.env` or the cached config (they run
 * the old code and values until `queue:restart`).
 * `laravel/queue-timeout`: a worker's `--timeout` below the `retry_after`
 * of its connection; otherwise a job still running is handed to a second
 * worker and runs twice.
 */
import { posix } from 'node:path';
import { loadedConfig, type ProbeConfig } from '../probe.js';
import { ACTION, CHECK } from './ids.js';
import { age, plural, skip, type LaravelCheck, type LaravelCheckContext } from './shared.js';

/** A queue worker of the app. */
export interface QueueWorker {
  pid: number;
  command: string;
  kind: 'work' | 'listen' | 'horizon';
  /** The connection it works (its first argument), else the default one. */
  connection: string | null;
  /** `--timeout`, default 60 (Laravel's). */
  timeout: number;
  /** Seconds since it started. */
  elapsedSeconds: number | null;
}

/** A worker's fields from its command line, or null when it is not a queue worker. */
export function parseWorkerCommand(command: string): Omit<QueueWorker, 'pid' | 'elapsedSeconds'> | null {
  // PHP itself running artisan (`php artisan queue:work`, `/usr/bin/php8.2 /var/www/app/artisan horizon`), not a shell loop around it.
  const m = /^\S*\bphp[\d.]*\s+(?:-\S+\s+)*\S*\bartisan\s+(queue:work|queue:listen|horizon)(?:\s|$)(.*)$/.exec(command);
  if (!m) return null;
  const kind = m[1] === 'queue:work' ? 'work' : m[1] === 'queue:listen' ? 'listen' : 'horizon';
  const args = m[2]!.trim().split(/\s+/).filter(Boolean);
  const connection = args.find((a) => !a.startsWith('-')) ?? null;
  let timeout = 60;
  for (let i = 0; i < args.length; i++) {
    const t = /^--timeout(?:=(\d+))?$/.exec(args[i]!);
    if (t) timeout = Number(t[1] ?? args[i + 1]);
  }
  return { command, kind, connection, timeout: Number.isFinite(timeout) ? timeout : 60 };
}

/** The app's queue workers: artisan processes whose working folder is the app root (or that name its artisan). */
export async function queueWorkers(ctx: LaravelCheckContext): Promise<QueueWorker[]> {
  return ctx.facts.get(`laravel:queue-workers:${ctx.app.root}`, async () => {
    const candidates = (await ctx.facts.processes()).flatMap((p) => {
      const parsed = parseWorkerCommand(p.command);
      return parsed ? [{ ...parsed, pid: p.pid }] : [];
    });
    if (candidates.length === 0) return [];
    const r = await ctx.exec.run(
      { script: 'for p in "$@"; do printf "%s\\t%s\\t%s\\n" "$p" "$(readlink "/proc/$p/cwd" 2>/dev/null)" "$(ps -o etimes= -p "$p" 2>/dev/null | tr -d " ")"; done', args: candidates.map((c) => String(c.pid)) },
      { signal: ctx.signal },
    );
    const info = new Map(r.stdout.split('\n').filter(Boolean).map((l) => {
      const [pid, cwd, elapsed] = l.split('\t');
      return [Number(pid), { cwd: cwd ?? '', elapsed: elapsed ? Number(elapsed) : null }] as const;
    }));
    const artisan = posix.join(ctx.app.root, 'artisan');
    return candidates
      .filter((c) => info.get(c.pid)?.cwd === ctx.app.root || c.command.includes(artisan))
      .map((c) => ({ ...c, elapsedSeconds: info.get(c.pid)?.elapsed ?? null }));
  });
}

function needsWorkers(ctx: LaravelCheckContext, config: ProbeConfig): boolean {
  if (ctx.config.queueWorkers !== 'auto') return ctx.config.queueWorkers === 'always';
  const driver = config.queue.connections[config.queue.default ?? '']?.driver ?? null;
  return driver !== null && driver !== 'sync' && driver !== 'null';
}

export const queueWorkersCheck: LaravelCheck = {
  id: CHECK.queueWorkers,
  title: 'Queue workers run, on the current configuration',
  category: 'availability',
  severity: 'high',
  timeoutMs: 60_000,
  async run(ctx) {
    if (ctx.config.queueWorkers === 'never') return skip('The configuration says the app queues nothing (queueWorkers: never).');
    const config = await loadedConfig(ctx);
    const workers = await queueWorkers(ctx);
    const connection = config.queue.default;
    const driver = config.queue.connections[connection ?? '']?.driver ?? null;
    if (!needsWorkers(ctx, config)) return { status: 'pass', message: `The default queue connection "${connection}" runs jobs without workers (${driver}).`, details: { connection, driver, workers: workers.length } };
    const details = { connection, driver, workers: workers.map((w) => ({ pid: w.pid, kind: w.kind, connection: w.connection ?? connection, timeout: w.timeout, elapsedSeconds: w.elapsedSeconds })) };
    if (workers.length === 0) {
      return { status: 'fail', message: `No queue worker runs for the app (connection "${connection}", ${driver}): queued jobs wait forever. Run php artisan queue:work under a supervisor (systemd, supervisord).`, details };
    }
    // The newest of what the workers loaded at start: .env and the cached config.
    let changed = 0;
    let changedFile = '';
    for (const f of ['.env', 'bootstrap/cache/config.php']) {
      const st = await ctx.fs.stat(posix.join(ctx.app.root, f), { followSymlinks: true });
      if (st && st.mtimeMs > changed) {
        changed = st.mtimeMs;
        changedFile = f;
      }
    }
    const now = Date.now();
    const stale = workers.filter((w) => w.elapsedSeconds !== null && now - w.elapsedSeconds * 1000 < changed - 1000);
    if (stale.length > 0) {
      return {
        status: 'warn',
        message: `${plural(stale.length, 'queue worker')} started before ${changedFile} last changed (${age(now - changed)} ago): ${stale.length === 1 ? 'it runs' : 'they run'} the old configuration until php artisan queue:restart.`,
        details: { ...details, stale: stale.map((w) => w.pid), changedFile },
        evidence: stale.map((w) => `pid ${w.pid}: ${w.command}`),
        fixes: [ACTION.queueRestart],
      };
    }
    return { status: 'pass', message: `${plural(workers.length, 'queue worker')} run${workers.length === 1 ? 's' : ''} for the app.`, details };
  },
};

export const queueTimeoutCheck: LaravelCheck = {
  id: CHECK.queueTimeout,
  title: "Workers' timeout is below the queue's retry_after",
  category: 'configuration',
  severity: 'high',
  timeoutMs: 60_000,
  async run(ctx) {
    const config = await loadedConfig(ctx);
    const workers = await queueWorkers(ctx);
    if (workers.length === 0) return skip('No queue worker runs for the app.');
    const bad: string[] = [];
    const checked: Array<{ pid: number; connection: string; timeout: number; retryAfter: number | null }> = [];
    for (const w of workers) {
      const name = w.connection ?? config.queue.default ?? '';
      const retryAfter = config.queue.connections[name]?.retry_after ?? null;
      checked.push({ pid: w.pid, connection: name, timeout: w.timeout, retryAfter });
      if (retryAfter !== null && w.timeout >= retryAfter) bad.push(`worker ${w.pid} on "${name}": --timeout ${w.timeout} >= retry_after ${retryAfter}`);
    }
    if (bad.length === 0) return { status: 'pass', message: 'Every worker stops a job before its connection hands it to another worker.', details: { workers: checked } };
    return {
      status: 'fail',
      message: `${bad.join('; ')}: a job still running is released to another worker and runs twice. Make --timeout a few seconds shorter than retry_after.`,
      details: { workers: checked },
      evidence: bad,
    };
  },
};
