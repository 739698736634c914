/**
 * `runCli()` in-process, as an embedder calls it: the progress line and
 * colour on a terminal, none off it, plugins found by package name.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../src/index.js';
import { makeFixture, type Fixture } from './helpers.js';

const fixtures: Fixture[] = [];
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
});

function memoryIo(cwd: string, env: Record<string, string | undefined>, tty: boolean): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env,
    cwd,
    isTTY: tty,
    stderrIsTTY: tty,
    out: () => out,
    err: () => err,
  };
}

describe('runCli in-process', () => {
  it('on a terminal: colour on stdout and a progress line on stderr for slow steps', async () => {
    const f = await makeFixture({ pluginConfig: { slowApplyMs: 1500 } });
    fixtures.push(f);
    const io = memoryIo(f.root, { HEALER_HOME: f.home }, true);
    const code = await runCli(['--config', f.configFile, 'heal', f.app, '--mode', 'auto'], io);
    expect(code).toBe(0);
    expect(io.out()).toContain('\u001b[32mFIXED\u001b[39m');
    // reset-status sleeps 1.5 s mid-apply: long enough for its progress line to show.
    expect(io.err()).toContain('applying testapp/reset-status...');
    // The line is cleared when the step ends.
    expect(io.err()).toContain('\r\u001b[K');
  });

  it('no colour and no progress with --no-color and NO_COLOR, or off a terminal', async () => {
    const f = await makeFixture({ pluginConfig: { slowApplyMs: 1000 } });
    fixtures.push(f);
    const flagged = memoryIo(f.root, { HEALER_HOME: f.home }, true);
    expect(await runCli(['--config', f.configFile, '--no-color', 'diagnose', f.app], flagged)).toBe(2);
    expect(flagged.out()).not.toContain('\u001b[');

    const env = memoryIo(f.root, { HEALER_HOME: f.home, NO_COLOR: '1' }, true);
    expect(await runCli(['--config', f.configFile, 'diagnose', f.app], env)).toBe(2);
    expect(env.out()).not.toContain('\u001b[');

    const pipe = memoryIo(f.root, { HEALER_HOME: f.home }, false);
    expect(await runCli(['--config', f.configFile, 'heal', f.app, '--mode', 'auto'], pipe)).toBe(0);
    expect(pipe.out()).not.toContain('\u001b[');
    expect(pipe.err()).toBe('');
  });

  it('loads a plugin by package name from the config file folder ($HEALER_CONFIG), with enabled: false honoured', async () => {
    const f = await makeFixture({ status: 'ok' });
    fixtures.push(f);
    // A project folder with @healer/test-utils installed in its node_modules.
    const project = join(f.root, 'project');
    const testUtils = dirname(dirname(fileURLToPath(import.meta.resolve('@healer/test-utils'))));
    await mkdir(join(project, 'node_modules', '@healer'), { recursive: true });
    await symlink(testUtils, join(project, 'node_modules', '@healer', 'test-utils'));
    await writeFile(join(project, 'healer.config.json'), JSON.stringify({ plugins: ['@healer/test-utils/testapp-plugin'], apps: { '../app': { url: f.server.url } } }));

    const io = memoryIo(project, { HEALER_HOME: f.home, HEALER_CONFIG: join(project, 'healer.config.json') }, false);
    expect(await runCli(['detect', '../app', '--json'], io)).toBe(0);
    expect(JSON.parse(io.out()).app.plugin).toBe('testapp');

    await writeFile(join(project, 'healer.config.json'), JSON.stringify({ plugins: [{ module: '@healer/test-utils/testapp-plugin', enabled: false }] }));
    const list = memoryIo(project, { HEALER_HOME: f.home, HEALER_CONFIG: join(project, 'healer.config.json') }, false);
    expect(await runCli(['plugins', 'list', '--json'], list)).toBe(0);
    expect(JSON.parse(list.out())).toEqual([expect.objectContaining({ name: 'testapp', enabled: false })]);
    const none = memoryIo(project, { HEALER_HOME: f.home, HEALER_CONFIG: join(project, 'healer.config.json') }, false);
    expect(await runCli(['diagnose', '../app'], none)).toBe(3);
    expect(none.err()).toContain('enabled plugins: none');

    await writeFile(join(project, 'healer.config.json'), JSON.stringify({ plugins: ['@healer/not-installed'] }));
    const missing = memoryIo(project, { HEALER_HOME: f.home, HEALER_CONFIG: join(project, 'healer.config.json') }, false);
    expect(await runCli(['plugins', 'list'], missing)).toBe(64);
    expect(missing.err()).toContain('no package "@healer/not-installed" is installed');
  });

  it('without a plugins key loads the built-in stack plugins', async () => {
    const f = await makeFixture();
    fixtures.push(f);
    const io = memoryIo(f.root, { HEALER_HOME: f.home }, false);
    await writeFile(join(f.root, 'empty.json'), '{}');
    expect(await runCli(['--config', join(f.root, 'empty.json'), 'plugins', 'list', '--json'], io)).toBe(0);
    expect((JSON.parse(io.out()) as Array<{ name: string; enabled: boolean }>).map((p) => [p.name, p.enabled])).toEqual([['wordpress', true], ['nodejs', true], ['nextjs', true], ['mysql', true], ['php', true], ['laravel', true]]);
  });

  it('--verbose logs to stderr and adds the stack of an unexpected error', async () => {
    const f = await makeFixture({ status: 'ok' });
    fixtures.push(f);
    const io = memoryIo(f.root, { HEALER_HOME: f.home }, false);
    expect(await runCli(['--config', f.configFile, '--verbose', 'heal', f.app, '--mode', 'auto'], io)).toBe(0);
    expect(io.err()).toContain(`Configuration: ${f.configFile}; state folder: ${f.home}`);
    expect(io.err()).toMatch(/ info +ex_\S+ execution\.finished: Nothing to heal/);

    const quiet = memoryIo(f.root, { HEALER_HOME: f.home }, false);
    expect(await runCli(['--config', f.configFile, 'show', 'ex_nope'], quiet)).toBe(3);
    expect(quiet.err()).toBe(`healer: No execution ex_nope in ${f.home}.\n`);
    const verbose = memoryIo(f.root, { HEALER_HOME: f.home }, false);
    expect(await runCli(['--config', f.configFile, '--verbose', 'show', 'ex_nope'], verbose)).toBe(3);
    expect(verbose.err()).toMatch(/HealerError: No execution ex_nope[^\n]*\n\s+at /);
  });
});
