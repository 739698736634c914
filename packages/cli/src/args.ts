/** Parsing flag values: every bad value is a usage error (exit 64) with a clear message. */
import { normalizeMode, type Mode, type TargetInput } from '@healer/core';
import { usageError } from './cli-error.js';
import { resolveTargetPath } from './remote.js';

/** Where command-line paths are resolved: this machine's working folder, or a remote host (absolute paths only). */
export interface PathBase {
  cwd: string;
  remote: boolean;
}

/** An app path from the command line: the working folder by default, relative paths resolved against it (local only). */
export function resolvePathArg(base: PathBase, path: string | undefined): string {
  return resolveTargetPath(base.cwd, base.remote, path);
}

/** The target of detect/diagnose/plan/heal: the path, plus `--url` when given. */
export function targetArg(base: PathBase, path: string | undefined, url: string | undefined): TargetInput {
  const resolved = resolvePathArg(base, path);
  if (url === undefined) return resolved;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`--url ${JSON.stringify(url)} is not a URL (expected e.g. http://127.0.0.1:8080/).`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw usageError(`--url must be http or https, got ${parsed.protocol}`);
  return { path: resolved, url };
}

export function parseMode(value: string | undefined): Mode | undefined {
  if (value === undefined) return undefined;
  try {
    return normalizeMode(value);
  } catch {
    throw usageError(`Unknown mode ${JSON.stringify(value)}: use manual, supervised or auto (SEMI_AUTO and FULL_AUTO are accepted as aliases).`);
  }
}

/** A whole number >= min, for flags such as `--limit` and `--max-depth`. */
export function parseIntArg(flag: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) throw usageError(`${flag} must be a whole number >= ${min}, got ${JSON.stringify(value)}.`);
  return Number(value);
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since`: an ISO date/time, or a duration back from `now` such as `30m`, `1h`, `2d`. */
export function parseSince(value: string | undefined, now: Date = new Date()): Date | undefined {
  if (value === undefined) return undefined;
  const rel = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(value.trim());
  if (rel) return new Date(now.getTime() - Number(rel[1]) * UNIT_MS[rel[2]!.toLowerCase()]!);
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const at = new Date(value);
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw usageError(`--since ${JSON.stringify(value)} is neither an ISO date (2025-01-31T12:00:00Z) nor a duration (30m, 1h, 2d).`);
}

/** "in 29 min", "in 2 h 5 min", "now". */
export function describeDelay(until: Date, now: Date = new Date()): string {
  const ms = until.getTime() - now.getTime();
  if (ms <= 0) return 'now';
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `in ${hours} h${rest ? ` ${rest} min` : ''}`;
}
