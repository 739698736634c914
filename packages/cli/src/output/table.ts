/**
 * Aligned text tables: columns padded to their widest cell (ANSI colour codes
 * and wide characters measured by what the terminal shows), the last column
 * never padded, long cells cut with an ellipsis.
 */

export type Align = 'left' | 'right';

export interface TableOptions {
  /** Header cells, printed first. */
  headers?: readonly string[];
  /** Alignment per column. Default left. */
  align?: readonly Align[];
  /** Cells wider than this (per column) are cut with "…". */
  maxWidth?: readonly (number | undefined)[];
  /** Between columns. Default two spaces. */
  gap?: string;
  /** Before every line. Default none. */
  indent?: string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** Terminal columns a string takes: ANSI codes count 0, East Asian wide and emoji 2, combining marks 0. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text.replace(ANSI, '')) {
    const code = char.codePointAt(0)!;
    if (code < 32 || (code >= 0x7f && code < 0xa0)) continue;
    if (/\p{Mn}|\p{Me}|\u200b|\u200d/u.test(char)) continue;
    width += isWide(code) ? 2 : 1;
  }
  return width;
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** Cut `text` to at most `max` columns, ending with "…" when cut. Colour codes are dropped from cut cells. */
export function truncate(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  if (max <= 1) return '…'.slice(0, max);
  let out = '';
  let width = 0;
  for (const char of text.replace(ANSI, '')) {
    const w = displayWidth(char);
    if (width + w > max - 1) break;
    out += char;
    width += w;
  }
  return `${out}…`;
}

function pad(text: string, width: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** Lines of an aligned table (without a trailing newline). Newlines inside cells become spaces. */
export function formatTable(rows: readonly (readonly string[])[], options: TableOptions = {}): string[] {
  const gap = options.gap ?? '  ';
  const indent = options.indent ?? '';
  const all = (options.headers ? [options.headers, ...rows] : rows).map((row) =>
    row.map((cell, i) => {
      const flat = cell.replace(/\r?\n/g, ' ');
      const max = options.maxWidth?.[i];
      return max === undefined ? flat : truncate(flat, max);
    }),
  );
  const columns = Math.max(0, ...all.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(0, ...all.map((r) => displayWidth(r[i] ?? ''))));
  return all.map((row) => {
    const cells = Array.from({ length: columns }, (_, i) => {
      const align = options.align?.[i] ?? 'left';
      const last = i === columns - 1;
      const cell = row[i] ?? '';
      return last && align === 'left' ? cell : pad(cell, widths[i]!, align);
    });
    return (indent + cells.join(gap)).trimEnd();
  });
}
