/**
 * The process groups of an execution's commands: journaled as they start
 * (`process.started`: pgid, pid, host), so that recovery can stop what a
 * killed run left running before it restores anything. Otherwise an
 * orphaned command (a PHP helper, a build) could write over the restore.
 * @internal
 */
import type { Executor, RunOptions } from '../contract/executor.js';
import { errorMessage } from '../errors.js';
import type { TimelineEvent } from '../schemas.js';
import type { RunEnv } from './context.js';
import type { Journal } from './journal.js';

/** How long a group gets after SIGTERM, then after SIGKILL, to be gone. */
export const STOP_GRACE_MS = 5_000;
const POLL_MS = 100;

/**
 * The same run environment, whose executor journals the process group of
 * every command it starts. A command's result is returned only once its
 * `process.started` event is durable.
 */
export function trackProcessGroups(env: RunEnv, journal: Journal): RunEnv {
  const exec = env.exec;
  const run = async (command: Parameters<Executor['run']>[0], options: RunOptions = {}) => {
    let recorded: Promise<unknown> = Promise.resolve();
    const result = await exec.run(command, {
      ...options,
      onStart: (started) => {
        options.onStart?.(started);
        if (started.pgid === null) return;
        recorded = journal
          .record('process.started', `Command started in process group ${started.pgid} on ${exec.host}`, {
            data: { pgid: started.pgid, pid: started.pid, host: exec.host },
          })
          .catch((e: unknown) => env.logger.warn('could not journal a started command', { error: errorMessage(e) }));
      },
    });
    await recorded;
    return result;
  };
  const tracked: Executor = {
    host: exec.host,
    run,
    readFile: (path, options) => exec.readFile(path, options),
    writeFile: (path, data, options) => exec.writeFile(path, data, options),
    stat: (path) => exec.stat(path),
    list: (path) => exec.list(path),
    exists: (path) => exec.exists(path),
    mkdir: (path, options) => exec.mkdir(path, options),
    remove: (path) => exec.remove(path),
    rename: (from, to) => exec.rename(from, to),
    chmod: (path, mode) => exec.chmod(path, mode),
    close: () => exec.close(),
    ...(exec.info ? { info: () => exec.info!() } : {}),
  };
  return { ...env, exec: tracked };
}

/** The process groups a timeline recorded, by host. */
export function recordedGroups(timeline: readonly TimelineEvent[]): Array<{ host: string; pgid: number }> {
  const seen = new Map<string, { host: string; pgid: number }>();
  for (const e of timeline) {
    if (e.type !== 'process.started') continue;
    const pgid = Number(e.data?.pgid);
    const host = String(e.data?.host ?? '');
    if (Number.isInteger(pgid) && pgid > 1) seen.set(`${host}\0${pgid}`, { host, pgid });
  }
  return [...seen.values()];
}

// Live members only: a zombie waiting for a parent that does not reap is already done.
const ALIVE_SCRIPT = `if command -v ps >/dev/null 2>&1; then
  ps -A -o pgid= -o stat= | awk -v want=" $* " '$2 !~ /^Z/ && index(want, " " $1 " ") { print $1 }' | sort -u
else
  for g do kill -s 0 -- "-$g" 2>/dev/null && echo "$g"; done
fi`;
const SIGNAL_SCRIPT = 'sig=$1; shift; for g do kill -s "$sig" -- "-$g" 2>/dev/null; done; exit 0';

export interface StopResult {
  /** Groups that were still running and are now gone. */
  stopped: number[];
  /** Groups still running (or on a host this executor cannot reach): nothing may be restored. */
  left: Array<{ host: string; pgid: number }>;
}

/**
 * Stop the recorded groups still alive on `exec`'s host: SIGTERM, wait up to
 * {@link STOP_GRACE_MS}, SIGKILL, wait again. Groups recorded on another
 * host are reported as left.
 */
export async function stopProcessGroups(exec: Executor, groups: ReadonlyArray<{ host: string; pgid: number }>): Promise<StopResult> {
  const elsewhere = groups.filter((g) => g.host !== exec.host);
  const here = groups.filter((g) => g.host === exec.host).map((g) => g.pgid);
  if (here.length === 0) return { stopped: [], left: elsewhere };
  const alive = await aliveGroups(exec, here);
  let left = alive;
  for (const signal of ['TERM', 'KILL'] as const) {
    if (left.length === 0) break;
    await exec.run({ script: SIGNAL_SCRIPT, args: [signal, ...left.map(String)] }, { timeoutMs: 15_000 });
    const until = Date.now() + STOP_GRACE_MS;
    while (left.length > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      left = await aliveGroups(exec, left);
    }
  }
  return {
    stopped: alive.filter((g) => !left.includes(g)),
    left: [...elsewhere, ...left.map((pgid) => ({ host: exec.host, pgid }))],
  };
}

async function aliveGroups(exec: Executor, pgids: readonly number[]): Promise<number[]> {
  const r = await exec.run({ script: ALIVE_SCRIPT, args: pgids.map(String) }, { timeoutMs: 15_000 });
  if (r.exitCode !== 0) throw new Error(`cannot list processes on ${exec.host}: ${r.stderr.trim().slice(0, 200)}`);
  const alive = new Set(r.stdout.split('\n').map((l) => Number(l.trim())));
  return pgids.filter((g) => alive.has(g));
}
