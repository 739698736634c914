/**
 * Reading the shared checks' thresholds from `ctx.settings`, with defaults.
 * @internal
 */
import type { AppSettings } from '../../contract/plugin.js';
import { HealerError } from '../../errors.js';

/**
 * The settings keys the shared checks read, with their defaults. Any of them
 * may be set per application in `settings`.
 */
export const SHARED_CHECK_DEFAULTS = {
  /** `core/disk-space`: warn at this used percent of the app root's filesystem. */
  diskWarnPercent: 85,
  /** `core/disk-space`: fail at this used percent. */
  diskFailPercent: 95,
  /** `core/disk-inodes`: warn at this used percent of inodes. */
  inodesWarnPercent: 85,
  /** `core/disk-inodes`: fail at this used percent of inodes. */
  inodesFailPercent: 95,
  /** `core/memory`: warn when available memory is below this percent of the total. */
  memoryWarnAvailablePercent: 10,
  /** `core/memory`: fail when available memory is below this percent. */
  memoryFailAvailablePercent: 5,
  /** `core/load`: warn when the 5-minute load per CPU is above this. */
  loadWarnPerCpu: 2,
  /** `core/load`: fail when the 5-minute load per CPU is above this. */
  loadFailPerCpu: 4,
  /** `core/http-health`: give up on the request after this long. */
  httpTimeoutMs: 10_000,
  /** `core/http-health`: warn when the whole response took longer than this. */
  httpLatencyWarnMs: 2_000,
  /** `core/tls-expiry`: warn when the certificate expires in fewer days than this. */
  tlsWarnDays: 14,
  /** `core/tls-expiry`: fail when it expires in fewer days than this (or has expired). */
  tlsFailDays: 3,
  /** `core/tls-expiry`: give up on the TLS handshake after this long. */
  tlsTimeoutMs: 10_000,
} as const;

export type SharedCheckSettingKey = keyof typeof SHARED_CHECK_DEFAULTS;

/** A number from settings (a numeric string is accepted), or the default; `CONFIG_INVALID` otherwise. */
export function numberSetting(settings: AppSettings, key: SharedCheckSettingKey): number {
  const value = settings[key];
  if (value === undefined || value === null) return SHARED_CHECK_DEFAULTS[key];
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new HealerError('CONFIG_INVALID', `The setting "${key}" must be a number; got ${JSON.stringify(value)}.`);
  }
  return n;
}

/** A list of strings from settings (a single string counts as a list of one); empty when unset. */
export function stringListSetting(settings: AppSettings, key: string): string[] {
  const value = settings[key];
  if (value === undefined || value === null) return [];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (!list.every((v): v is string => typeof v === 'string')) {
    throw new HealerError('CONFIG_INVALID', `The setting "${key}" must be a list of strings; got ${JSON.stringify(value)}.`);
  }
  return list.filter((v) => v.length > 0);
}

/**
 * The app URL from settings as a normalized `http:`/`https:` href; null when
 * unset or empty; `CONFIG_INVALID` when it is not an http(s) URL.
 */
export function checkUrlSetting(raw: unknown): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw !== 'string') throw new HealerError('CONFIG_INVALID', `The setting "url" must be a string; got ${JSON.stringify(raw)}.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HealerError('CONFIG_INVALID', `The setting "url" is not a valid URL: ${JSON.stringify(raw)}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HealerError('CONFIG_INVALID', `The setting "url" must be an http or https URL; got ${JSON.stringify(raw)}.`);
  }
  return url.href;
}

/** Human-readable size: `4.2 GB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A percent for messages, with at most one decimal: `94.6%`. */
export function formatPercent(percent: number): string {
  return `${Number(percent.toFixed(1))}%`;
}

/** `fail` when `value >= fail`, `warn` when `value >= warn`, `pass` otherwise. */
export function gradeAtLeast(value: number, warn: number, fail: number): 'pass' | 'warn' | 'fail' {
  if (value >= fail) return 'fail';
  if (value >= warn) return 'warn';
  return 'pass';
}

/** An AbortSignal that fires when `signal` aborts or after `ms`; `dispose()` clears the timer. */
export function withTimeout(signal: AbortSignal, ms: number): { signal: AbortSignal; timedOut(): boolean; dispose(): void } {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = (): void => controller.abort(signal.reason);
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new HealerError('COMMAND_TIMEOUT', `Timed out after ${ms} ms.`));
  }, ms);
  return {
    signal: controller.signal,
    timedOut: () => timedOut && !signal.aborted,
    dispose: () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}
