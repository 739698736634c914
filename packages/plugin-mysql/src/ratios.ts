/**
 * Ratios of status counters that never divide by zero. MySQLTuner 1.9.9
 * dies with "Illegal division by zero" on a fresh MariaDB 10.11 (no
 * temporary table, no query yet): here a ratio whose denominator is zero,
 * missing or not a number is null, and the check says there is nothing to
 * judge yet.
 */

/** A status or variable value as a number; null when absent or not numeric. */
export function numberOf(values: Record<string, string>, name: string): number | null {
  const raw = values[name];
  if (raw === undefined || raw.trim() === '') return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : null;
}

/** `part / whole`, or null when either is missing or `whole` is not above zero. */
export function ratio(part: number | null | undefined, whole: number | null | undefined): number | null {
  if (part === null || part === undefined || whole === null || whole === undefined) return null;
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole <= 0) return null;
  return part / whole;
}

/** `part / whole` in percent (to 0.01, so 5.01% is above a 5% threshold), or null (see {@link ratio}). */
export function percent(part: number | null | undefined, whole: number | null | undefined): number | null {
  const r = ratio(part, whole);
  return r === null ? null : Math.round(r * 10_000) / 100;
}

/** Bytes as a person reads them: `512 B`, `12.5 MiB`, `3.0 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** Round a byte count up to a whole number of MiB (settings people write). */
export function roundUpMiB(bytes: number): number {
  return Math.ceil(bytes / 1024 ** 2) * 1024 ** 2;
}
