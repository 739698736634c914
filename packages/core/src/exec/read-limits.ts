/**
 * What an executor's `readFile` reads: regular files only (a device or a FIFO
 * never ends, or never starts), and at most 64 MiB for a whole-file read, the
 * same locally and over SSH.
 * @internal
 */
import { HealerError } from '../errors.js';

/** The most a whole-file read returns: 64 MiB. Larger files need `maxBytes` (a prefix). */
export const READ_FILE_LIMIT = 64 * 1024 * 1024;

export function notRegularFileError(path: string): HealerError {
  return new HealerError('INVALID_ARGUMENT', `Cannot read ${path}: it is not a regular file (a folder, device, FIFO or socket).`, { details: { path } });
}

/** `size` when known before the read; null when the file grew past the limit while it was read. */
export function tooLargeError(path: string, size: number | null): HealerError {
  const what = size === null ? `it grew past the ${READ_FILE_LIMIT} bytes a whole-file read takes` : `it holds ${size} bytes, more than the ${READ_FILE_LIMIT} a whole-file read takes`;
  return new HealerError('INVALID_ARGUMENT', `Cannot read ${path}: ${what} (pass maxBytes for a prefix).`, { details: { path, size, limit: READ_FILE_LIMIT } });
}
