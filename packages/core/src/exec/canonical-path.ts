/**
 * The one spelling of a path on its host: symlinks, `.` and `..` resolved
 * there (`realpath -e`), so `/srv/site`, a link to it and `/srv/./site/` are
 * one application with one id, one lock and one breaker.
 */
import type { Executor } from '../contract/executor.js';
import { HealerError } from '../errors.js';
import { validatePath } from './paths.js';

/**
 * Resolve `path` on the executor's host with `realpath -e -z` (local or over
 * SSH alike). Throws `FILE_NOT_FOUND` when it does not exist there,
 * `COMMAND_FAILED` when it cannot be resolved.
 */
export async function canonicalPath(exec: Executor, path: string): Promise<string> {
  validatePath(path);
  const r = await exec.run(['realpath', '-e', '-z', '--', path], { timeoutMs: 15_000, maxOutputBytes: 8192 });
  if (r.exitCode !== 0 || !r.stdout.endsWith('\0')) {
    const why = r.stderr.trim().split('\n')[0] ?? '';
    if (/No such file or directory/i.test(why)) throw new HealerError('FILE_NOT_FOUND', `${path} does not exist on ${exec.host}.`);
    throw new HealerError('COMMAND_FAILED', `Cannot resolve ${path} on ${exec.host}: ${why || `realpath exited with ${r.exitCode}`}.`);
  }
  return validatePath(r.stdout.slice(0, -1), 'canonical path');
}

/**
 * Like {@link canonicalPath} for a path that may not exist yet (a backup
 * root): its deepest existing ancestor is resolved, the rest kept (`realpath -m`).
 */
export async function canonicalFuturePath(exec: Executor, path: string): Promise<string> {
  validatePath(path);
  const r = await exec.run(['realpath', '-m', '-z', '--', path], { timeoutMs: 15_000, maxOutputBytes: 8192 });
  if (r.exitCode !== 0 || !r.stdout.endsWith('\0')) return path;
  return validatePath(r.stdout.slice(0, -1), 'canonical path');
}
