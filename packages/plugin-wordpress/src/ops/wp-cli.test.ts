/**
 * WP-CLI is not installable here: these tests check the commands the WP-CLI
 * implementation builds, against an executor that records them and answers
 * like WP-CLI would.
 */
import { describe, expect, it } from 'vitest';
import { createFacts, createHealerFs, isHealerError, type Command, type Executor, type RunOptions, type RunResult } from '@healer/core';
import { wordpressConfigSchema } from '../config.js';
import { buildMetadata } from '../detect.js';
import { parseWpConfig } from '../wp-config.js';
import type { WpMetadata } from '../types.js';
import { wpCliOps } from './wp-cli.js';
import { wpOps } from './index.js';
import type { OpsContext } from './mysql-client.js';

const ROOT = '/srv/www/shop';

interface Reply {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
}

/** Records every argv (and stdin) and answers from `reply`. */
function fakeExecutor(reply: (argv: string[]) => Reply) {
  const calls: Array<{ argv: string[]; input?: string; cwd?: string }> = [];
  const exec = {
    host: 'local',
    async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
      if (!Array.isArray(command)) throw new Error('the WP-CLI implementation runs argv commands only');
      const argv = [...(command as readonly string[])];
      calls.push({ argv, ...(typeof options.input === 'string' ? { input: options.input } : {}), ...(options.cwd ? { cwd: options.cwd } : {}) });
      const r = reply(argv);
      return { exitCode: r.exitCode ?? 0, signal: null, stdout: r.stdout ?? '', stderr: r.stderr ?? '', stdoutBytes: Buffer.from(r.stdout ?? ''), timedOut: false, truncated: false, durationMs: 1 };
    },
  } as unknown as Executor;
  return { exec, calls };
}

function context(exec: Executor, meta: Partial<WpMetadata> = {}): OpsContext {
  const config = parseWpConfig("<?php define('DB_NAME', 'shop'); define('DB_USER', 'u'); define('DB_HOST', 'localhost'); $table_prefix = 'wp_';");
  const metadata = { ...buildMetadata(ROOT, `${ROOT}/wp-config.php`, config, null), wpCli: true, ...meta };
  return {
    app: { id: 'a', plugin: 'wordpress', root: ROOT, stack: 'wordpress', version: '6.1', confidence: 0.95, evidence: [], metadata },
    exec,
    fs: createHealerFs(exec, []),
    facts: createFacts(exec),
    secrets: { add() {} },
    config: wordpressConfigSchema.parse({}),
    signal: new AbortController().signal,
  };
}

const BASE = ['wp', `--path=${ROOT}`, '--skip-plugins', '--skip-themes', '--no-color', '--allow-root'];

describe('WP-CLI operations', () => {
  it('is what wpOps picks when detection found wp', async () => {
    const { exec } = fakeExecutor(() => ({}));
    expect((await wpOps(context(exec))).kind).toBe('wp-cli');
  });

  it('gets options as JSON, absent ones as null', async () => {
    const { exec, calls } = fakeExecutor((argv) =>
      argv.includes('blogname') ? { stdout: '"Shop"\n' } : { exitCode: 1, stderr: "Error: Could not get 'nope' option. Does it exist?\n" },
    );
    const ops = wpCliOps(context(exec));
    expect(await ops.getOption('blogname')).toBe('Shop');
    expect(await ops.getOption('nope')).toBeNull();
    expect(calls.map((c) => c.argv)).toEqual([
      [...BASE, 'option', 'get', 'blogname', '--format=json'],
      [...BASE, 'option', 'get', 'nope', '--format=json'],
    ]);
    expect(calls[0]!.cwd).toBe(ROOT);
    await expect(ops.getOption('--exec=x')).rejects.toSatisfy((e) => isHealerError(e, 'INVALID_ARGUMENT'));
  });

  it('updates options with the JSON value on stdin, never in argv', async () => {
    const { exec, calls } = fakeExecutor(() => ({ stdout: "Success: Updated 'x' option.\n" }));
    await wpCliOps(context(exec)).updateOption('healer_x', { a: ['--flag', "it's"] });
    expect(calls).toEqual([{ argv: [...BASE, 'option', 'update', 'healer_x', '--format=json'], input: '{"a":["--flag","it\'s"]}', cwd: ROOT }]);
  });

  it('deletes options (absent is fine) and reads network options with `site option` on multisite only', async () => {
    const { exec, calls } = fakeExecutor((argv) => {
      if (argv.includes('delete')) return argv.includes('gone') ? { exitCode: 1, stderr: "Error: Could not delete 'gone' option. Does it exist?\n" } : { exitCode: 1, stderr: 'Error: Database is down.\n' };
      if (argv.includes('site_name')) return { stdout: '"Network"' };
      return { stdout: '"x"' };
    });
    const single = wpCliOps(context(exec));
    await single.deleteOption('gone');
    await expect(single.deleteOption('other')).rejects.toSatisfy((e) => isHealerError(e, 'COMMAND_FAILED') && e.message.includes('Database is down'));
    await single.getNetworkOption('site_name');
    const multi = wpCliOps(context(exec, { multisite: true }));
    expect(await multi.getNetworkOption('site_name')).toBe('Network');
    await multi.updateNetworkOption('active_sitewide_plugins', { 'a/a.php': 1 });
    expect(calls.map((c) => [c.argv.slice(BASE.length), c.input ?? null])).toEqual([
      [['option', 'delete', 'gone'], null],
      [['option', 'delete', 'other'], null],
      [['option', 'get', 'site_name', '--format=json'], null],
      [['site', 'option', 'get', 'site_name', '--format=json'], null],
      [['site', 'option', 'update', 'active_sitewide_plugins', '--format=json'], '{"a/a.php":1}'],
    ]);
  });

  it('deactivates plugins by slug, site and network ones separately, and returns what was active', async () => {
    const { exec, calls } = fakeExecutor((argv) => {
      if (argv.includes('active_plugins')) return { stdout: '["shop/shop.php","hello.php","keep/keep.php"]' };
      if (argv.includes('active_sitewide_plugins')) return { stdout: '{"net/net.php":1700000000}' };
      return { stdout: 'Success\n' };
    });
    const ops = wpCliOps(context(exec, { multisite: true, constants: { DOMAIN_CURRENT_SITE: 'example.com', PATH_CURRENT_SITE: '/' } }));
    const before = await ops.deactivatePlugins(['shop/shop.php', 'hello.php', 'net/net.php', 'inactive/x.php']);
    expect(before).toEqual(['shop/shop.php', 'hello.php', 'keep/keep.php', 'net/net.php']);
    const base = [...BASE, '--url=example.com/'];
    expect(calls.map((c) => c.argv).filter((a) => a.includes('deactivate'))).toEqual([
      [...base, 'plugin', 'deactivate', 'shop', 'hello'],
      [...base, 'plugin', 'deactivate', '--network', 'net'],
    ]);
  });

  it('reads the theme and activates one', async () => {
    const { exec, calls } = fakeExecutor((argv) => (argv.includes('template') ? { stdout: '"parent"' } : argv.includes('stylesheet') ? { stdout: '"child"' } : {}));
    const ops = wpCliOps(context(exec));
    expect(await ops.theme()).toEqual({ template: 'parent', stylesheet: 'child' });
    await ops.switchTheme('twentytwentythree', 'twentytwentythree');
    expect(calls.at(-1)!.argv).toEqual([...BASE, 'theme', 'activate', 'twentytwentythree']);
    await expect(ops.switchTheme('x', '../evil')).rejects.toSatisfy((e) => isHealerError(e, 'INVALID_ARGUMENT'));
  });

  it('checks and repairs the prefix tables with db query', async () => {
    const { exec, calls } = fakeExecutor((argv) => {
      if (argv.includes('tables')) return { stdout: '["wp_options","wp_posts"]' };
      const sql = argv[argv.indexOf('query') + 1] ?? '';
      if (sql.startsWith('CHECK TABLE')) return { stdout: 'shop.wp_options\tcheck\tstatus\tOK\nshop.wp_posts\tcheck\terror\tIndex is corrupt\nshop.wp_posts\tcheck\tstatus\tOperation failed\n' };
      if (sql.startsWith('REPAIR TABLE')) return { stdout: 'shop.wp_posts\trepair\tstatus\tOK\n' };
      return {};
    });
    const ops = wpCliOps(context(exec));
    expect(await ops.tablesNeedingRepair()).toEqual([{ table: 'wp_posts', message: 'Index is corrupt' }]);
    expect(await ops.repairTables(['wp_posts', 'other'])).toEqual([
      { table: 'wp_posts', ok: true, message: 'OK' },
      { table: 'other', ok: false, message: 'Not a table of this site.' },
    ]);
    const queries = calls.map((c) => c.argv).filter((a) => a.includes('query'));
    expect(queries).toEqual([
      [...BASE, 'db', 'query', 'CHECK TABLE `wp_options`, `wp_posts`', '--batch', '--raw', '--skip-column-names'],
      [...BASE, 'db', 'query', 'REPAIR TABLE `wp_posts`', '--batch', '--raw', '--skip-column-names'],
    ]);
    expect(calls.map((c) => c.argv).filter((a) => a.includes('tables'))[0]).toEqual([...BASE, 'db', 'tables', '--all-tables-with-prefix', '--format=json']);
  });

  it('sums autoloaded options and flattens cron', async () => {
    const cron = { '1700000000': { wp_version_check: { '40cd750bba9870f18aada2478b24840a': { schedule: 'twicedaily', args: [], interval: 43200 } } }, version: 2 };
    const { exec } = fakeExecutor((argv) => {
      const sql = argv[argv.indexOf('query') + 1] ?? '';
      if (sql.includes('SUM(')) return { stdout: '12345\n' };
      if (sql.includes('ORDER BY')) return { stdout: `${Buffer.from('rewrite_rules').toString('hex')}\t9000\n` };
      if (argv.includes('cron')) return { stdout: JSON.stringify(cron) };
      return {};
    });
    const ops = wpCliOps(context(exec));
    expect(await ops.autoloadSize()).toEqual({ bytes: 12345, largest: [{ name: 'rewrite_rules', bytes: 9000 }] });
    expect(await ops.cronEvents()).toEqual([{ hook: 'wp_version_check', timestamp: 1700000000, args: '[]' }]);
  });

  it('reads the connection error number from the mysql client output', async () => {
    const { exec, calls } = fakeExecutor(() => ({ exitCode: 1, stderr: "Error: Failed to get current SQL modes. Reason: ERROR 1045 (28000): Access denied for user 'u'@'localhost' (using password: YES)\n" }));
    expect(await wpCliOps(context(exec)).connectError()).toEqual({ errno: 1045, message: "Access denied for user 'u'@'localhost' (using password: YES)" });
    expect(calls[0]!.argv).toEqual([...BASE, 'db', 'query', 'SELECT 1', '--batch', '--skip-column-names']);

    const refused = fakeExecutor(() => ({ exitCode: 1, stderr: "ERROR 2002 (HY000): Can't connect to server on '10.0.0.5' (115)\n" }));
    expect(await wpCliOps(context(refused.exec, { db: { name: 'shop', user: 'u', host: '10.0.0.5:3306', charset: '' } })).connectError()).toMatchObject({ errno: 2003 });
    const fine = fakeExecutor(() => ({ stdout: '1\n' }));
    expect(await wpCliOps(context(fine.exec)).connectError()).toBeNull();
  });

  it('reports a failing command with its error', async () => {
    const { exec } = fakeExecutor(() => ({ exitCode: 1, stderr: "Error: The 'nope' theme could not be found.\n" }));
    await expect(wpCliOps(context(exec)).switchTheme('nope', 'nope')).rejects.toSatisfy((e) => isHealerError(e, 'COMMAND_FAILED') && e.message.includes("'nope' theme could not be found"));
  });
});
