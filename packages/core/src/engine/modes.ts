/**
 * Modes x risks: who may run what without a person.
 */
import type { Mode, ModeInput, Risk } from '../contract/plugin.js';
import { HealerError } from '../errors.js';
import { ModeSchema, RiskSchema, rankOf } from '../schemas.js';

// A Map, not an object literal: `constructor` or `__proto__` must not resolve to a prototype member.
const ALIASES: ReadonlyMap<string, Mode> = new Map([
  ['manual', 'manual'],
  ['supervised', 'supervised'],
  ['auto', 'auto'],
  ['semi_auto', 'supervised'],
  ['semi-auto', 'supervised'],
  ['full_auto', 'auto'],
  ['full-auto', 'auto'],
]);

/** Accept `manual|supervised|auto` and the older `SEMI_AUTO` / `FULL_AUTO` (any case). */
export function normalizeMode(input: ModeInput | string): Mode {
  const mode = ALIASES.get(String(input).toLowerCase());
  if (!mode) {
    throw new HealerError(
      'INVALID_ARGUMENT',
      `Unknown mode ${JSON.stringify(input)}: use manual, supervised or auto (SEMI_AUTO and FULL_AUTO are accepted as aliases).`,
    );
  }
  return mode;
}

/** Where an action of `risk` goes under `mode`. */
export type Gate = 'auto' | 'approval' | 'explicit-approval';

/**
 * - `manual` never heals on its own;
 * - `supervised` heals low;
 * - `auto` heals low and medium;
 * - high always needs approval;
 * - critical needs an explicit approval of that very action (never "approve all").
 */
export function gateFor(mode: Mode, risk: Risk): Gate {
  if (risk === 'critical') return 'explicit-approval';
  if (risk === 'high') return 'approval';
  if (mode === 'manual') return 'approval';
  if (risk === 'medium') return mode === 'auto' ? 'auto' : 'approval';
  return 'auto';
}

const ORDER: readonly Mode[] = ModeSchema.options;

/** The more cautious of two modes. */
export function lowerMode(a: Mode, b: Mode | null | undefined): Mode {
  if (!b) return a;
  return ORDER.indexOf(a) <= ORDER.indexOf(b) ? a : b;
}

/** One step down: auto -> supervised -> manual. */
export function demoteMode(mode: Mode): Mode {
  return ORDER[Math.max(0, ORDER.indexOf(mode) - 1)]!;
}

/** Lowest risk first: `{ low: 0, medium: 1, high: 2, critical: 3 }`, read from {@link RiskSchema}. */
export const RISK_ORDER: Readonly<Record<Risk, number>> = rankOf(RiskSchema.options);
