import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import semver from 'semver';
import { CORE_VERSION } from './version.js';

describe('CORE_VERSION', () => {
  it('equals the version in packages/core/package.json (plugins are checked against it)', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    expect(pkg.name).toBe('@healer/core');
    expect(semver.valid(CORE_VERSION)).toBe(CORE_VERSION);
    expect(CORE_VERSION).toBe(pkg.version);
  });
});
