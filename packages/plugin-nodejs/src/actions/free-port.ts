/**
 * `nodejs/free-port` (high): stop a stale copy of this app (a process
 * running from the app root outside its process manager) that holds the
 * app's port, then restart the app. Only such a copy is ever stopped.
 */
import type { Step } from '@healer/core';
import { FREE_PORT, PORT_HELD, portHolder } from '../checks/port-held.js';
import { manifestBackup } from './node-modules.js';
import { optionalRestartSteps, restartApp, settleAfterRestart, type NodeAction, type NodePlanContext } from './shared.js';

async function stalePid(ctx: NodePlanContext): Promise<number | string> {
  const holder = await portHolder(ctx);
  if (holder === null) return 'nothing holds the port any more';
  if (holder.kind !== 'stale-copy' || holder.pid === null) return `port ${holder.port} is not held by a stale copy of this app (${holder.kind})`;
  return holder.pid;
}

/**
 * Stop pid `$1`, a process running from `$2`: TERM, up to 5 s for it to go,
 * then KILL and up to 2 s more. The process is known by its folder and its
 * start time (read before the first signal), checked before each signal: a
 * pid reused by another process after the stale copy went is never signalled.
 * A copy already gone is no error (the port is what matters: the restart and
 * verification tell).
 */
const STOP_SCRIPT = [
  'pid=$1; root=$2',
  'ident() { [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$root" ] && sed "s/.*) //" "/proc/$pid/stat" 2>/dev/null | cut -d" " -f20; }',
  'start=$(ident)',
  '[ -n "$start" ] || { echo "pid $pid no longer runs from $root: nothing to stop"; exit 0; }',
  'here() { [ "$(ident)" = "$start" ]; }',
  'wait_gone() { i=0; while here && [ $i -lt "$1" ]; do sleep 0.1; i=$((i+1)); done; ! here; }',
  'kill -TERM "$pid" 2>/dev/null',
  'wait_gone 50 && exit 0',
  'echo "pid $pid did not stop on TERM within 5 s: KILL"',
  'here && kill -KILL "$pid" 2>/dev/null',
  'wait_gone 20 && exit 0',
  'echo "pid $pid did not stop" >&2; exit 1',
].join('\n');

export const freePortAction: NodeAction = {
  id: FREE_PORT,
  title: 'Stop the stale copy of the app holding its port',
  risk: 'high',
  fixes: [PORT_HELD],
  // Nothing on disk changes; the backup holds package.json so the engine has a record.
  backup: manifestBackup,
  async preconditions(ctx) {
    const pid = await stalePid(ctx);
    return typeof pid === 'number' ? true : pid;
  },
  async plan(ctx) {
    const pid = await stalePid(ctx);
    if (typeof pid === 'string') return [{ kind: 'note', write: false, description: `nothing to stop: ${pid}` }];
    const stop: Step = {
      kind: 'run',
      command: { script: STOP_SCRIPT, args: [String(pid), ctx.app.root] },
      write: true,
      timeoutMs: 15_000,
      description: `stop the stale copy (pid ${pid}; TERM, then KILL after 5 s)`,
    };
    return [stop, ...optionalRestartSteps(ctx)];
  },
  settle: settleAfterRestart,
  // A stopped stale copy is not brought back: the rollback makes sure the app itself runs.
  async rollback(ctx) {
    if (optionalRestartSteps(ctx).length > 0) await restartApp(ctx);
  },
};
