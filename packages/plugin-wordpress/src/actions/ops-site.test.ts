import { describe, expect, it } from 'vitest';
import { deactivatePluginsOp, quarantineFolderOp, setThemeOp } from './ops-site.js';

describe('site operations', () => {
  it('describe every argument that matters, so the plan (and its hash) changes with them', () => {
    expect(deactivatePluginsOp.describe({ files: ['bad/bad.php'], active: ['a.php', 'bad/bad.php'] })).toBe('deactivate bad/bad.php: active plugins ["a.php"] (were ["a.php","bad/bad.php"])');
    expect(setThemeOp.describe({ template: 'parent', stylesheet: 'child', was: { template: 'broken', stylesheet: 'broken' } })).toBe(
      'switch the theme from broken to child (child of parent): options template = "parent", stylesheet = "child"',
    );
    expect(quarantineFolderOp.describe({ path: '/srv/.healer-backups/quarantine/ab/wp-content' })).toBe('create the private folder /srv/.healer-backups/quarantine/ab/wp-content (mode 0700)');
  });

  it('refuse arguments that leave the plugins or themes folder, or a quarantine path that is not absolute and normalized', () => {
    expect(deactivatePluginsOp.args.safeParse({ files: ['a/a.php', 'one.php'], active: [] }).success).toBe(true);
    for (const file of ['../evil.php', 'a/../../x.php', '/etc/passwd', '', 'a\nb.php']) {
      expect(deactivatePluginsOp.args.safeParse({ files: [file], active: [] }).success, file).toBe(false);
    }
    expect(deactivatePluginsOp.args.safeParse({ files: [], active: ['a.php'] }).success).toBe(false);
    for (const slug of ['..', 'a/b', '', 'x\0']) {
      expect(setThemeOp.args.safeParse({ template: slug, stylesheet: 'ok', was: { template: 'a', stylesheet: 'a' } }).success, slug).toBe(false);
    }
    for (const path of ['relative/q', '/srv/q/../x', '/srv/q/', '/srv/q\n']) {
      expect(quarantineFolderOp.args.safeParse({ path }).success, path).toBe(false);
    }
  });
});
