/** Composer constraints against PHP versions, with Composer's meaning of `~` and `^`. */
import { describe, expect, it } from 'vitest';
import { satisfiesComposer } from './constraint.js';

describe('satisfiesComposer', () => {
  const cases: Array<[string, string, boolean | null]> = [
    ['8.2.7', '^8.1', true],
    ['9.0.0', '^8.1', false],
    ['8.0.30', '^8.1', false],
    ['8.3.1', '~8.1', true],
    ['9.0.0', '~8.1', false],
    ['8.1.9', '~8.1.2', true],
    ['8.2.0', '~8.1.2', false],
    ['7.4.33', '>=8.0', false],
    ['8.2.7', '>=7.4 <9', true],
    ['8.2.7', '>=7.4,<8.2', false],
    ['8.1.27', '8.1.*', true],
    ['8.2.0', '8.1.*', false],
    ['7.4.33', '^7.4 || ^8.0', true],
    ['8.3.0', '^7.4 | ^8.0', true],
    ['8.2.7', '7.4 - 8.2', true],
    ['8.3.0', '7.4 - 8.2', false],
    ['8.2.7', '>= 8.1', true],
    ['8.2.7', '*', true],
    ['8.2.7', 'dev-main', null],
  ];
  for (const [version, constraint, expected] of cases) {
    it(`${version} ${expected === null ? 'cannot be judged against' : expected ? 'meets' : 'does not meet'} ${constraint}`, () => {
      expect(satisfiesComposer(version, constraint)).toBe(expected);
    });
  }
});
