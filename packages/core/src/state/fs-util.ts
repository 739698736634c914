/**
 * File primitives of the folder state store: safe file names for keys,
 * atomic JSON writes, and reads that turn bad JSON into `STATE_CORRUPT`.
 * @internal
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import { HealerError } from '../errors.js';

const MAX_NAME = 150;

/**
 * Turns any key into one safe file name component. Only `a-z 0-9 _ -` are
 * kept; every other UTF-8 byte (upper case too, for case-insensitive file
 * systems; `.`, so no `..`; `/`, `\`, `:`, NUL) becomes `%XX`. Long names are
 * cut and suffixed with `~` and a sha256 of the key (`~` never appears
 * otherwise), so distinct keys never share a file.
 */
export function encodeKey(key: string): string {
  if (key.length === 0) throw new HealerError('INVALID_ARGUMENT', 'A state key must not be empty');
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[a-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.length <= MAX_NAME) return out;
  const hash = createHash('sha256').update(key, 'utf8').digest('hex');
  return `${out.slice(0, MAX_NAME - 65).replace(/%[0-9A-F]?$/, '')}~${hash}`;
}

/** A unique name beside `file`, hidden and never ending in `.json`. */
export function siblingTempPath(file: string, suffix: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.${suffix}`);
}

/** fsync a folder so a rename or a new file inside it is durable. Best effort: not every platform allows it. */
export async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Windows and some file systems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    await fh?.close();
  }
}

/**
 * Writes `data` to `file` so a reader sees the old content or the new one,
 * never a mix: a temp file beside it, fsync, rename over, fsync the folder.
 * `durable: false` skips the fsyncs (still atomic, not crash-safe).
 */
export async function writeFileAtomic(file: string, data: string, options: { durable?: boolean } = {}): Promise<void> {
  const durable = options.durable ?? true;
  const tmp = siblingTempPath(file, 'tmp');
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(data, 'utf8');
    if (durable) await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  if (durable) await syncDir(dirname(file));
}

/** Reads a file as text, or null when it does not exist. */
export async function readTextOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    // ENOTDIR: a stray file where a folder of the layout was expected.
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return null;
    throw err;
  }
}

/** Parses JSON text, or throws `STATE_CORRUPT` naming the file. */
export function parseStateJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw corrupt(file, `is not valid JSON (${(err as Error).message})`, err);
  }
}

/** Reads and parses a JSON file; null when it does not exist. */
export async function readJsonOrNull(file: string): Promise<unknown> {
  const text = await readTextOrNull(file);
  return text === null ? null : parseStateJson(text, file);
}

/** The `STATE_CORRUPT` error for `file`. */
export function corrupt(file: string, problem: string, cause?: unknown): HealerError {
  return new HealerError('STATE_CORRUPT', `State file ${file} ${problem}`, {
    details: { file },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** True when `err` is a Node system error with one of `codes`. */
export function isErrno(err: unknown, ...codes: string[]): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && codes.includes(code);
}

/** One line listing what a zod schema rejected. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}
