/**
 * `nodejs/dependencies-installed`: `node_modules` exists, matches the
 * lockfile, and holds every dependency package.json names.
 */
import { posix } from 'node:path';
import { HealerError, type CheckResult } from '@healer/core';
import { nodeMeta } from '../detect.js';
import type { NodeAppMeta } from '../types.js';
import type { NodeCheck, NodeCheckContext } from './shared.js';

export const DEPENDENCIES_INSTALLED = 'nodejs/dependencies-installed';
export const REINSTALL_DEPENDENCIES = 'nodejs/reinstall-dependencies';

const MAX_LOCK_BYTES = 64 * 1024 * 1024;

/** Dependencies (of `names`) with no `node_modules/<name>/package.json`, checked by one command. */
export async function missingDependencies(ctx: Pick<NodeCheckContext, 'exec' | 'signal'>, root: string, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const r = await ctx.exec.run(
    { script: 'cd "$1" || exit 3; shift; for n in "$@"; do [ -f "node_modules/$n/package.json" ] || printf "%s\\n" "$n"; done', args: [root, ...names] },
    { signal: ctx.signal },
  );
  if (r.exitCode !== 0) throw new HealerError('COMMAND_FAILED', `Could not look into ${root}/node_modules: ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** Packages whose version differs between an npm lockfile and npm's record of what it installed (`node_modules/.package-lock.json`). */
export function npmLockDrift(lock: string, installed: string): string[] {
  const pkgs = (text: string): Record<string, { version?: string }> => {
    const parsed = JSON.parse(text) as { packages?: Record<string, { version?: string }> };
    return parsed.packages ?? {};
  };
  const want = pkgs(lock);
  const have = pkgs(installed);
  const drift: string[] = [];
  for (const [key, entry] of Object.entries(want)) {
    if (key === '' || !key.startsWith('node_modules/') || entry.version === undefined) continue;
    // npm leaves optional packages for other platforms out of the installed record.
    if ((entry as { optional?: boolean }).optional && !(key in have)) continue;
    const got = have[key]?.version;
    if (got !== entry.version) drift.push(`${key.slice('node_modules/'.length)}: lockfile ${entry.version}, installed ${got ?? 'none'}`);
  }
  return drift;
}

/** Whether `node_modules` is in step with the lockfile: a list of differences, or null when it cannot tell. */
async function lockDrift(ctx: NodeCheckContext, meta: NodeAppMeta): Promise<{ drift: string[]; how: string } | null> {
  if (!meta.lockfile) return null;
  const root = ctx.app.root;
  const lockPath = posix.join(root, meta.lockfile);
  const readText = (p: string): Promise<string | null> => ctx.fs.readText(p, { maxBytes: MAX_LOCK_BYTES });
  if (meta.packageManager === 'npm') {
    const [lock, installed] = await Promise.all([readText(lockPath), readText(posix.join(root, 'node_modules/.package-lock.json'))]);
    if (lock === null) return null;
    if (installed === null) return { drift: ['node_modules/.package-lock.json is missing: node_modules was not installed by npm from this lockfile'], how: 'npm' };
    try {
      return { drift: npmLockDrift(lock, installed), how: 'node_modules/.package-lock.json' };
    } catch {
      return { drift: ['package-lock.json or node_modules/.package-lock.json is not valid JSON'], how: 'npm' };
    }
  }
  if (meta.packageManager === 'pnpm') {
    // pnpm keeps a copy of the lockfile it installed from.
    const [lock, installed] = await Promise.all([readText(lockPath), readText(posix.join(root, 'node_modules/.pnpm/lock.yaml'))]);
    if (lock !== null && installed !== null) {
      return { drift: lock.trim() === installed.trim() ? [] : ['pnpm-lock.yaml differs from node_modules/.pnpm/lock.yaml (the lockfile pnpm last installed)'], how: 'node_modules/.pnpm/lock.yaml' };
    }
  }
  // pnpm without its copy, and yarn: the install record must be newer than the lockfile.
  const record = meta.packageManager === 'pnpm' ? 'node_modules/.modules.yaml' : 'node_modules/.yarn-integrity';
  const [lockStat, recordStat] = await Promise.all([ctx.fs.stat(lockPath), ctx.fs.stat(posix.join(root, record))]);
  if (lockStat === null) return null;
  if (recordStat === null) return { drift: [`${record} is missing: node_modules was not installed by ${meta.packageManager}`], how: record };
  return { drift: recordStat.mtimeMs + 1000 < lockStat.mtimeMs ? [`${meta.lockfile} changed after the last install (${record} is older)`] : [], how: record };
}

export const dependenciesInstalledCheck: NodeCheck = {
  id: DEPENDENCIES_INSTALLED,
  title: 'Dependencies are installed and match the lockfile',
  category: 'dependencies',
  severity: 'critical',
  timeoutMs: 30_000,
  async run(ctx): Promise<CheckResult> {
    const meta = nodeMeta(ctx.app);
    const root = ctx.app.root;
    const fixes = [REINSTALL_DEPENDENCIES];
    const nm = await ctx.fs.stat(posix.join(root, 'node_modules'));
    if (nm === null || nm.type !== 'directory') {
      if (meta.dependencies.length === 0) return { status: 'pass', message: 'The app has no dependencies.' };
      return { status: 'fail', message: `node_modules is missing: the app cannot load its ${meta.dependencies.length} dependencies.`, details: { missing: meta.dependencies }, fixes };
    }
    const missing = await missingDependencies(ctx, root, meta.dependencies);
    if (missing.length > 0) {
      return {
        status: 'fail',
        message: `${missing.length} dependenc${missing.length === 1 ? 'y is' : 'ies are'} not installed: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}.`,
        details: { missing },
        evidence: missing.map((n) => `node_modules/${n}/package.json not found`),
        fixes,
      };
    }
    const drift = await lockDrift(ctx, meta);
    if (drift && drift.drift.length > 0) {
      return {
        status: 'fail',
        message: `node_modules is out of step with ${meta.lockfile}: ${drift.drift.length} difference${drift.drift.length === 1 ? '' : 's'} (${drift.drift[0]}).`,
        details: { drift: drift.drift.slice(0, 50), comparedWith: drift.how },
        evidence: drift.drift.slice(0, 20),
        fixes,
      };
    }
    if (!meta.lockfile) return { status: 'warn', message: `All ${meta.dependencies.length} dependencies are installed, but there is no lockfile: installs are not reproducible.` };
    return { status: 'pass', message: `All ${meta.dependencies.length} dependencies are installed and match ${meta.lockfile}.` };
  },
};
