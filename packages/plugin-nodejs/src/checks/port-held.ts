/** `nodejs/port-held`: the app's port is not held by a process that is not the app. */
import type { ListeningPort } from '@healer/core';
import { appPort, managedPid, processCwds, type NodeCheck, type NodeCheckContext } from './shared.js';

export const PORT_HELD = 'nodejs/port-held';
export const FREE_PORT = 'nodejs/free-port';

/** Who holds the app's port, and whether it is the app, a stale copy of it, or something else. */
export interface PortHolder {
  port: number;
  pid: number | null;
  command: string | null;
  cwd: string | null;
  /** `app`: the app itself; `stale-copy`: another process running from the app root; `other`: anything else; `unknown`: no pid visible. */
  kind: 'app' | 'stale-copy' | 'other' | 'unknown';
}

/** The holder of the app's port, or null when nothing listens on it (or no port is configured). */
export async function portHolder(ctx: NodeCheckContext): Promise<PortHolder | null> {
  const port = appPort(ctx);
  if (port === null) return null;
  const listening = (await ctx.facts.listeningPorts()).filter((l: ListeningPort) => l.port === port && l.protocol.startsWith('tcp'));
  if (listening.length === 0) return null;
  const withPid = listening.find((l) => l.pid !== undefined);
  if (!withPid || withPid.pid === undefined) return { port, pid: null, command: listening[0]!.process ?? null, cwd: null, kind: 'unknown' };
  const pid = withPid.pid;
  const procs = await ctx.facts.processes();
  const proc = procs.find((p) => p.pid === pid);
  const cwd = (await processCwds(ctx, [pid])).get(pid) ?? null;
  const managed = await managedPid(ctx);
  let kind: PortHolder['kind'];
  if (managed !== null) {
    // The managed process or one of its children (a cluster worker, `npm start`'s node).
    const ancestors = new Set<number>();
    for (let p = proc; p && !ancestors.has(p.pid); p = procs.find((x) => x.pid === p!.ppid)) ancestors.add(p.pid);
    kind = ancestors.has(managed) ? 'app' : cwd === ctx.app.root ? 'stale-copy' : 'other';
  } else {
    kind = cwd === ctx.app.root ? 'app' : 'other';
  }
  return { port, pid, command: proc?.command ?? withPid.process ?? null, cwd, kind };
}

export const portHeldCheck: NodeCheck = {
  id: PORT_HELD,
  title: "The app's port is not held by another process",
  category: 'availability',
  severity: 'high',
  async run(ctx) {
    const port = appPort(ctx);
    if (port === null) return { status: 'skip', message: 'No port or URL is configured for this app.' };
    const holder = await portHolder(ctx);
    if (holder === null) return { status: 'pass', message: `Nothing else holds port ${port}.` };
    const details = { ...holder };
    switch (holder.kind) {
      case 'app':
        return { status: 'pass', message: `Port ${port} is held by the app (pid ${holder.pid}).`, details };
      case 'unknown':
        return { status: 'warn', message: `Port ${port} is in use, but its process is not visible (another user's process?): cannot tell whether it is the app.`, details };
      case 'stale-copy':
        return {
          status: 'fail',
          message: `Port ${port} is held by pid ${holder.pid} (${holder.command ?? '?'}), a stale copy of this app outside its process manager: the app cannot bind its port.`,
          details,
          evidence: [`pid ${holder.pid} runs in ${holder.cwd}`],
          fixes: [FREE_PORT],
        };
      default:
        return {
          status: 'fail',
          message: `Port ${port} is held by pid ${holder.pid} (${holder.command ?? '?'}), which is not this app: stop it or move the app to another port.`,
          details,
          evidence: [`pid ${holder.pid} runs in ${holder.cwd ?? 'an unknown folder'}`],
        };
    }
  },
};
