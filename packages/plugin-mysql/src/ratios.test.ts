import { describe, expect, it } from 'vitest';
import { formatBytes, numberOf, percent, ratio } from './ratios.js';

describe('zero-safe ratios', () => {
  it('never divides by zero, a missing value or a non-number', () => {
    expect(ratio(5, 0)).toBeNull();
    expect(ratio(0, 0)).toBeNull();
    expect(ratio(null, 10)).toBeNull();
    expect(ratio(5, null)).toBeNull();
    expect(ratio(5, Number.NaN)).toBeNull();
    expect(percent(1, 0)).toBeNull();
    expect(percent(0, 10)).toBe(0);
    expect(percent(501, 10_000)).toBe(5.01);
  });

  it('reads status values as numbers only when they are', () => {
    expect(numberOf({ a: '12', b: 'ON', c: '' }, 'a')).toBe(12);
    expect(numberOf({ a: '12', b: 'ON', c: '' }, 'b')).toBeNull();
    expect(numberOf({ a: '12', b: 'ON', c: '' }, 'c')).toBeNull();
    expect(numberOf({}, 'x')).toBeNull();
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});
