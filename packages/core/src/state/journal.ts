/**
 * An append-only JSON Lines journal: one JSON value per line, each append
 * fsynced before it returns. A crash can tear only the line being written,
 * and only at the end of the file.
 * @internal
 */
import { open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { corrupt, describeIssues, isErrno, syncDir } from './fs-util.js';

const NEWLINE = 0x0a;

/**
 * Appends `value` as one line and fsyncs it. When the previous append was
 * torn by a crash, its fragment is cut off first: that append never returned,
 * so the step it announced never ran.
 */
export async function appendJournalLine(file: string, value: unknown): Promise<void> {
  const line = `${JSON.stringify(value)}\n`;
  const fh = await open(file, 'a+', 0o600);
  let size = 0;
  try {
    size = (await fh.stat()).size;
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== NEWLINE) {
        const text = await readFile(file, 'utf8');
        const cut = text.lastIndexOf('\n') + 1;
        if (isCompleteJson(text.slice(cut))) prefix = '\n';
        else await fh.truncate(Buffer.byteLength(text.slice(0, cut), 'utf8'));
      }
    }
    await fh.write(prefix + line);
    await fh.sync();
  } finally {
    await fh.close();
  }
  // A new file's name must be durable too, not only its content.
  if (size === 0) await syncDir(dirname(file));
}

/**
 * Reads every value of the journal, in order; [] when it does not exist.
 * A last line that does not parse is a torn append and is ignored; a bad
 * line anywhere else, or a value `schema` rejects, is `STATE_CORRUPT`.
 */
export async function readJournal<T>(file: string, schema: z.ZodType<T>): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
  const lines = text.split('\n');
  const out: T[] = [];
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const isLast = index === lines.length - 1;
    let value: unknown;
    try {
      value = JSON.parse(line) as unknown;
    } catch (err) {
      if (isLast) break;
      throw corrupt(file, `has a bad line ${index + 1} (${(err as Error).message})`, err);
    }
    const checked = schema.safeParse(value);
    if (!checked.success) throw corrupt(file, `has a bad line ${index + 1}: ${describeIssues(checked.error)}`, checked.error);
    out.push(checked.data);
  }
  return out;
}

function isCompleteJson(text: string): boolean {
  if (text.trim() === '') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
