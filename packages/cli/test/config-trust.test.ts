/**
 * Issue 9: a site's folder cannot configure the healer. The CLI reads its
 * configuration only from --config, $HEALER_CONFIG or the user's config
 * folder; it refuses a configuration file or plugin module someone else
 * could have written (CONFIG_UNSAFE / PLUGIN_UNSAFE, exit 64), a file that is
 * not regular or larger than 1 MiB; it accepts a UTF-8 byte order mark.
 */
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeFixture, runHealer, type Fixture } from './helpers.js';

const fixtures: Fixture[] = [];
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
});

/** A uid that is neither ours nor root's. */
const STRANGER = 65_534;
const amRoot = process.getuid?.() === 0;

async function fixture(): Promise<Fixture> {
  const f = await makeFixture({ status: 'ok' });
  fixtures.push(f);
  return f;
}

function errorOf(res: { stdout: string; stderr: string }): string {
  return res.stdout + res.stderr;
}

describe('where the configuration comes from', () => {
  it("ignores a site owner's ./healer.config.json naming ./pwn.mjs: the module never runs", async () => {
    const f = await fixture();
    const site = join(f.root, 'site');
    await mkdir(site);
    const marker = join(f.root, 'pwned');
    await writeFile(join(site, 'pwn.mjs'), `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'ran'); export default {};\n`);
    await writeFile(join(site, 'healer.config.json'), JSON.stringify({ plugins: ['./pwn.mjs'], backupRoot: './bk' }));
    const res = await runHealer(['plugins', 'list', '--json'], { cwd: site, env: { HEALER_HOME: f.home, XDG_CONFIG_HOME: join(f.root, 'xdg'), HEALER_CONFIG: undefined } });
    expect(res.code, errorOf(res)).toBe(0);
    expect((JSON.parse(res.stdout) as Array<{ name: string }>).map((p) => p.name)).toEqual(['wordpress', 'nodejs', 'nextjs', 'mysql', 'php', 'laravel']);
    await expect(readFile(marker, 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('reads $HEALER_CONFIG', async () => {
    const f = await fixture();
    const res = await runHealer(['plugins', 'list', '--json'], { cwd: f.root, env: { HEALER_HOME: f.home, HEALER_CONFIG: f.configFile } });
    expect(res.code, errorOf(res)).toBe(0);
    expect((JSON.parse(res.stdout) as Array<{ name: string }>).map((p) => p.name)).toEqual(['testapp']);
  });
});

describe('a configuration file must be trusted', () => {
  it('refuses one writable by others or by its group: CONFIG_UNSAFE, exit 64, nothing runs', async () => {
    const f = await fixture();
    for (const mode of [0o666, 0o664]) {
      await chmod(f.configFile, mode);
      const res = await f.run(['heal', f.app, '--mode', 'auto', '--json']);
      expect(res.code).toBe(64);
      expect(errorOf(res)).toContain('CONFIG_UNSAFE');
      expect(errorOf(res)).toContain(mode === 0o666 ? 'writable by others' : 'writable by its group');
    }
    await chmod(f.configFile, 0o644);
    expect((await f.run(['plugins', 'list'])).code).toBe(0);
  });

  it.runIf(amRoot)('refuses one owned by another user (not root, not the invoking user)', async () => {
    const f = await fixture();
    await chown(f.configFile, STRANGER, STRANGER);
    const res = await f.run(['plugins', 'list', '--json']);
    expect(res.code).toBe(64);
    expect(errorOf(res)).toContain('CONFIG_UNSAFE');
    expect(errorOf(res)).toContain(`owned by uid ${STRANGER}`);
  });

  it('fails fast on --config /dev/zero and on a file over 1 MiB, and refuses a folder', async () => {
    const f = await fixture();
    const started = Date.now();
    const zero = await f.run(['--config', '/dev/zero', 'plugins', 'list']);
    expect(zero.code).toBe(64);
    expect(errorOf(zero)).toMatch(/CONFIG_INVALID|not a regular file/);
    expect(Date.now() - started).toBeLessThan(15_000);

    const big = join(f.root, 'big.json');
    await writeFile(big, `{"mode": "auto", "$schema": "${'x'.repeat(1024 * 1024)}"}`);
    const large = await f.run(['--config', big, 'plugins', 'list']);
    expect(large.code).toBe(64);
    expect(errorOf(large)).toContain('larger than 1048576 bytes');

    const folder = await f.run(['--config', f.root, 'plugins', 'list']);
    expect(folder.code).toBe(64);
    expect(errorOf(folder)).toContain('not a regular file');
  });

  it('accepts a UTF-8 byte order mark', async () => {
    const f = await fixture();
    const text = await readFile(f.configFile, 'utf8');
    await writeFile(f.configFile, `\uFEFF${text}`);
    const res = await f.run(['plugins', 'list', '--json']);
    expect(res.code, errorOf(res)).toBe(0);
    expect((JSON.parse(res.stdout) as Array<{ name: string }>).map((p) => p.name)).toEqual(['testapp']);
  });
});

describe('a plugin module must be trusted', () => {
  async function withPlugin(f: Fixture): Promise<{ module: string; marker: string; config: string }> {
    const marker = join(f.root, 'plugin-ran');
    const module = join(f.root, 'plugin.mjs');
    await writeFile(module, `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'ran'); export default {};\n`);
    const config = join(f.root, 'plugin.json');
    await writeFile(config, JSON.stringify({ plugins: [module] }));
    return { module, marker, config };
  }

  it('refuses one writable by others: PLUGIN_UNSAFE, exit 64, never imported', async () => {
    const f = await fixture();
    const { module, marker, config } = await withPlugin(f);
    await chmod(module, 0o646);
    const res = await f.run(['--config', config, 'plugins', 'list', '--json']);
    expect(res.code).toBe(64);
    expect(errorOf(res)).toContain('PLUGIN_UNSAFE');
    await expect(readFile(marker, 'utf8')).rejects.toThrow(/ENOENT/);
    // The same module, made safe, is imported (and refused for exporting no plugin).
    await chmod(module, 0o644);
    const safe = await f.run(['--config', config, 'plugins', 'list']);
    expect(errorOf(safe)).toContain('exports no plugin');
    expect(await readFile(marker, 'utf8')).toBe('ran');
  });

  it.runIf(amRoot)('refuses one owned by another user', async () => {
    const f = await fixture();
    const { module, marker, config } = await withPlugin(f);
    await chown(module, STRANGER, STRANGER);
    const res = await f.run(['--config', config, 'plugins', 'list', '--json']);
    expect(res.code).toBe(64);
    expect(errorOf(res)).toContain('PLUGIN_UNSAFE');
    await expect(readFile(marker, 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
