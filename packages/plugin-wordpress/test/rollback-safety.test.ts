/**
 * Rolling back a heal of a real WordPress site checks before it writes: a
 * tampered backup is refused and nothing changes; what the heal left is
 * compared with the site first (drift refused unless forced); and only what
 * the action changed goes back (the options it rewrote, the modes it changed).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmod, readFile, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SshExecutor, type Execution, type Healer, type Plan } from '@healer/core';
import { sshOptions, startSshd, type RunningSshd } from '@healer/test-utils';
import { FATAL_PLUGIN, createHealthySite, editConfig, siteHealer, type SiteHealerOptions } from './helpers/heal-harness.js';
import type { WordPressSite } from './helpers/wordpress-site.js';

let site: WordPressSite | undefined;
let healer: Healer | undefined;
let sshd: RunningSshd | undefined;

afterEach(async () => {
  await healer?.close();
  await site?.stop();
  await sshd?.stop();
  healer = undefined;
  site = undefined;
  sshd = undefined;
});

async function setUp(options: SiteHealerOptions = {}): Promise<{ site: WordPressSite; healer: Healer }> {
  site = await createHealthySite();
  healer = siteHealer(site, options);
  return { site, healer };
}

/** Heal with only `actionId` approved, bound to a fresh manual plan. */
async function healWith(h: Healer, s: WordPressSite, actionId: string): Promise<Execution> {
  const plan: Plan = await h.plan(s.root, { mode: 'manual' });
  const { execution } = await h.heal(s.root, { mode: 'manual', approve: { actions: [actionId], planHash: plan.planHash, fingerprint: plan.fingerprint } });
  expect(execution.attempts.map((a) => a.actionId)).toEqual([actionId]);
  expect(execution.state, execution.message).toBe('FIXED');
  return execution;
}

async function backupDirOf(h: Healer, execution: Execution): Promise<string> {
  const id = execution.attempts[0]!.backupId!;
  return (await h.backups.list()).find((b) => b.id === id)!.dir;
}

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o7777;

/** debug-display-off rewrites wp-config.php; then a string inside files.tar is changed (same length: still a valid tar). */
async function tamperedAfterDebugFix(h: Healer, s: WordPressSite): Promise<{ execution: Execution; healedConfig: string }> {
  await editConfig(s, (t) => t.replace("define( 'WP_DEBUG', false );", "define( 'WP_DEBUG', true );\ndefine( 'WP_DEBUG_DISPLAY', true );"));
  const execution = await healWith(h, s, 'wordpress/debug-display-off');
  const healedConfig = await readFile(join(s.root, 'wp-config.php'), 'utf8');
  const tar = join(await backupDirOf(h, execution), 'files.tar');
  execFileSync('sed', ['-i', 's/table_prefix/table_prefiX/', tar]);
  execFileSync('tar', ['-tf', tar]);
  return { execution, healedConfig };
}

describe('WordPress rollback safety', () => {
  it('a files.tar edited after the heal (still a valid tar): rollback refuses, wp-config.php unchanged', async () => {
    const { site, healer } = await setUp();
    const { execution, healedConfig } = await tamperedAfterDebugFix(healer, site);

    const undone = await healer.rollback(execution.executionId);
    expect(undone.state).toBe('FAILED');
    expect(undone.error?.code).toBe('BACKUP_TAMPERED');
    expect(undone.message).toContain('nothing was changed');
    expect(undone.message).toContain('wp-config.php');
    expect(await readFile(join(site.root, 'wp-config.php'), 'utf8')).toBe(healedConfig);
  });

  it('a tampered options part is refused before anything is restored', async () => {
    const { site, healer } = await setUp({ mode: 'supervised' });
    const file = await site.addPlugin('broken-plugin', FATAL_PLUGIN, { activate: true });
    await site.get('/');
    const { execution } = await healer.heal(site.root);
    expect(execution.state, execution.message).toBe('FIXED');
    const saved = join(await backupDirOf(healer, execution), 'parts/options/options.json');
    execFileSync('sed', ['-i', 's/broken-plugin/broken-pluginX/', saved]);

    const undone = await healer.rollback(execution.executionId);
    expect(undone.error?.code).toBe('BACKUP_TAMPERED');
    expect(undone.message).toContain('nothing was changed');
    expect(await site.getOption('active_plugins')).not.toContain(file);
  });

  it('wp-config.php edited after a fix-permissions heal: rollback refuses listing it; --force restores the mode and keeps the edit', async () => {
    const { site, healer } = await setUp();
    const config = join(site.root, 'wp-config.php');
    await chmod(config, 0o644);
    const execution = await healWith(healer, site, 'wordpress/fix-permissions');
    expect(await modeOf(config)).toBe(0o640);

    await editConfig(site, (t) => `${t}\n// added by a person after the heal\n`);
    const edited = await readFile(config, 'utf8');
    const refused = await healer.rollback(execution.executionId);
    expect(refused.state).toBe('FAILED');
    expect(refused.error?.code).toBe('ROLLBACK_DRIFT');
    expect(refused.message).toContain(config);
    expect(refused.message).toContain('nothing was changed');
    expect(await readFile(config, 'utf8')).toBe(edited);
    expect(await modeOf(config)).toBe(0o640);

    const forced = await healer.rollback(execution.executionId, { force: true });
    expect(forced.state, forced.message).toBe('ROLLED_BACK');
    // The action only changed the mode: that is what goes back; the person's edit stays.
    expect(await modeOf(config)).toBe(0o644);
    expect(await readFile(config, 'utf8')).toBe(edited);
  });

  it('a fix-permissions rollback with no drift is not refused: the mode goes back, the content is the same', async () => {
    const { site, healer } = await setUp();
    const config = join(site.root, 'wp-config.php');
    await chmod(config, 0o644);
    const execution = await healWith(healer, site, 'wordpress/fix-permissions');
    const content = await readFile(config, 'utf8');
    const undone = await healer.rollback(execution.executionId);
    expect(undone.state, undone.message).toBe('ROLLED_BACK');
    expect(await modeOf(config)).toBe(0o644);
    expect(await readFile(config, 'utf8')).toBe(content);
  });

  it('theme switched after a plugin deactivation: rollback restores active_plugins only and keeps the theme', async () => {
    const { site, healer } = await setUp({ mode: 'supervised' });
    const file = await site.addPlugin('broken-plugin', FATAL_PLUGIN, { activate: true });
    await site.get('/');
    const { execution } = await healer.heal(site.root);
    expect(execution.state, execution.message).toBe('FIXED');
    expect(execution.attempts.map((a) => a.actionId)).toEqual(['wordpress/deactivate-plugin']);

    // A person switches the theme after the heal.
    await site.addTheme('person-theme', { 'style.css': '/*\nTheme Name: Person Theme\n*/\n', 'index.php': '<?php echo "person";\n' }, { activate: true });
    const undone = await healer.rollback(execution.executionId);
    expect(undone.state, undone.message).toBe('ROLLED_BACK');
    expect(await site.getOption('active_plugins')).toEqual([file]);
    expect(await site.getOption('template')).toBe('person-theme');
    expect(await site.getOption('stylesheet')).toBe('person-theme');
  });

  it('a plugin activated after a plugin deactivation: the later rollback refuses; --force restores', async () => {
    const { site, healer } = await setUp({ mode: 'supervised' });
    const file = await site.addPlugin('broken-plugin', FATAL_PLUGIN, { activate: true });
    await site.get('/');
    const { execution } = await healer.heal(site.root);
    expect(execution.state, execution.message).toBe('FIXED');
    expect(execution.attempts.map((a) => a.actionId)).toEqual(['wordpress/deactivate-plugin']);
    // What the operation left, read back through the site: the active plugins after the heal.
    const fixed = execution.timeline.find((e) => e.type === 'action.fixed');
    expect(fixed?.data?.['left']).toEqual([{ probe: { kind: 'op', op: 'wordpress/deactivate-plugins', args: { files: [file], active: [file] } }, value: '[]' }]);

    // A person activates a plugin after the heal.
    await site.setOption('active_plugins', ['akismet/akismet.php']);
    const refused = await healer.rollback(execution.executionId);
    expect(refused.state).toBe('FAILED');
    expect(refused.error?.code).toBe('ROLLBACK_DRIFT');
    expect(refused.message).toContain('options "active_plugins": changed since the heal');
    expect(await site.getOption('active_plugins')).toEqual(['akismet/akismet.php']);

    const forced = await healer.rollback(execution.executionId, { force: true });
    expect(forced.state, forced.message).toBe('ROLLED_BACK');
    expect(await site.getOption('active_plugins')).toEqual([file]);
  });

  it('the database part: a table written after a repair-tables heal is drift (CHECKSUM TABLE); --force loads the dump', async () => {
    const { site, healer } = await setUp();
    await site.sql(
      "CREATE TABLE wp_healer_log (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(100), KEY (v)) ENGINE=MyISAM; INSERT INTO wp_healer_log (v) VALUES ('a'), ('b'), ('c');",
    );
    const datadir = (await site.sql('SELECT @@datadir')).trim();
    const root = (sql: string) => promisify(execFile)('mariadb', ['-h127.0.0.1', '-uroot', '--batch', '--skip-column-names', '-e', sql]);
    await root(`FLUSH TABLES ${site.db.name}.wp_healer_log`);
    await truncate(join(datadir, site.db.name, 'wp_healer_log.MYI'), 1024);
    await root(`FLUSH TABLES ${site.db.name}.wp_healer_log`);
    const title = () => site.sql('SELECT post_title FROM wp_posts WHERE ID = 1');
    const original = await title();
    const execution = await healWith(healer, site, 'wordpress/repair-tables');

    // A person edits a post after the heal.
    await site.sql("UPDATE wp_posts SET post_title = 'Written after the heal' WHERE ID = 1");
    const refused = await healer.rollback(execution.executionId);
    expect(refused.error?.code).toBe('ROLLBACK_DRIFT');
    expect(refused.message).toContain('wp_posts');
    expect(refused.message).not.toContain('wp_users');
    expect(await title()).toContain('Written after the heal');

    const forced = await healer.rollback(execution.executionId, { force: true });
    expect(forced.state, forced.message).toBe('ROLLED_BACK');
    expect(await title()).toBe(original);
  });

  it('over SSH: a tampered files.tar is refused and nothing changes', async () => {
    sshd = await startSshd();
    const { site, healer } = await setUp({ executor: new SshExecutor(sshOptions(sshd)) });
    const { execution, healedConfig } = await tamperedAfterDebugFix(healer, site);
    expect(execution.target.host).toMatch(/^ssh:\/\//);

    const undone = await healer.rollback(execution.executionId);
    expect(undone.error?.code).toBe('BACKUP_TAMPERED');
    expect(undone.message).toContain('nothing was changed');
    expect(await readFile(join(site.root, 'wp-config.php'), 'utf8')).toBe(healedConfig);
  });
});
