/**
 * Path validation shared by every transport. A path Healer touches must be
 * absolute, already normalized, free of NUL and line breaks, and within the
 * kernel's length limits (255 bytes per component, 4095 in all).
 */
import { posix } from 'node:path';
import { HealerError } from '../errors.js';

/** Longest file name Linux file systems accept, in bytes (NAME_MAX). */
const NAME_MAX = 255;
/** Longest path the kernel accepts, in bytes, without the final NUL (PATH_MAX - 1). */
const PATH_MAX = 4095;

/** Return `path` when valid; throw `PATH_INVALID` with the reason otherwise. */
export function validatePath(path: string, what = 'path'): string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new HealerError('PATH_INVALID', `The ${what} is empty.`);
  }
  if (/[\0\n\r]/.test(path)) {
    throw new HealerError('PATH_INVALID', `The ${what} contains a NUL or line-break character: ${JSON.stringify(path)}.`);
  }
  if (!path.startsWith('/')) {
    throw new HealerError('PATH_INVALID', `The ${what} must be absolute: ${JSON.stringify(path)}.`);
  }
  if (Buffer.byteLength(path, 'utf8') > PATH_MAX) {
    throw new HealerError('PATH_INVALID', `The ${what} is longer than ${PATH_MAX} bytes: ${JSON.stringify(path.slice(0, 60))}...`);
  }
  const long = path.split('/').find((part) => Buffer.byteLength(part, 'utf8') > NAME_MAX);
  if (long !== undefined) {
    throw new HealerError('PATH_INVALID', `The ${what} has a component longer than ${NAME_MAX} bytes: ${JSON.stringify(long.slice(0, 60))}...`);
  }
  const normalized = posix.normalize(path);
  const trimmed = normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
  if (trimmed !== path) {
    throw new HealerError('PATH_INVALID', `The ${what} is not normalized: ${JSON.stringify(path)} (did you mean ${JSON.stringify(trimmed)}?).`);
  }
  return path;
}

/** True when `path` is `root` or inside it (both validated, compared lexically). */
export function isPathWithin(root: string, path: string): boolean {
  if (root === '/') return true;
  return path === root || path.startsWith(root + '/');
}

/** Resolve `path` against `base` and validate the result (for app-relative paths). */
export function resolvePath(base: string, path: string): string {
  validatePath(base, 'base path');
  if (/[\0\n\r]/.test(path)) {
    throw new HealerError('PATH_INVALID', `The path contains a NUL or line-break character: ${JSON.stringify(path)}.`);
  }
  return validatePath(posix.resolve(base, path));
}

/**
 * `parent/name` for one untrusted file name (from a listing, a config, a
 * user): the name must be exactly one path component, so it cannot climb out
 * of `parent` or reach into a subfolder. Refused with `PATH_INVALID`: empty,
 * `.` or `..`, a `/`, NUL or line break, or longer than 255 UTF-8 bytes.
 */
export function childPath(parent: string, name: string): string {
  validatePath(parent, 'parent folder');
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..') {
    throw new HealerError('PATH_INVALID', `Not a usable file name: ${JSON.stringify(name)}.`);
  }
  if (name.includes('/')) {
    throw new HealerError('PATH_INVALID', `A file name cannot contain "/": ${JSON.stringify(name)}.`);
  }
  if (Buffer.byteLength(name, 'utf8') > NAME_MAX) {
    throw new HealerError('PATH_INVALID', `The file name is longer than ${NAME_MAX} bytes: ${JSON.stringify(name.slice(0, 40))}...`);
  }
  return validatePath(parent === '/' ? `/${name}` : `${parent}/${name}`);
}
