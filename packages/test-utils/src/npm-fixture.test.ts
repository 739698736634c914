import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { installFixture } from './npm-fixture.js';

const FIXTURES = [
  fileURLToPath(new URL('../../plugin-nodejs/test/fixtures/express-app', import.meta.url)),
  fileURLToPath(new URL('../../plugin-nextjs/test/fixtures/next-app', import.meta.url)),
];

describe('installFixture', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('refuses a fixture whose dependencies are ranges, before running npm', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'healer-fixture-ranged-'));
    dirs.push(dir);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0', dependencies: { express: '^4.21.2' } }));
    await writeFile(join(dir, 'package-lock.json'), '{}');
    await expect(installFixture(dir)).rejects.toThrow(/unpinned dependencies: express@\^4\.21\.2/);
  });

  it.each(FIXTURES)('the checked-in fixture %s pins every dependency and its lockfile resolves exactly those versions', async (fixture) => {
    const pkg = JSON.parse(await readFile(join(fixture, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const lock = JSON.parse(await readFile(join(fixture, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
    expect(Object.keys(pkg.dependencies).length).toBeGreaterThan(0);
    for (const [name, version] of Object.entries(pkg.dependencies)) {
      expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
    }
  });
});
