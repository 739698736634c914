import { describe, expect, it } from 'vitest';
import { compareVersions, formatBytes, formatDuration, parseVersionFile, phpTruthy } from './shared.js';

describe('check helpers', () => {
  it('reads truthiness like PHP', () => {
    expect([true, 1, 'true', 'false', '1', 'yes'].map(phpTruthy)).toEqual([true, true, true, true, true, true]);
    expect([false, 0, '', '0', null, undefined].map(phpTruthy)).toEqual([false, false, false, false, false, false]);
  });

  it('compares dotted versions numerically', () => {
    expect(compareVersions('8.2.7', '7.4')).toBeGreaterThan(0);
    expect(compareVersions('7.4', '7.4.0')).toBe(0);
    expect(compareVersions('5.6.20', '5.6.3')).toBeGreaterThan(0);
    expect(compareVersions('8.2.7', '99.1')).toBeLessThan(0);
  });

  it('parses version.php without running it', () => {
    const text = "<?php\n$wp_version = '6.1.9';\n$wp_db_version = 53496;\n$required_php_version = '5.6.20';\n$required_mysql_version = '5.0';\n";
    expect(parseVersionFile(text)).toEqual({ wordpress: '6.1.9', requiredPhp: '5.6.20', requiredMysql: '5.0' });
    expect(parseVersionFile('')).toEqual({ wordpress: null, requiredPhp: null, requiredMysql: null });
  });

  it('formats sizes and durations for messages', () => {
    expect([formatBytes(312), formatBytes(800 * 1024), formatBytes(1.5 * 1024 * 1024)]).toEqual(['312 bytes', '800 KB', '1.5 MB']);
    expect([formatDuration(45), formatDuration(720), formatDuration(3 * 3600 + 300), formatDuration(3 * 86400)]).toEqual(['45 s', '12 min', '3 h 5 min', '3 days']);
  });
});
