/**
 * Pinned npm installs for tests: a fixture folder holds a package.json with
 * exact versions and a checked-in package-lock.json; `installFixture` copies
 * it into a temporary folder and runs `npm ci` there, so a fresh clone
 * installs the same tree next month as today.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A fixture installed into a temporary folder. */
export interface NpmFixture {
  /** The temporary folder: package.json, package-lock.json and node_modules. */
  dir: string;
  /** The fixture's `dependencies` (exact versions). */
  dependencies: Record<string, string>;
  /** The lockfile as installed, parsed. */
  lock: { name: string; packages: Record<string, { name?: string; version?: string }> };
  cleanup(): Promise<void>;
}

export interface InstallFixtureOptions {
  /** Milliseconds `npm ci` may take. Default 300 000. */
  timeoutMs?: number;
}

/**
 * Install the fixture in `fixtureDir` (package.json + package-lock.json) with
 * `npm ci --prefer-offline` into a temporary copy. Refuses a fixture without a
 * lockfile or with a range instead of an exact version.
 */
export async function installFixture(fixtureDir: string, options: InstallFixtureOptions = {}): Promise<NpmFixture> {
  const pkg = JSON.parse(await readFile(join(fixtureDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const dependencies = pkg.dependencies ?? {};
  const ranged = Object.entries(dependencies).filter(([, v]) => !/^\d+\.\d+\.\d+$/.test(v));
  if (ranged.length > 0) throw new Error(`fixture ${fixtureDir} has unpinned dependencies: ${ranged.map(([k, v]) => `${k}@${v}`).join(', ')}`);
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'healer-npm-fixture-')));
  try {
    await copyFile(join(fixtureDir, 'package.json'), join(dir, 'package.json'));
    await copyFile(join(fixtureDir, 'package-lock.json'), join(dir, 'package-lock.json'));
    await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, timeout: options.timeoutMs ?? 300_000, maxBuffer: 16 * 1024 * 1024 });
    const lock = JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8')) as NpmFixture['lock'];
    return { dir, dependencies, lock, cleanup: () => rm(dir, { recursive: true, force: true }) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
