import { describe, expect, it } from 'vitest';
import { escapeFindPattern, outermostRoots, parseFindOutput, parseSha256sumOutput, resolveRoots } from './tree.js';
import { compareEntries } from './verify.js';
import { whyNotRemovable } from './prune.js';
import type { BackupManifest } from '../contract/backup.js';

describe('tree parsing', () => {
  it('parses NUL-separated find records, names with line breaks included, and skips special files', () => {
    const rec = (...f: string[]): string => f.map((x) => `${x}\0`).join('');
    const text =
      rec('d', '755', '0', '0', '4096', '', '/a') +
      rec('f', '600', '33', '33', '5', '', '/a/odd\nname') +
      rec('l', '777', '0', '0', '3', 'x y', '/a/l') +
      rec('s', '755', '0', '0', '0', '', '/a/sock');
    expect(parseFindOutput(text)).toEqual([
      { path: '/a', type: 'directory', mode: 0o755, uid: 0, gid: 0 },
      { path: '/a/odd\nname', type: 'file', mode: 0o600, uid: 33, gid: 33, size: 5 },
      { path: '/a/l', type: 'symlink', uid: 0, gid: 0, linkTarget: 'x y' },
    ]);
    expect(() => parseFindOutput(rec('f', '600'))).toThrow(/whole NUL-separated records/);
  });

  it('parses sha256sum -z output, text and binary markers', () => {
    const h = 'a'.repeat(64);
    expect(parseSha256sumOutput(`${h}  /x y\0${h} */z\nw\0`)).toEqual(new Map([['/x y', h], ['/z\nw', h]]));
    expect(() => parseSha256sumOutput('nope\0')).toThrow(/Unexpected output/);
  });

  it('keeps only outermost roots and checks they stay in the app root', () => {
    expect(outermostRoots(['/a/b', '/a', '/a/b/c', '/ab', '/a'])).toEqual(['/a', '/ab']);
    expect(resolveRoots('/srv/app', ['x', '/srv/app/y', 'x', '.'])).toEqual(['/srv/app', '/srv/app/x', '/srv/app/y']);
    for (const p of ['..', '../app2', '/srv/app2/x']) {
      expect(() => resolveRoots('/srv/app', [p]), p).toThrow(expect.objectContaining({ code: 'PATH_OUTSIDE_ROOTS' }));
    }
  });

  it('escapes glob characters for find -path', () => {
    expect(escapeFindPattern('/a/*b?[c]\\d')).toBe('/a/\\*b\\?\\[c\\]\\\\d');
  });
});

describe('compareEntries', () => {
  it('names every kind of difference', () => {
    const expected = [
      { path: '/r', type: 'directory' as const, mode: 0o755, uid: 0, gid: 0 },
      { path: '/r/f', type: 'file' as const, mode: 0o644, uid: 0, gid: 0, size: 1, sha256: 'aa' },
      { path: '/r/l', type: 'symlink' as const, linkTarget: 'f', uid: 0, gid: 0 },
      { path: '/r/gone', type: 'file' as const, mode: 0o644, size: 1, sha256: 'bb' },
      { path: '/q', type: 'absent' as const },
    ];
    const actual = [
      { path: '/r', type: 'directory' as const, mode: 0o700, uid: 0, gid: 0 },
      { path: '/r/f', type: 'file' as const, mode: 0o644, uid: 1, gid: 0, size: 1, sha256: 'ab' },
      { path: '/r/l', type: 'symlink' as const, linkTarget: 'g', uid: 0, gid: 0 },
      { path: '/r/new', type: 'directory' as const, mode: 0o755 },
      { path: '/q', type: 'file' as const, mode: 0o644, size: 0, sha256: 'cc' },
    ];
    const out = compareEntries(expected, actual, { owners: true });
    expect(out).toEqual([
      '"/r": mode 0700, expected 0755',
      expect.stringMatching(/^"\/r\/f": content differs/),
      '"/r/f": owner 1:0, expected 0:0',
      '"/r/l": links to "g", expected "f"',
      '"/r/gone": missing (expected a file)',
      '"/q": should be absent, found a file',
      '"/r/new": not in the backup (added since)',
    ]);
    expect(compareEntries(expected, actual, { owners: false })).not.toContain('"/r/f": owner 1:0, expected 0:0');
    expect(compareEntries(expected.slice(0, 3), expected.slice(0, 3), { owners: true })).toEqual([]);
  });
});

describe('whyNotRemovable', () => {
  const m = (dir: string, id = 'bk', executionId = 'ex'): BackupManifest =>
    ({ id, executionId, dir }) as BackupManifest;
  it('accepts only <backup root>/<executionId>/<id> under a known root', () => {
    expect(whyNotRemovable(m('/srv/.healer-backups/ex/bk'), [])).toBeNull();
    expect(whyNotRemovable(m('/var/bk/ex/bk'), ['/var/bk'])).toBeNull();
    expect(whyNotRemovable(m('/var/bk/ex/bk'), [])).toMatch(/neither a configured backup root/);
    expect(whyNotRemovable(m('/srv/.healer-backups/ex'), [])).toMatch(/not <backup root>/);
    expect(whyNotRemovable(m('/srv/.healer-backups/ex/other'), [])).toMatch(/not <backup root>/);
    expect(whyNotRemovable(m('/srv/.healer-backups/ex/../bk'), [])).toMatch(/not normalized/);
    expect(whyNotRemovable(m('/.healer-backups/..', '..', '.healer-backups'), [])).not.toBeNull();
  });
});
