/**
 * Wall-clock times from log lines, in the zone the log names.
 * @internal
 */

/** Calendar fields as written in a log line (month 0-11). */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const UTC_NAMES = new Set(['UTC', 'GMT', 'Z', 'UCT', 'Etc/UTC', 'Etc/GMT', 'Universal', 'Zulu']);

/**
 * The instant a wall-clock time in `zone` stands for. `zone` may be absent or
 * a UTC name (UTC), a numeric offset (`+02:00`), or an IANA name
 * (`Europe/Paris`, converted with Intl). A zone Intl does not know is read as
 * UTC: best effort, the caller keeps the raw text. Null for impossible dates.
 */
export function parseZonedTime(wall: WallClock, zone?: string): Date | null {
  if (wall.month < 0 || wall.month > 11 || wall.day < 1 || wall.day > 31 || wall.hour > 23 || wall.minute > 59 || wall.second > 60) {
    return null;
  }
  const asUtc = Date.UTC(wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second);
  if (zone === undefined || UTC_NAMES.has(zone)) return new Date(asUtc);
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (offset) {
    const minutes = Number(offset[2]) * 60 + Number(offset[3]);
    return new Date(asUtc - (offset[1] === '-' ? -1 : 1) * minutes * 60_000);
  }
  const first = zoneOffsetMs(asUtc, zone);
  if (first === null) return new Date(asUtc);
  // Second pass lands on the right side of a DST change.
  const second = zoneOffsetMs(asUtc - first, zone) ?? first;
  return new Date(asUtc - second);
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function zoneOffsetMs(instant: number, zone: string): number | null {
  let fmt = formatters.get(zone);
  if (fmt === undefined) {
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      fmt = null;
    }
    // Zone names come from log text: keep the cache bounded.
    if (formatters.size < 64) formatters.set(zone, fmt);
  }
  if (fmt === null) return null;
  const parts: Record<string, number> = {};
  for (const p of fmt.formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(instant / 1000) * 1000;
}
