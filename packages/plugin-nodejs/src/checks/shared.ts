/** Helpers the Node checks and actions share: the app's processes, its port, `.env` files. */
import { posix } from 'node:path';
import type { AppInfo, CheckContext, CheckResult, DiagnosticCheck, ProcessInfo } from '@healer/core';
import type { NodeRuntimeConfig } from '../config.js';
import { nodeMeta } from '../detect.js';
import type { NodeAppMeta } from '../types.js';

/** A check that runs for any app whose metadata holds the Node fields and whose config holds {@link NodeRuntimeConfig}. */
export type NodeCheck = DiagnosticCheck<NodeRuntimeConfig, NodeAppMeta>;
export type NodeCheckContext = CheckContext<NodeRuntimeConfig, NodeAppMeta>;

export const skip = (message: string): CheckResult => ({ status: 'skip', message });

/** A path from the configuration: absolute, or relative to the app root. */
export function appPath(app: Pick<AppInfo, 'root'>, path: string): string {
  return posix.isAbsolute(path) ? posix.normalize(path) : posix.join(app.root, path);
}

/** The port the app should listen on: `settings.port`, else the port of `settings.url`. */
export function appPort(ctx: Pick<NodeCheckContext, 'settings' | 'target'>): number | null {
  if (typeof ctx.settings.port === 'number') return ctx.settings.port;
  const url = ctx.settings.url ?? ctx.target.url;
  if (typeof url !== 'string') return null;
  try {
    const u = new URL(url);
    if (u.port) return Number(u.port);
    return u.protocol === 'https:' ? 443 : u.protocol === 'http:' ? 80 : null;
  } catch {
    return null;
  }
}

/** A process of the app with its working folder. */
export interface AppProcess extends ProcessInfo {
  cwd: string | null;
}

/** The working folder of each pid (one command for all); null where it cannot be read. */
export async function processCwds(ctx: Pick<NodeCheckContext, 'exec' | 'signal'>, pids: readonly number[]): Promise<Map<number, string | null>> {
  const out = new Map<number, string | null>();
  if (pids.length === 0) return out;
  const r = await ctx.exec.run(
    { script: 'for p in "$@"; do printf "%s\\t%s\\n" "$p" "$(readlink "/proc/$p/cwd" 2>/dev/null)"; done', args: pids.map(String) },
    { signal: ctx.signal },
  );
  for (const line of r.stdout.split('\n')) {
    const [pid, cwd] = line.split('\t');
    if (pid) out.set(Number(pid), cwd ? cwd : null);
  }
  return out;
}

const isNodeCommand = (command: string): boolean => /(^|[/\s])(node|nodejs|npm|pnpm|yarn|pm2|next-server|next)(\s|$)/.test(command) || /node/.test(command.split(/\s/)[0] ?? '');

/** The pid the runner or pid file says is the app, when known. */
export async function managedPid(ctx: NodeCheckContext): Promise<number | null> {
  const meta = nodeMeta(ctx.app);
  const runner = meta.runner;
  if (ctx.config.pidFile) {
    const text = await ctx.fs.readText(appPath(ctx.app, ctx.config.pidFile), { maxBytes: 64 });
    const pid = Number.parseInt(text ?? '', 10);
    if (Number.isInteger(pid) && pid > 0) return pid;
  }
  if (runner.kind === 'systemd') {
    const r = await ctx.exec.run(['systemctl', 'show', '-p', 'MainPID', '--value', '--', runner.unit], { signal: ctx.signal });
    const pid = Number.parseInt(r.stdout.trim(), 10);
    return r.exitCode === 0 && pid > 0 ? pid : null;
  }
  if (runner.kind === 'pm2') {
    const p = (await pm2List(ctx)).find((x) => x.name === runner.name);
    return p && p.pid > 0 ? p.pid : null;
  }
  return null;
}

/** One pm2 process as `pm2 jlist` prints it. */
export interface Pm2Process {
  name: string;
  pid: number;
  restarts: number;
  status: string;
}

/** `pm2 jlist`, parsed; empty when pm2 is missing or prints nothing usable. */
export async function pm2List(ctx: Pick<NodeCheckContext, 'exec' | 'signal'>): Promise<Pm2Process[]> {
  const r = await ctx.exec.run(['pm2', 'jlist'], { signal: ctx.signal, timeoutMs: 15_000 });
  if (r.exitCode !== 0) return [];
  try {
    const list = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as Array<{ name?: string; pid?: number; pm2_env?: { restart_time?: number; status?: string } }>;
    return list.map((p) => ({ name: p.name ?? '', pid: p.pid ?? 0, restarts: p.pm2_env?.restart_time ?? 0, status: p.pm2_env?.status ?? '' }));
  } catch {
    return [];
  }
}

/**
 * The app's running processes: the managed pid (pm2, systemd, pid file)
 * and its descendants when known, else every Node process whose working
 * folder is the app root.
 */
export async function appProcesses(ctx: NodeCheckContext): Promise<AppProcess[]> {
  const all = await ctx.facts.processes();
  const managed = await managedPid(ctx);
  if (managed !== null) {
    const tree = new Set([managed]);
    // Parents come before children often but not always: repeat until stable.
    for (let grew = true; grew; ) {
      grew = false;
      for (const p of all) {
        if (!tree.has(p.pid) && tree.has(p.ppid)) {
          tree.add(p.pid);
          grew = true;
        }
      }
    }
    const procs = all.filter((p) => tree.has(p.pid));
    const cwds = await processCwds(ctx, procs.map((p) => p.pid));
    return procs.map((p) => ({ ...p, cwd: cwds.get(p.pid) ?? null }));
  }
  const candidates = all.filter((p) => isNodeCommand(p.command));
  const cwds = await processCwds(ctx, candidates.map((p) => p.pid));
  return candidates.filter((p) => cwds.get(p.pid) === ctx.app.root).map((p) => ({ ...p, cwd: ctx.app.root }));
}

/** Names and values in a `.env` file (`KEY=value`, `export KEY=value`, comments, quotes). */
export function parseDotenv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(raw);
    if (!m) continue;
    let value = m[2]!.trim();
    const q = value[0];
    if ((q === '"' || q === "'" || q === '`') && value.lastIndexOf(q) > 0) value = value.slice(1, value.lastIndexOf(q));
    else value = value.replace(/\s+#.*$/, '');
    out.set(m[1]!, value);
  }
  return out;
}

/** The environment of a process from `/proc/<pid>/environ` (null when unreadable). */
export async function processEnvironment(ctx: Pick<NodeCheckContext, 'exec' | 'signal'>, pid: number): Promise<Map<string, string> | null> {
  const r = await ctx.exec.run(['cat', '--', `/proc/${pid}/environ`], { signal: ctx.signal });
  if (r.exitCode !== 0) return null;
  const out = new Map<string, string>();
  for (const entry of r.stdout.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) out.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return out;
}

/**
 * The variables the app gets: `.env`, the configured `environment`, and the
 * environment of its running process when one is found (first one wins).
 * Only names (and NODE_ENV) are ever reported, never the values.
 */
export async function appEnvironment(ctx: NodeCheckContext): Promise<{ vars: Map<string, string>; sources: string[] }> {
  const vars = new Map<string, string>();
  const sources: string[] = [];
  const add = (m: Map<string, string>, source: string): void => {
    sources.push(source);
    for (const [k, v] of m) if (!vars.has(k)) vars.set(k, v);
  };
  const procs = await appProcesses(ctx);
  for (const p of procs) {
    const env = await processEnvironment(ctx, p.pid);
    if (env) {
      add(env, `the environment of process ${p.pid}`);
      break;
    }
  }
  add(new Map(Object.entries(ctx.config.environment)), 'the configured environment');
  const dotenv = await ctx.fs.readText(posix.join(ctx.app.root, '.env'), { maxBytes: 1024 * 1024 });
  if (dotenv !== null) add(parseDotenv(dotenv), '.env');
  return { vars, sources };
}
