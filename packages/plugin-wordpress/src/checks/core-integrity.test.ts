import { describe, expect, it } from 'vitest';
import { baselinePath, compareWithBaseline } from './core-integrity.js';

describe('compareWithBaseline', () => {
  it('lists modified, missing and added files', () => {
    const baseline = { 'index.php': 'a', 'wp-includes/x.php': 'b', 'wp-admin/y.php': 'c' };
    const now = { 'index.php': 'a', 'wp-includes/x.php': 'B', 'wp-includes/shell.php': 'd' };
    expect(compareWithBaseline(baseline, now)).toEqual({ modified: ['wp-includes/x.php'], missing: ['wp-admin/y.php'], added: ['wp-includes/shell.php'] });
    expect(compareWithBaseline(baseline, { ...baseline })).toEqual({ modified: [], missing: [], added: [] });
  });
});

describe('baselinePath', () => {
  it('sits beside the backups, outside the web root, one file per root', () => {
    const a = baselinePath('/srv/www/shop');
    expect(a).toMatch(/^\/srv\/www\/\.healer-backups\/baselines\/wordpress-core-shop-[0-9a-f]{10}\.json$/);
    expect(baselinePath('/srv/www/shop')).toBe(a);
    expect(baselinePath('/srv/other/shop')).not.toBe(a);
  });

  it('follows the coreBaselinePath setting, which must be an absolute path', () => {
    expect(baselinePath('/srv/www/shop', { coreBaselinePath: '/var/lib/healer/shop.json' })).toBe('/var/lib/healer/shop.json');
    expect(() => baselinePath('/srv/www/shop', { coreBaselinePath: 'relative.json' })).toThrow(/absolute/);
  });
});
