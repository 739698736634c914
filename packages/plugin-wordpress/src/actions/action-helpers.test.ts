import { describe, expect, it } from 'vitest';
import { phpSizeBytes } from './config-edits.js';
import { upgradingTimestamp } from './maintenance.js';
import { configMode, folderMode } from './permissions.js';
import { pluginFiles } from './plugins.js';
import { flaggedFiles, quarantinePath } from './quarantine.js';
import { isTransient } from '../transients.js';

describe('action helpers', () => {
  it('finds a plugin slug in active_plugins, folder or single file, and nothing that merely starts alike', () => {
    const active = ['broken/broken.php', 'broken-extra/main.php', 'hello.php', 'broken.php'];
    expect(pluginFiles(active, 'broken')).toEqual(['broken/broken.php', 'broken.php']);
    expect(pluginFiles(active, 'hello')).toEqual(['hello.php']);
    expect(pluginFiles(active, 'none')).toEqual([]);
  });

  it('takes read and write from others and write from the group on wp-config.php, only o-w on folders', () => {
    expect(configMode(0o644)).toBe(0o640);
    expect(configMode(0o666)).toBe(0o640);
    expect(configMode(0o604)).toBe(0o600);
    expect(configMode(0o755)).toBe(0o640);
    expect(configMode(0o004)).toBe(0o400);
    expect(folderMode(0o777)).toBe(0o775);
    expect(folderMode(0o1777)).toBe(0o1775);
    expect(folderMode(0o757)).toBe(0o755);
  });

  it('reads the $upgrading timestamp, not time()', () => {
    expect(upgradingTimestamp('<?php $upgrading = 1700000000; ?>')).toBe(1700000000);
    expect(upgradingTimestamp('<?php $upgrading = time(); ?>')).toBeNull();
    expect(upgradingTimestamp('')).toBeNull();
  });

  it('reads PHP size shorthands', () => {
    expect(phpSizeBytes('256M')).toBe(256 * 1024 ** 2);
    expect(phpSizeBytes('1g')).toBe(1024 ** 3);
    expect(phpSizeBytes('64K')).toBe(65536);
    expect(phpSizeBytes('524288')).toBe(524288);
    expect(phpSizeBytes('-1')).toBeNull();
    expect(phpSizeBytes('lots')).toBeNull();
  });

  it('takes flagged files from check details, strings or objects, relative or absolute', () => {
    const root = '/srv/site';
    expect(flaggedFiles(root, { files: ['/srv/site/wp-content/uploads/a.php', 'wp-content/b.php', { path: '/srv/site/c.php' }, { file: 'd.php' }, 3, '', 'x\0y'] })).toEqual([
      '/srv/site/wp-content/uploads/a.php',
      '/srv/site/wp-content/b.php',
      '/srv/site/c.php',
      '/srv/site/d.php',
    ]);
    expect(flaggedFiles(root, undefined)).toEqual([]);
  });

  it('quarantines under the backup root by content hash and path, so the same path twice never collides', () => {
    const sha = 'ab'.repeat(32);
    expect(quarantinePath('/srv/.healer-backups', '/srv/site', '/srv/site/wp-content/uploads/x.php', sha)).toBe(
      `/srv/.healer-backups/quarantine/${sha.slice(0, 16)}/wp-content/uploads/x.php`,
    );
  });

  it('tells transients from other options', () => {
    expect(isTransient('_transient_feed_123')).toBe(true);
    expect(isTransient('_transient_timeout_feed_123')).toBe(true);
    expect(isTransient('_site_transient_update_core')).toBe(true);
    expect(isTransient('transient_like')).toBe(false);
    expect(isTransient('active_plugins')).toBe(false);
  });
});
