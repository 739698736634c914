import { describe, expect, it } from 'vitest';
import { defaultThemeYear, parentTheme } from './theme.js';

describe('default themes', () => {
  it('orders the twenty* themes by their year', () => {
    expect(defaultThemeYear('twentyten')).toBe(2010);
    expect(defaultThemeYear('twentynineteen')).toBe(2019);
    expect(defaultThemeYear('twentytwenty')).toBe(2020);
    expect(defaultThemeYear('twentytwentythree')).toBe(2023);
    expect(defaultThemeYear('twentytwentyfive')).toBe(2025);
    expect(defaultThemeYear('twentyfoo')).toBeNull();
    expect(defaultThemeYear('astra')).toBeNull();
  });

  it('reads the parent of a child theme from style.css', () => {
    expect(parentTheme('/*\nTheme Name: Child\n Template: twentytwentyone\n*/')).toBe('twentytwentyone');
    expect(parentTheme('/*\nTheme Name: Standalone\n*/')).toBeNull();
  });
});
