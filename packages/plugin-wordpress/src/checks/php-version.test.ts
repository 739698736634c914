import { describe, expect, it } from 'vitest';
import { readHeader } from './php-version.js';

describe('readHeader', () => {
  it('reads plugin and theme headers the way get_file_data() does', () => {
    expect(readHeader('<?php\n/**\n * Plugin Name: Shop\n * Requires PHP: 7.4\n */', 'Requires PHP')).toBe('7.4');
    expect(readHeader('/*\nTheme Name: T\nRequires PHP: 8.0\n*/', 'Requires PHP')).toBe('8.0');
    expect(readHeader('<?php /* Requires PHP: 7.2 */', 'Requires PHP')).toBe('7.2');
    expect(readHeader('<?php\n# requires php:   5.6  \n', 'Requires PHP')).toBe('5.6');
  });

  it('is null when the header is absent or empty', () => {
    expect(readHeader('<?php\n/* Plugin Name: Shop */', 'Requires PHP')).toBeNull();
    expect(readHeader('<?php\n/* Requires PHP: */', 'Requires PHP')).toBeNull();
  });
});
