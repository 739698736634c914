import { describe, expect, it } from 'vitest';
import { isHealerError } from '../errors.js';
import { childPath, isPathWithin, resolvePath, validatePath } from './paths.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isHealerError(e) ? e.code : `not a HealerError: ${String(e)}`;
  }
  return undefined;
}

describe('validatePath', () => {
  it('accepts absolute normalized paths and returns them', () => {
    for (const p of ['/', '/srv', '/srv/app/wp-config.php', '/a b/$(x)/*', '/.hidden', '/a/...', '/émoji-😀']) {
      expect(validatePath(p)).toBe(p);
    }
  });

  it('refuses anything else with PATH_INVALID', () => {
    const bad = ['', 'relative', './x', '../x', '/a/../b', '/a/..', '/..', '/a/./b', '/a/.', '//a', '/a//b', '/a/', '/a\0b', '/a\nb', '/a\rb'];
    for (const p of bad) expect(codeOf(() => validatePath(p)), JSON.stringify(p)).toBe('PATH_INVALID');
  });

  it('refuses names and paths longer than the kernel accepts', () => {
    expect(validatePath(`/srv/${'x'.repeat(255)}`)).toBe(`/srv/${'x'.repeat(255)}`);
    expect(codeOf(() => validatePath(`/srv/${'x'.repeat(256)}/y`))).toBe('PATH_INVALID');
    expect(codeOf(() => validatePath(`/srv/${'é'.repeat(128)}`))).toBe('PATH_INVALID');
    const deep = `/${Array.from({ length: 25 }, () => 'd'.repeat(200)).join('/')}`;
    expect(codeOf(() => validatePath(deep))).toBe('PATH_INVALID');
    const justFits = `/${Array.from({ length: 16 }, () => 'd'.repeat(254)).join('/')}`.slice(0, 4095);
    expect(validatePath(justFits)).toBe(justFits);
  });

  it('names what was wrong and what was meant', () => {
    expect(() => validatePath('/srv/app/', 'app root')).toThrow(/app root.*not normalized.*"\/srv\/app"/);
    expect(() => validatePath('srv')).toThrow(/must be absolute/);
  });
});

describe('isPathWithin', () => {
  it('is true for the root itself and what is below it', () => {
    expect(isPathWithin('/srv/app', '/srv/app')).toBe(true);
    expect(isPathWithin('/srv/app', '/srv/app/a/b')).toBe(true);
    expect(isPathWithin('/', '/anything')).toBe(true);
  });

  it('is false for siblings sharing a prefix and for parents', () => {
    expect(isPathWithin('/srv/app', '/srv/app2')).toBe(false);
    expect(isPathWithin('/srv/app', '/srv/app-backup/x')).toBe(false);
    expect(isPathWithin('/srv/app', '/srv')).toBe(false);
    expect(isPathWithin('/srv/app', '/')).toBe(false);
  });
});

describe('resolvePath', () => {
  it('resolves relative paths against the base and normalizes', () => {
    expect(resolvePath('/srv/app', 'wp-content/../wp-config.php')).toBe('/srv/app/wp-config.php');
    expect(resolvePath('/srv/app', '../other')).toBe('/srv/other');
    expect(resolvePath('/srv/app', '/etc/passwd')).toBe('/etc/passwd');
    expect(resolvePath('/srv/app', 'dir/')).toBe('/srv/app/dir');
  });

  it('refuses NUL and line breaks, and an invalid base', () => {
    expect(codeOf(() => resolvePath('/srv', 'a\0'))).toBe('PATH_INVALID');
    expect(codeOf(() => resolvePath('/srv', 'a\nb'))).toBe('PATH_INVALID');
    expect(codeOf(() => resolvePath('srv', 'a'))).toBe('PATH_INVALID');
  });
});

describe('childPath', () => {
  it('joins one file name under a folder', () => {
    expect(childPath('/srv', 'a b')).toBe('/srv/a b');
    expect(childPath('/', 'etc')).toBe('/etc');
    expect(childPath('/srv', '...')).toBe('/srv/...');
    expect(childPath('/srv', 'x'.repeat(255))).toBe(`/srv/${'x'.repeat(255)}`);
  });

  it('refuses names that are not exactly one component', () => {
    for (const name of ['', '.', '..', 'a/b', '/abs', 'a\0', 'a\nb', 'a\rb', 'x'.repeat(256), '😀'.repeat(64)]) {
      expect(codeOf(() => childPath('/srv', name)), JSON.stringify(name.slice(0, 20))).toBe('PATH_INVALID');
    }
    expect(codeOf(() => childPath('srv', 'a'))).toBe('PATH_INVALID');
  });
});
