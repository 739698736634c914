import { describe, expect, it } from 'vitest';
import { findCronDuplicates } from './options.js';

describe('findCronDuplicates', () => {
  it('groups by hook and arguments, most repeated first', () => {
    const events = [
      { hook: 'a', args: '[]' },
      { hook: 'a', args: '[]' },
      { hook: 'a', args: '[1]' },
      { hook: 'b', args: '[]' },
      { hook: 'b', args: '[]' },
      { hook: 'b', args: '[]' },
      { hook: 'c', args: '[]' },
    ];
    expect(findCronDuplicates(events)).toEqual([
      { hook: 'b', args: '[]', count: 3 },
      { hook: 'a', args: '[]', count: 2 },
    ]);
    expect(findCronDuplicates([])).toEqual([]);
  });
});
