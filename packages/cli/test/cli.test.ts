/**
 * The built `healer` as a real process: JSON shapes, exit codes, dry run,
 * approvals, errors and listings, against a real testapp folder and server.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiagnosisSchema, ExecutionSchema, PlanSchema, type BackupManifest, type DetectionReport, type Diagnosis, type DiscoveredApp, type Execution, type Plan, type PluginInfo } from '@healer/core';
import { hashFolder } from '@healer/test-utils';
import type { healJson } from '../src/output/format-execution.js';
import type { DryRun } from '../src/output/format-plan.js';
import { BIN, collect, httpStatus, jsonOf, makeFixture, runHealer, TESTAPP_PLUGIN, type Fixture } from './helpers.js';

type HealJson = ReturnType<typeof healJson>;

const fixtures: Fixture[] = [];
async function fixture(...args: Parameters<typeof makeFixture>): Promise<Fixture> {
  const f = await makeFixture(...args);
  fixtures.push(f);
  return f;
}
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
});

describe('detect, discover, diagnose and plan', () => {
  it('print their JSON shapes; a healthy app exits 0 and a broken one 2', async () => {
    const f = await fixture({ status: 'ok' });

    const detect = await f.run(['detect', f.app, '--json']);
    expect(detect.code).toBe(0);
    const report = jsonOf<DetectionReport>(detect);
    expect(report.app).toMatchObject({ stack: 'testapp', version: '2.1.0', plugin: 'testapp', root: f.app });

    const discover = await f.run(['discover', f.root, '--max-depth', '3', '--json']);
    expect(discover.code).toBe(0);
    expect(jsonOf<DiscoveredApp[]>(discover).map((d) => [d.path, d.app?.stack])).toEqual([[f.app, 'testapp']]);

    const healthy = await f.run(['diagnose', f.app, '--json']);
    expect(healthy.stderr).toBe('');
    expect(healthy.code).toBe(0);
    const d = DiagnosisSchema.parse(jsonOf<Diagnosis>(healthy));
    expect(d).toMatchObject({ target: { path: f.app }, app: { stack: 'testapp', version: '2.1.0', plugin: 'testapp' }, status: 'pass', healthScore: 100 });
    expect(typeof d.app.confidence).toBe('number');
    expect(typeof d.durationMs).toBe('number');
    for (const r of jsonOf<Diagnosis>(healthy).results) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(['id', 'title', 'category', 'severity', 'status', 'message', 'details', 'fixes', 'durationMs']));
    }
    // The plugin's checks and the shared ones, the HTTP check against the real server.
    expect(d.results.map((r) => r.id)).toEqual(expect.arrayContaining(['testapp/status-ok', 'testapp/http', 'core/http-health', 'core/disk-space']));

    await f.setStatus('broken');
    const broken = await f.run(['diagnose', f.app, '--json']);
    expect(broken.code).toBe(2);
    const bd = jsonOf<Diagnosis>(broken);
    expect(bd.status).toBe('fail');
    expect(bd.results.find((r) => r.id === 'testapp/status-ok')).toMatchObject({ status: 'fail', message: 'Status is "broken", expected "ok".' });
    expect(bd.results.find((r) => r.id === 'testapp/http')?.status).toBe('fail');

    const human = await f.run(['diagnose', f.app]);
    expect(human.code).toBe(2);
    expect(human.stdout).toMatch(/^STATUS {2}CHECK +SEVERITY +TIME +MESSAGE$/m);
    expect(human.stdout).toMatch(/^fail {4}testapp\/status-ok +high /m);
    expect(human.stdout).not.toContain('\u001b[');

    const planRun = await f.run(['plan', f.app, '--mode', 'FULL_AUTO', '--json']);
    expect(planRun.code).toBe(0);
    const plan = PlanSchema.parse(jsonOf<Plan>(planRun));
    expect(plan.mode).toBe('auto');
    expect(plan.planHash).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.autoHeal.map((a) => [a.actionId, a.risk])).toEqual([
      ['testapp/touch-cache', 'low'],
      ['testapp/reset-status', 'medium'],
    ]);
    expect(plan.requireApproval).toEqual([]);
  });

  it('default to the working folder for the path and to $XDG_CONFIG_HOME/healer/config.json, never a config file in the working folder', async () => {
    const f = await fixture({ status: 'ok' });
    const xdg = join(f.root, 'xdg');
    const env = { HEALER_HOME: f.home, XDG_CONFIG_HOME: xdg, HEALER_CONFIG: undefined };
    // The working folder holds a healer.config.json (naming the testapp plugin): it is ignored.
    const ignored = await runHealer(['diagnose', 'app', '--json'], { cwd: f.root, env });
    expect(ignored.code).toBe(3);
    expect(ignored.stdout + ignored.stderr).toContain('NO_STACK_DETECTED');
    await mkdir(join(xdg, 'healer'), { recursive: true });
    await copyFile(f.configFile, join(xdg, 'healer', 'config.json'));
    const res = await runHealer(['diagnose', 'app', '--json'], { cwd: f.root, env });
    expect(res.code, res.stderr).toBe(0);
    expect(jsonOf<Diagnosis>(res).target.path).toBe(f.app);
  });
});

describe('heal', () => {
  it('--dry-run prints every step that would run and those awaiting approval, and changes and records nothing', async () => {
    const f = await fixture();
    const before = await hashFolder(f.app);

    const res = await f.run(['heal', f.app, '--mode', 'supervised', '--dry-run', '--json']);
    expect(res.code).toBe(0);
    const dry = jsonOf<DryRun>(res);
    expect(dry.dryRun).toBe(true);
    expect(dry.wouldRun.map((a) => a.actionId)).toEqual(['testapp/touch-cache']);
    expect(dry.wouldRun[0]!.steps).toEqual([expect.objectContaining({ kind: 'write-file', write: true, display: expect.stringContaining(`write ${f.app}/cache/stamp`) })]);
    expect(dry.awaitingApproval.map((a) => a.actionId)).toEqual(['testapp/reset-status']);
    expect(dry.awaitingApproval[0]!.steps[0]!.display).toContain(`write ${f.app}/testapp.json`);
    expect(dry.breaker.allowed).toBe(true);

    const human = await f.run(['heal', f.app, '--mode', 'auto', '--dry-run']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('Dry run: nothing is changed');
    expect(human.stdout).toContain(`write ${f.app}/cache/stamp`);
    expect(human.stdout).toContain(`write ${f.app}/testapp.json`);

    expect(await hashFolder(f.app)).toBe(before);
    expect(jsonOf<unknown[]>(await f.run(['history', '--json']))).toEqual([]);
    expect(jsonOf<unknown[]>(await f.run(['backups', 'list', '--json']))).toEqual([]);
    expect(await readdir(f.root)).not.toContain('.healer-backups');
    expect(await httpStatus(f.server.url)).toBe(500);
  });

  it('in auto mode climbs the ladder: touch-cache rolled back, reset-status verified, exit 0 FIXED, the app answers 200', async () => {
    const f = await fixture();
    expect(await httpStatus(f.server.url)).toBe(500);
    const res = await f.run(['heal', f.app, '--mode', 'auto', '--json']);
    expect(res.code).toBe(0);
    const heal = jsonOf<HealJson>(res);
    expect(heal.state).toBe('FIXED');
    expect(heal.executionId).toMatch(/^ex_/);
    expect(heal.attempts).toEqual([
      expect.objectContaining({ actionId: 'testapp/touch-cache', risk: 'low', backupId: expect.stringMatching(/^bk_/), verified: false, rolledBack: true }),
      expect.objectContaining({ actionId: 'testapp/reset-status', risk: 'medium', backupId: expect.stringMatching(/^bk_/), verified: true, rolledBack: false }),
    ]);
    expect(heal.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['backup.started', 'apply.started', 'verify.result', 'rollback.finished', 'action.fixed']));
    expect(heal.nextAttemptAt).toBeNull();
    expect(typeof heal.message).toBe('string');
    expect(await httpStatus(f.server.url)).toBe(200);

    // Nothing left to do now.
    const again = await f.run(['heal', f.app, '--mode', 'auto']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('NOTHING_TO_DO');
  });

  it('in manual mode waits for approval (exit 5) and prints the exact command; approving reset-status fixes it', async () => {
    const f = await fixture();
    const before = await hashFolder(f.app);
    const res = await f.run(['heal', f.app, '--mode', 'manual']);
    expect(res.code).toBe(5);
    expect(res.stdout).toContain('AWAITING_APPROVAL');
    const plan = jsonOf<Plan>(await f.run(['plan', f.app, '--mode', 'manual', '--json']));
    expect(res.stdout).toContain(
      `healer heal ${f.app} --config ${f.configFile} --mode manual --approve testapp/touch-cache --approve testapp/reset-status --plan-hash ${plan.planHash}`,
    );
    expect(await hashFolder(f.app)).toBe(before);

    const json = jsonOf<HealJson>(await f.run(['heal', f.app, '--mode', 'manual', '--json']));
    expect(json.state).toBe('AWAITING_APPROVAL');
    expect(json.attempts).toEqual([]);
    expect(json.awaitingApproval?.map((a) => a.actionId)).toEqual(['testapp/touch-cache', 'testapp/reset-status']);

    const approved = await f.run(['heal', f.app, '--mode', 'manual', '--approve', 'testapp/reset-status', '--json']);
    expect(approved.code).toBe(0);
    const heal = jsonOf<HealJson>(approved);
    expect(heal.state).toBe('FIXED');
    expect(heal.attempts.map((a) => a.actionId)).toEqual(['testapp/reset-status']);
    expect(await httpStatus(f.server.url)).toBe(200);
  });

  it('the printed approve command works when pasted into a shell', async () => {
    const f = await fixture();
    const waiting = await f.run(['heal', f.app, '--mode', 'manual']);
    const line = waiting.stdout.split('\n').find((l) => l.startsWith('Approve with: healer '));
    expect(line).toBeDefined();
    // What a person does: paste the command; `healer` is the built bin here.
    const child = spawn('sh', ['-c', 'healer() { node "$HEALER_BIN" "$@"; }; eval "$HINT"'], {
      cwd: f.root,
      env: { ...process.env, HEALER_HOME: f.home, HEALER_BIN: BIN, HINT: line!.replace(/^Approve with: /, '') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const res = await collect(child);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('FIXED');
    expect(await httpStatus(f.server.url)).toBe(200);
  });

  it('refuses approvals bound to another plan: exit 3, a clear message, nothing changed', async () => {
    const f = await fixture();
    const before = await hashFolder(f.app);
    const stale = 'f'.repeat(64);

    const res = await f.run(['heal', f.app, '--mode', 'manual', '--approve', 'testapp/reset-status', '--plan-hash', stale, '--json']);
    expect(res.code).toBe(3);
    const heal = jsonOf<HealJson>(res);
    expect(heal.state).toBe('FAILED');
    expect(heal.error?.code).toBe('APPROVAL_STALE');
    expect(heal.message).toMatch(/approval was given for plan ffffffffffff, but the plan is now [0-9a-f]{12}.*approve again/);
    expect(heal.attempts).toEqual([]);

    const human = await f.run(['heal', f.app, '--approve-all', '--plan-hash', stale]);
    expect(human.code).toBe(3);
    expect(human.stdout).toContain('FAILED');
    expect(human.stdout).toContain('approve again');

    const dry = await f.run(['heal', f.app, '--approve-all', '--plan-hash', stale, '--dry-run', '--json']);
    expect(dry.code).toBe(3);
    expect(jsonOf<{ error: { code: string } }>(dry).error.code).toBe('APPROVAL_STALE');

    expect(await hashFolder(f.app)).toBe(before);
    expect(jsonOf<unknown[]>(await f.run(['backups', 'list', '--json']))).toEqual([]);
    expect(await httpStatus(f.server.url)).toBe(500);
  });

  it('refuses to approve an action that is not in the plan', async () => {
    const f = await fixture();
    const res = await f.run(['heal', f.app, '--approve', 'testapp/nope', '--json']);
    expect(res.code).toBe(3);
    expect(jsonOf<HealJson>(res).message).toContain('Cannot approve "testapp/nope"');
  });
});

describe('errors', () => {
  it('a folder no plugin recognizes: exit 3, saying so and naming the enabled plugins', async () => {
    const f = await fixture();
    const empty = join(f.root, 'empty');
    await mkdir(empty);
    for (const command of ['detect', 'diagnose', 'plan']) {
      const res = await f.run([command, empty]);
      expect(res.code, command).toBe(3);
      expect(res.stderr).toBe(`healer: No enabled plugin recognized an application in ${empty} (enabled plugins: testapp).\n`);
      expect(res.stdout).toBe('');
    }
    const json = await f.run(['diagnose', empty, '--json']);
    expect(json.code).toBe(3);
    expect(jsonOf(json)).toEqual({ error: { code: 'NO_STACK_DETECTED', message: `No enabled plugin recognized an application in ${empty} (enabled plugins: testapp).` } });

    const heal = await f.run(['heal', empty, '--json']);
    expect(heal.code).toBe(3);
    expect(jsonOf<HealJson>(heal)).toMatchObject({ state: 'FAILED', error: { code: 'NO_STACK_DETECTED' } });
    expect(jsonOf<HealJson>(heal).message).toContain('enabled plugins: testapp');
  });

  it('a path that does not exist: detect and breaker say so (FILE_NOT_FOUND, exit 3), and breaker reset resets nothing', async () => {
    const f = await fixture();
    const missing = join(f.root, 'no-such-app');
    for (const args of [['detect', missing], ['breaker', 'status', missing], ['breaker', 'reset', missing]]) {
      const res = await f.run(args);
      expect(res.code, args.join(' ')).toBe(3);
      expect(res.stderr, args.join(' ')).toBe(`healer: ${missing} does not exist on local.\n`);
      expect(res.stdout, args.join(' ')).toBe('');
      const json = await f.run([...args, '--json']);
      expect(jsonOf(json), args.join(' ')).toEqual({ error: { code: 'FILE_NOT_FOUND', message: `${missing} does not exist on local.` } });
    }
    // The records of a removed app can still be listed.
    const history = await f.run(['history', '--app', missing]);
    expect(history.code).toBe(0);
  }, 90_000);

  it('usage errors exit 64: unknown flag, unknown command, bad mode, bad --limit', async () => {
    const f = await fixture();
    const flag = await f.run(['diagnose', '--bogus']);
    expect(flag.code).toBe(64);
    expect(flag.stderr).toContain("Unknown option '--bogus'");
    expect(flag.stderr).not.toMatch(/\n\s+at /);

    expect((await f.run(['frobnicate'])).code).toBe(64);
    expect((await f.run([])).code).toBe(64);

    const mode = await f.run(['heal', f.app, '--mode', 'yolo', '--json']);
    expect(mode.code).toBe(64);
    expect(jsonOf<{ error: { code: string; message: string } }>(mode).error).toMatchObject({ code: 'USAGE', message: expect.stringContaining('Unknown mode "yolo"') });

    expect((await f.run(['history', '--limit', 'lots'])).code).toBe(64);
    expect((await f.run(['--help'])).code).toBe(0);
  });

  it('a bad configuration file exits 64 and reports every problem at once', async () => {
    const f = await fixture();
    const bad = join(f.root, 'bad.json');
    await writeFile(bad, JSON.stringify({ plugns: [], modee: 'auto', breaker: { maxAttempts: 0 } }));
    const res = await f.run(['--config', bad, 'plugins', 'list']);
    expect(res.code).toBe(64);
    expect(res.stderr).toContain('has 3 problems');
    expect(res.stderr).toContain('- plugns: unknown key');
    expect(res.stderr).toContain('- modee: unknown key');
    expect(res.stderr).toContain('- breaker.maxAttempts:');

    const json = await f.run(['--config', bad, 'plugins', 'list', '--json']);
    expect(json.code).toBe(64);
    const err = jsonOf<{ error: { code: string; issues: { path: string }[] } }>(json).error;
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.issues.map((i) => i.path).sort()).toEqual(['breaker.maxAttempts', 'modee', 'plugns']);

    await writeFile(bad, JSON.stringify({ plugins: ['./missing-plugin.js'] }));
    const missing = await f.run(['--config', bad, 'plugins', 'list']);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toBe(`healer: Cannot load plugin "./missing-plugin.js": ${join(f.root, 'missing-plugin.js')} does not exist.\n`);

    await writeFile(bad, JSON.stringify({ plugins: [{ module: './not-a-plugin.mjs' }] }));
    await writeFile(join(f.root, 'not-a-plugin.mjs'), 'export const answer = 42;\n');
    const notPlugin = await f.run(['--config', bad, 'plugins', 'list']);
    expect(notPlugin.code).toBe(64);
    expect(notPlugin.stderr).toContain('exports no plugin');

    await writeFile(join(f.root, 'throws.mjs'), 'throw new Error("boom at import");\n');
    await writeFile(bad, JSON.stringify({ plugins: ['./throws.mjs'] }));
    const throws = await f.run(['--config', bad, 'plugins', 'list']);
    expect(throws.code).toBe(64);
    expect(throws.stderr).toBe('healer: Cannot load plugin module "./throws.mjs": boom at import\n');

    const badPluginConfig = join(f.root, 'bad-plugin-config.json');
    await writeFile(badPluginConfig, JSON.stringify({ plugins: [{ module: TESTAPP_PLUGIN, config: { resetWorks: 'yes' } }] }));
    const pc = await f.run(['--config', badPluginConfig, 'plugins', 'list']);
    expect(pc.code).toBe(64);
    expect(pc.stderr).toContain('resetWorks');

    const nofile = await f.run(['--config', join(f.root, 'nope.json'), 'plugins', 'list']);
    expect(nofile.code).toBe(64);
    expect(nofile.stderr).toContain('it does not exist');
  });
});

describe('history, show, backups, plugins', () => {
  it('print JSON documents of what was done', async () => {
    const f = await fixture();
    const heal = jsonOf<HealJson>(await f.run(['heal', f.app, '--mode', 'auto', '--json']));
    expect(heal.state).toBe('FIXED');

    const history = jsonOf<(Omit<Execution, 'timeline'> & { events: number })[]>(await f.run(['history', '--json']));
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ executionId: heal.executionId, state: 'FIXED', kind: 'heal', plugin: 'testapp' });
    expect(history[0]).not.toHaveProperty('timeline');
    expect(history[0]!.events).toBe(heal.timeline.length);
    expect(jsonOf<unknown[]>(await f.run(['history', '--app', f.app, '--json']))).toHaveLength(1);
    expect(jsonOf<unknown[]>(await f.run(['history', '--app', 'someotherapp', '--json']))).toHaveLength(0);
    expect(jsonOf<unknown[]>(await f.run(['history', '--state', 'fixed,failed', '--kind', 'heal', '--since', '1h', '--json']))).toHaveLength(1);
    expect(jsonOf<unknown[]>(await f.run(['history', '--state', 'ROLLED_BACK', '--json']))).toHaveLength(0);
    // A second heal (nothing to do now): two executions, one page each, the next page named on stderr.
    const again = jsonOf<HealJson>(await f.run(['heal', f.app, '--mode', 'auto', '--json']));
    const page1 = await f.run(['history', '--limit', '1', '--json']);
    expect(jsonOf<Array<{ executionId: string }>>(page1).map((e) => e.executionId)).toEqual([again.executionId]);
    const cursor = /--cursor (\S+)/.exec(page1.stderr)?.[1];
    expect(cursor).toBeDefined();
    const page2 = await f.run(['history', '--limit', '1', '--cursor', cursor!, '--json']);
    expect(jsonOf<Array<{ executionId: string }>>(page2).map((e) => e.executionId)).toEqual([heal.executionId]);
    expect(page2.stderr).not.toContain('--cursor');
    for (const bad of [['--state', 'HAPPY'], ['--kind', 'deploy'], ['--limit', '501'], ['--since', 'tuesday']]) {
      expect((await f.run(['history', ...bad])).code).toBe(64);
    }
    expect((await f.run(['history', '--cursor', 'not-a-cursor'])).code).not.toBe(0);

    const show = await f.run(['show', heal.executionId, '--json']);
    expect(show.code).toBe(0);
    const execution = ExecutionSchema.parse(jsonOf<Execution>(show));
    expect(execution.timeline.map((e) => e.type)).toContain('apply.started');
    const showHuman = await f.run(['show', heal.executionId]);
    expect(showHuman.stdout).toMatch(/^ +# +AT +STATE +EVENT +ACTION +MESSAGE$/m);
    expect(showHuman.stdout).toContain('testapp/reset-status');
    // The commands' process groups are in the JSON, counted (not listed) in the table.
    const groups = execution.timeline.filter((e) => e.type === 'process.started').length;
    expect(groups).toBeGreaterThan(0);
    expect(showHuman.stdout).not.toContain('process.started');
    expect(showHuman.stdout).toContain(`(${groups} commands journaled with their process groups, not shown; --json lists them)`);
    expect((await f.run(['show', 'ex_nope'])).code).toBe(3);

    const backups = jsonOf<BackupManifest[]>(await f.run(['backups', 'list', '--json']));
    expect(backups.map((b) => b.actionId).sort()).toEqual(['testapp/reset-status', 'testapp/touch-cache']);
    for (const b of backups) {
      expect(b.executionId).toBe(heal.executionId);
      expect(b.dir.startsWith(join(f.root, '.healer-backups'))).toBe(true);
    }
    const prune = await f.run(['backups', 'prune', '--dry-run', '--json']);
    expect(prune.code).toBe(0);
    expect(jsonOf<{ pruned: unknown[]; kept: number }>(prune)).toMatchObject({ pruned: [], kept: 2 });

    const plugins = jsonOf<PluginInfo[]>(await f.run(['plugins', 'list', '--json']));
    expect(plugins).toEqual([expect.objectContaining({ name: 'testapp', version: '1.0.0', enabled: true, stacks: ['testapp'], checks: 2, actions: 2 })]);
    const pluginsHuman = await f.run(['plugins', 'list']);
    expect(pluginsHuman.stdout).toMatch(/^PLUGIN +VERSION +STATE +STACKS +CHECKS +ACTIONS +DESCRIPTION$/m);

    const status = await f.run(['breaker', 'status', f.app, '--json']);
    expect(status.code).toBe(0);
    expect(jsonOf<{ decision: { allowed: boolean } }>(status).decision.allowed).toBe(true);
  });
});

describe('baseline', () => {
  it('refuses (exit 2) while a check fails, and records once the app is healthy (exit 0)', async () => {
    const f = await fixture();
    const refused = await f.run(['baseline', f.app]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/is not healthy \(.*testapp\/status-ok/);
    await f.setStatus('ok');
    const ok = await f.run(['baseline', f.app, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'pass', app: { plugin: 'testapp' } });
  });
});
