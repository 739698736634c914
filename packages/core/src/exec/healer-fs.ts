/**
 * The file system checks and actions see: reads anywhere, writes confined to
 * the write roots (the app root and the backup root).
 */
import { posix } from 'node:path';
import type { Executor, WriteFileOptions } from '../contract/executor.js';
import type { HealerFs } from '../contract/fs.js';
import { HealerError, isHealerError } from '../errors.js';
import { isPathWithin, validatePath } from './paths.js';
import { canonicalPath } from './canonical-path.js';

/**
 * Which entry a write touches: `'target'` when the operation follows a final
 * symlink (write, chmod, mkdir), `'entry'` when it acts on the directory entry
 * itself (remove, rename), so a symlink inside a root may be removed even if
 * it points elsewhere.
 */
type Reach = 'target' | 'entry';

/**
 * Wrap `exec` in a {@link HealerFs} whose writes must land inside one of
 * `writeRoots`, else `PATH_OUTSIDE_ROOTS` and nothing is changed.
 *
 * Each write is checked twice: lexically (the normalized path is under a
 * root) and physically (the real path of the nearest existing ancestor,
 * resolved on the target with `realpath -e`, is under the real path of a
 * root), so a symlink inside a root that points outside cannot be used to
 * escape. A root may not exist yet (a backup root is created on first use).
 * Removing or renaming a root itself is refused.
 *
 * The check and the write are separate steps: whoever can change the tree
 * between them (another user owning a folder inside the root) can still race
 * it. Roots should not be writable by untrusted users.
 *
 * @throws HealerError `PATH_INVALID` when a root is not an absolute, normalized path.
 */
export function createHealerFs(exec: Executor, writeRoots: readonly string[]): HealerFs {
  const roots = [...new Set(writeRoots.map((r) => validatePath(r, 'write root')))];

  const outside = (path: string, operation: string, reason: string): HealerError =>
    new HealerError(
      'PATH_OUTSIDE_ROOTS',
      `Refusing ${operation} ${path}: ${reason}. Writes must stay inside ${roots.length === 0 ? '(no write roots configured)' : roots.join(', ')}.`,
      { details: { path, operation, writeRoots: roots } },
    );

  async function assertWritable(path: string, reach: Reach, operation: string, allowRoot = true): Promise<void> {
    validatePath(path);
    if (!roots.some((root) => isPathWithin(root, path))) throw outside(path, operation, 'it is outside the write roots');
    if (!allowRoot && roots.includes(path)) throw outside(path, operation, 'it is a write root itself');
    const real = await realLocation(exec, path, reach);
    if (real === null) {
      throw outside(path, operation, 'a component of it exists but cannot be resolved (a dangling symlink or an unreadable folder)');
    }
    const realRoots = await Promise.all(roots.map((root) => realLocation(exec, root, 'target')));
    if (!realRoots.some((r) => r !== null && isPathWithin(r, real))) {
      throw outside(path, operation, `it resolves through a symlink to ${real}, outside the write roots`);
    }
    if (!allowRoot && realRoots.includes(real)) throw outside(path, operation, `it resolves to a write root itself (${real})`);
  }

  return {
    writeRoots: roots,
    // async, so an invalid path rejects instead of throwing synchronously.
    readFile: async (path, options) => exec.readFile(validatePath(path), options),
    async readText(path, options) {
      try {
        const bytes = await exec.readFile(validatePath(path), options);
        return new TextDecoder('utf-8').decode(bytes);
      } catch (e) {
        if (isHealerError(e, 'FILE_NOT_FOUND')) return null;
        throw e;
      }
    },
    async writeFile(path: string, data: string | Uint8Array, options?: WriteFileOptions) {
      await assertWritable(path, 'target', 'to write');
      await exec.writeFile(path, data, options);
    },
    async stat(path, options) {
      const st = await exec.stat(validatePath(path));
      if (!st || st.type !== 'symlink' || options?.followSymlinks !== true) return st;
      // Resolved on the target (realpath), so it is the same over SSH; a dangling link or a loop is "nothing there".
      let target: string;
      try {
        target = await canonicalPath(exec, path);
      } catch (e) {
        if (isHealerError(e, 'FILE_NOT_FOUND') || isHealerError(e, 'COMMAND_FAILED')) return null;
        throw e;
      }
      const followed = await exec.stat(target);
      return followed ? { ...followed, path } : null;
    },
    list: async (path) => exec.list(validatePath(path)),
    exists: async (path) => exec.exists(validatePath(path)),
    async mkdir(path, options) {
      await assertWritable(path, 'target', 'to create the folder');
      await exec.mkdir(path, options);
    },
    async remove(path) {
      await assertWritable(path, 'entry', 'to remove', false);
      await exec.remove(path);
    },
    async rename(from, to) {
      await assertWritable(from, 'entry', 'to move away', false);
      await assertWritable(to, 'entry', 'to move onto', false);
      await exec.rename(from, to);
    },
    async chmod(path, mode) {
      await assertWritable(path, 'target', 'to change the mode of');
      await exec.chmod(path, mode);
    },
  };
}

/**
 * Where `path` really is on the target: the real path of its nearest existing
 * ancestor (resolved with `realpath -e`, so this works over any transport)
 * followed by the components that do not exist yet. With `reach: 'entry'` the
 * final component itself is not resolved. Null when a component exists but
 * cannot be resolved (a dangling symlink, a folder we may not search).
 */
async function realLocation(exec: Executor, path: string, reach: Reach): Promise<string | null> {
  let current = path;
  const rest: string[] = [];
  if (reach === 'entry' && path !== '/') {
    rest.push(posix.basename(path));
    current = posix.dirname(path);
  }
  for (;;) {
    const result = await exec.run(['realpath', '-e', '--', current], { timeoutMs: 30_000 });
    if (result.exitCode === 0) {
      const real = parseRealpath(result.stdout, result.stdoutBytes);
      return real === null ? null : posix.join(real, ...rest);
    }
    if (result.exitCode === 127 || result.exitCode === null) {
      throw new HealerError('COMMAND_FAILED', `Cannot resolve ${current} with realpath on ${exec.host}: ${result.stderr.trim() || 'killed'}.`);
    }
    // realpath failed: absent (climb to the parent), or present but unresolvable (refuse).
    if (await exec.exists(current)) return null;
    if (current === '/') return null;
    rest.unshift(posix.basename(current));
    current = posix.dirname(current);
  }
}

/** The path `realpath` printed, or null when it is not one we can compare exactly. */
function parseRealpath(stdout: string, bytes: Uint8Array): string | null {
  // Non-UTF-8 names would decode to U+FFFD and could compare equal to another name.
  if (Buffer.compare(Buffer.from(stdout, 'utf8'), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) !== 0) return null;
  const real = stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout;
  try {
    return validatePath(real);
  } catch {
    return null;
  }
}
