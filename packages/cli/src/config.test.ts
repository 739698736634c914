import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import { formatPath, loadConfig, parseConfig } from './config.js';

function issuesOf(raw: unknown): { path: string; message: string }[] {
  try {
    parseConfig(raw, 'test.json', '/etc/healer');
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    const err = e as CliError;
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.exitCode).toBe(64);
    return err.issues ?? [];
  }
  throw new Error('expected the configuration to be refused');
}

describe('parseConfig', () => {
  it('accepts a full configuration and resolves relative paths against the file folder', () => {
    const config = parseConfig(
      {
        mode: 'FULL_AUTO',
        backupRoot: 'backups',
        retentionDays: 3,
        breaker: { maxAttempts: 5, windowHours: 12, cooldownMinutes: 0, demoteAfter: 4 },
        sharedChecks: false,
        plugins: ['@healer/plugin-x', { module: './local.js', config: { a: 1 }, enabled: false }],
        apps: { '/srv/site': { url: 'http://127.0.0.1:8080/', port: 8080, mode: 'manual', loadWarnPerCpu: 8 }, 'rel/app': {} },
      },
      'x.json',
      '/etc/healer',
    );
    expect(config.backupRoot).toBe('/etc/healer/backups');
    expect(Object.keys(config.apps ?? {})).toEqual(['/srv/site', '/etc/healer/rel/app']);
    // Free-form app settings are kept for the plugins and shared checks.
    expect(config.apps?.['/srv/site']?.['loadWarnPerCpu']).toBe(8);
    expect(config.plugins?.[1]).toEqual({ module: './local.js', config: { a: 1 }, enabled: false });
  });

  it('reports every problem at once, each unknown key with its path', () => {
    const issues = issuesOf({
      colour: true,
      mode: 'yolo',
      breaker: { maxAttempts: 0, cooldownMinutes: -1, tries: 3 },
      plugins: [42, { module: 'x', cfg: {} }, { module: '' }],
      apps: { '/srv/a': { url: 'ftp://nope', port: 70000 } },
      retentionDays: 'seven',
    });
    const paths = issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      [
        'colour',
        'mode',
        'breaker.maxAttempts',
        'breaker.cooldownMinutes',
        'breaker.tries',
        'plugins[0]',
        'plugins[1].cfg',
        'plugins[2].module',
        'apps["/srv/a"].url',
        'apps["/srv/a"].port',
        'retentionDays',
      ].sort(),
    );
    expect(issues.find((i) => i.path === 'colour')?.message).toMatch(/unknown key \(allowed: .*mode.*\)/);
    expect(issues.find((i) => i.path === 'breaker.tries')?.message).toMatch(/unknown key \(allowed: maxAttempts, windowMs, cooldownMs, demoteAfter, windowHours, cooldownMinutes\)/);
    expect(issues.find((i) => i.path === 'mode')?.message).toMatch(/manual, supervised or auto/);
  });

  it('names both of two unknown keys in the message', () => {
    try {
      parseConfig({ foo: 1, bar: 2 }, 'my.json', '/');
      throw new Error('not refused');
    } catch (e) {
      const message = (e as Error).message;
      expect(message).toContain('my.json has 2 problems');
      expect(message).toContain('- foo: unknown key');
      expect(message).toContain('- bar: unknown key');
    }
  });

  it('refuses a top level that is not an object', () => {
    expect(issuesOf([1, 2]).length).toBeGreaterThan(0);
  });
});

describe('loadConfig', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('never reads healer.config.json from the working folder; reads $XDG_CONFIG_HOME/healer/config.json when present, and nothing when absent', async () => {
    dir = await mkdtemp(join(tmpdir(), 'healer-cli-config-'));
    const env = { XDG_CONFIG_HOME: join(dir, 'xdg') };
    await writeFile(join(dir, 'healer.config.json'), JSON.stringify({ mode: 'auto' }));
    expect(await loadConfig(dir, undefined, env)).toEqual({ file: null, dir, config: {} });
    await mkdir(join(dir, 'xdg', 'healer'), { recursive: true });
    await writeFile(join(dir, 'xdg', 'healer', 'config.json'), JSON.stringify({ mode: 'manual' }));
    const loaded = await loadConfig(dir, undefined, env);
    expect(loaded.file).toBe(join(dir, 'xdg', 'healer', 'config.json'));
    expect(loaded.config.mode).toBe('manual');
  });

  it('reads ~/.config/healer/config.json when XDG_CONFIG_HOME is unset or relative', async () => {
    dir = await mkdtemp(join(tmpdir(), 'healer-cli-config-'));
    await mkdir(join(dir, '.config', 'healer'), { recursive: true });
    await writeFile(join(dir, '.config', 'healer', 'config.json'), JSON.stringify({ mode: 'auto' }));
    for (const env of [{ HOME: dir }, { HOME: dir, XDG_CONFIG_HOME: 'relative/xdg' }]) {
      expect((await loadConfig('/', undefined, env)).file).toBe(join(dir, '.config', 'healer', 'config.json'));
    }
  });

  it('prefers --config, then $HEALER_CONFIG (which must exist), over the user folder', async () => {
    dir = await mkdtemp(join(tmpdir(), 'healer-cli-config-'));
    await writeFile(join(dir, 'a.json'), JSON.stringify({ mode: 'auto' }));
    await writeFile(join(dir, 'b.json'), JSON.stringify({ mode: 'manual' }));
    const env = { HEALER_CONFIG: join(dir, 'b.json'), XDG_CONFIG_HOME: join(dir, 'xdg') };
    expect((await loadConfig(dir, 'a.json', env)).config.mode).toBe('auto');
    expect((await loadConfig(dir, undefined, env)).config.mode).toBe('manual');
    await expect(loadConfig(dir, undefined, { HEALER_CONFIG: join(dir, 'nope.json') })).rejects.toThrow(/nope\.json: it does not exist/);
  });

  it('refuses a backupRoot inside a configured app root', async () => {
    expect(() => parseConfig({ backupRoot: '/srv/site/wp-content/uploads/bk', apps: { '/srv/site': {} } }, 'test', '/')).toThrow(/backupRoot: .* is inside the application root \/srv\/site/);
    expect(() => parseConfig({ backupRoot: './site/bk', apps: { './site': {} } }, 'test', '/srv')).toThrow(/inside the application root/);
    expect(parseConfig({ backupRoot: '/srv/site-backups', apps: { '/srv/site': {} } }, 'test', '/').backupRoot).toBe('/srv/site-backups');
  });

  it('refuses a missing --config file and a file that is not JSON, naming the file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'healer-cli-config-'));
    await expect(loadConfig(dir, 'nope.json')).rejects.toThrow(/nope\.json: it does not exist/);
    await writeFile(join(dir, 'broken.json'), '{ "mode": ');
    await expect(loadConfig(dir, 'broken.json')).rejects.toThrow(/broken\.json is not valid JSON/);
  });
});

describe('formatPath', () => {
  it('writes identifiers with dots, indexes in brackets and other keys quoted', () => {
    expect(formatPath(['breaker', 'maxAttempts'])).toBe('breaker.maxAttempts');
    expect(formatPath(['plugins', 0, 'module'])).toBe('plugins[0].module');
    expect(formatPath(['apps', '/srv/app', 'url'])).toBe('apps["/srv/app"].url');
    expect(formatPath(['$schema'])).toBe('$schema');
  });
});
