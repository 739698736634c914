/**
 * Discovery: one `find` per host built from every plugin's signatures, then
 * detection of each candidate folder.
 */
import { posix } from 'node:path';
import type { Executor } from '../contract/executor.js';
import { HealerError } from '../errors.js';
import { validatePath } from '../exec/paths.js';

/** Where discovery looks by default on a server. */
export const DEFAULT_DISCOVERY_ROOTS: readonly string[] = ['/var/www', '/srv', '/home/*/public_html', '/opt'];

/** Folders never descended into. */
export const PRUNED_DIRS = ['node_modules', 'vendor', '.git', '.healer-backups'];

export interface FindCandidatesOptions {
  /** How deep below each root a signature may sit. Default 4. */
  maxDepth?: number;
  timeoutMs?: number;
}

const GLOB = /[*?[]/;

/**
 * The roots that exist as folders (or links to folders) on the target, with
 * glob patterns (the default roots have one for every user's public_html)
 * expanded there: one command for all of them. Patterns are passed as arguments and only globbed (IFS is
 * empty, so no word splitting); they are never evaluated as code.
 */
export async function expandRoots(exec: Executor, roots: readonly string[]): Promise<string[]> {
  for (const root of roots) {
    if (GLOB.test(root)) {
      if (!root.startsWith('/') || /[\0\n\r]/.test(root) || root.split('/').includes('..')) {
        throw new HealerError('PATH_INVALID', `The discovery root pattern must be an absolute path without "..": ${JSON.stringify(root)}.`);
      }
    } else validatePath(root, 'discovery root');
  }
  if (roots.length === 0) return [];
  const result = await exec.run({
    script: `IFS=''; for p in "$@"; do for d in $p; do [ -d "$d" ] && printf '%s\\0' "$d"; done; done; exit 0`,
    args: [...roots],
  });
  if (result.exitCode !== 0) throw new HealerError('COMMAND_FAILED', `Could not list the discovery roots: ${result.stderr.trim()}`);
  const found = result.stdout.split('\0').filter((d) => d !== '');
  return [...new Set(found.map((d) => validatePath(posix.normalize(d).replace(/(.)\/$/, '$1'), 'discovery root')))];
}

/**
 * Build the one `find` command that lists every signature match under the roots.
 * Exported for transports and tests that want to see the exact argv.
 */
export function buildFindCommand(roots: string[], signatures: string[], maxDepth: number): string[] {
  const argv = ['find', ...roots.map((r) => findStart(validatePath(r, 'discovery root'))), '-maxdepth', String(maxDepth), '('];
  PRUNED_DIRS.forEach((d, i) => argv.push(...(i ? ['-o'] : []), '-name', d));
  argv.push(')', '-prune', '-o', '(');
  signatures.forEach((sig, i) => {
    if (i) argv.push('-o');
    // A nested signature ('wp-includes/version.php') is matched by its full tail.
    if (sig.includes('/')) argv.push('-path', `*/${sig}`);
    else argv.push('-name', sig);
  });
  argv.push(')', '-print0');
  return argv;
}

/** The candidate folders (absolute, sorted) under `roots` holding any signature. Roots that do not exist (or are files) are skipped. */
export async function findCandidates(
  exec: Executor,
  roots: string[],
  signatures: string[],
  options: FindCandidatesOptions = {},
): Promise<string[]> {
  if (signatures.length === 0 || roots.length === 0) return [];
  const existing = await expandRoots(exec, roots);
  if (existing.length === 0) return [];
  const maxDepth = options.maxDepth ?? 4;
  // A signature nested N levels deep sits N levels further down than its app folder.
  const deepest = Math.max(...signatures.map((s) => s.split('/').length));
  const starts = existing.map((root) => ({ root, start: findStart(root) }));
  const argv = buildFindCommand(existing, signatures, maxDepth + deepest);
  const result = await exec.run(argv, { timeoutMs: options.timeoutMs ?? 120_000, maxOutputBytes: 64 * 1024 * 1024 });
  if (result.timedOut) throw new HealerError('COMMAND_TIMEOUT', `Discovery under ${existing.join(', ')} took too long.`);
  // find exits 1 when some folders were unreadable; what it did list is still good.
  if (result.exitCode !== 0 && result.stdout === '') {
    throw new HealerError('COMMAND_FAILED', `Discovery failed: ${result.stderr.trim()}`);
  }
  const folders = new Set<string>();
  for (const raw of result.stdout.split('\0')) {
    const match = undotted(raw, starts);
    if (!match) continue;
    for (const sig of signatures) {
      if (match === sig || match.endsWith(`/${sig}`)) {
        const folder = match.slice(0, match.length - sig.length - 1) || '/';
        const depth = depthBelow(existing, folder);
        if (depth !== null && depth <= maxDepth) folders.add(folder);
      }
    }
  }
  return [...folders].sort();
}

/**
 * Each root is searched as `ROOT/.`: find then follows a root that is a symlink, and never prunes a
 * root that is itself named `vendor` or `node_modules` (the name it tests at depth 0 is `.`).
 */
function findStart(root: string): string {
  return root === '/' ? '/.' : `${root}/.`;
}

/** `/srv/./www/x` -> `/srv/www/x`, for the start it came from; null for anything else. */
function undotted(match: string, starts: ReadonlyArray<{ root: string; start: string }>): string | null {
  for (const { root, start } of starts) {
    if (match.startsWith(`${start}/`)) return (root === '/' ? '' : root) + match.slice(start.length);
  }
  return null;
}

function depthBelow(roots: string[], folder: string): number | null {
  let best: number | null = null;
  for (const root of roots) {
    const rel = posix.relative(root, folder);
    if (rel.startsWith('..')) continue;
    const depth = rel === '' ? 0 : rel.split('/').length;
    if (best === null || depth < best) best = depth;
  }
  return best;
}
