import { describe, expect, it } from 'vitest';
import type { Mode, Risk } from '../contract/plugin.js';
import { isHealerError } from '../errors.js';
import { demoteMode, gateFor, lowerMode, normalizeMode, RISK_ORDER, type Gate } from './modes.js';

/** DESIGN.md, "Modes x risk", written out cell by cell. */
const TABLE: Record<Mode, Record<Risk, Gate>> = {
  manual: { low: 'approval', medium: 'approval', high: 'approval', critical: 'explicit-approval' },
  supervised: { low: 'auto', medium: 'approval', high: 'approval', critical: 'explicit-approval' },
  auto: { low: 'auto', medium: 'auto', high: 'approval', critical: 'explicit-approval' },
};

describe('gateFor: the whole mode x risk table', () => {
  for (const [mode, row] of Object.entries(TABLE) as Array<[Mode, Record<Risk, Gate>]>) {
    for (const [risk, gate] of Object.entries(row) as Array<[Risk, Gate]>) {
      it(`${mode} x ${risk} -> ${gate}`, () => {
        expect(gateFor(mode, risk)).toBe(gate);
      });
    }
  }

  it('covers 12 cells', () => {
    expect(Object.values(TABLE).flatMap((row) => Object.keys(row))).toHaveLength(12);
  });
});

describe('normalizeMode', () => {
  it.each([
    ['manual', 'manual'],
    ['supervised', 'supervised'],
    ['auto', 'auto'],
    ['MANUAL', 'manual'],
    ['Supervised', 'supervised'],
    ['AUTO', 'auto'],
    ['SEMI_AUTO', 'supervised'],
    ['semi_auto', 'supervised'],
    ['Semi-Auto', 'supervised'],
    ['FULL_AUTO', 'auto'],
    ['full-auto', 'auto'],
  ])('%s -> %s', (input, mode) => {
    expect(normalizeMode(input)).toBe(mode);
  });

  it.each(['', 'automatic', 'full auto', 'supervisedx', '__proto__', 'constructor', 'toString'])(
    'refuses %j with INVALID_ARGUMENT naming the accepted modes',
    (input) => {
      let caught: unknown;
      try {
        normalizeMode(input);
      } catch (e) {
        caught = e;
      }
      expect(isHealerError(caught, 'INVALID_ARGUMENT')).toBe(true);
      expect((caught as Error).message).toContain('manual, supervised or auto');
    },
  );
});

describe('mode ordering', () => {
  it('lowerMode picks the more cautious mode', () => {
    expect(lowerMode('auto', 'manual')).toBe('manual');
    expect(lowerMode('manual', 'auto')).toBe('manual');
    expect(lowerMode('auto', 'supervised')).toBe('supervised');
    expect(lowerMode('supervised', null)).toBe('supervised');
  });

  it('demoteMode steps down once and stops at manual', () => {
    expect(demoteMode('auto')).toBe('supervised');
    expect(demoteMode('supervised')).toBe('manual');
    expect(demoteMode('manual')).toBe('manual');
  });

  it('RISK_ORDER sorts low < medium < high < critical', () => {
    const sorted = (['critical', 'low', 'high', 'medium'] as Risk[]).sort((a, b) => RISK_ORDER[a] - RISK_ORDER[b]);
    expect(sorted).toEqual(['low', 'medium', 'high', 'critical']);
  });
});
