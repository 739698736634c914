/** Types and helpers the Laravel checks share. */
import type { CheckContext, CheckResult, DiagnosticCheck } from '@healer/core';
import type { LaravelConfig } from '../config.js';
import type { LaravelMeta } from '../types.js';

export type LaravelCheck = DiagnosticCheck<LaravelConfig, LaravelMeta>;
export type LaravelCheckContext = CheckContext<LaravelConfig, LaravelMeta>;

export const skip = (message: string): CheckResult => ({ status: 'skip', message });

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `0755`. */
export const octal = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, '0');

/** A duration in words: `3 minutes`, `2 hours`, `4 days`. */
export function age(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 120) return plural(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (hours < 48) return plural(hours, 'hour');
  return plural(Math.round(hours / 24), 'day');
}
