/**
 * Must-show 6: a real `healer heal` killed with SIGKILL in the middle of an
 * apply; `healer recover` leaves the app byte-identical and records it.
 * Issue 9: the killed heal's own commands are stopped before the restore,
 * so an orphaned helper's late write never lands (locally and over SSH).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashFolder, startSshd, type RunningSshd } from '@healer/test-utils';
import type { Execution, RecoveryReport } from '@healer/core';
import { collect, jsonOf, makeFixture, readJournals, type Fixture } from './helpers.js';

const execFileP = promisify(execFile);
const fixtures: Fixture[] = [];
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
});

describe('recovery of a heal killed mid-apply', () => {
  it('kill -9 during apply, then `healer recover`: ROLLED_BACK, app byte-identical, a recovered event', async () => {
    const f = await makeFixture({ pluginConfig: { slowApplyMs: 20_000 } });
    fixtures.push(f);
    const before = await hashFolder(f.app);

    const child = f.spawn(['heal', f.app, '--mode', 'auto', '--json']);
    const ended = collect(child, 60_000);
    let executionId: string | undefined;
    const deadline = Date.now() + 30_000;
    // Wait until the journal says reset-status is being applied and its half-done change is on disk.
    while (!executionId) {
      if (Date.now() > deadline) throw new Error('reset-status never started applying');
      for (const [id, events] of await readJournals(f.home)) {
        if (events.some((e) => e.type === 'apply.started' && e.actionId === 'testapp/reset-status') && existsSync(join(f.app, 'partial.tmp'))) executionId = id;
      }
      if (!executionId) await sleep(50);
    }
    expect(await hashFolder(f.app)).not.toBe(before);
    child.kill('SIGKILL');
    const killed = await ended;
    expect(killed.signal).toBe('SIGKILL');

    const interrupted = jsonOf<Execution>(await f.run(['show', executionId, '--json']));
    expect(interrupted.state).toBe('APPLYING');

    const res = await f.run(['recover', '--json']);
    expect(res.code).toBe(0);
    const reports = jsonOf<RecoveryReport[]>(res);
    expect(reports).toEqual([expect.objectContaining({ executionId, state: 'ROLLED_BACK' })]);

    expect(await hashFolder(f.app)).toBe(before);
    const recovered = jsonOf<Execution>(await f.run(['show', executionId, '--json']));
    expect(recovered.state).toBe('ROLLED_BACK');
    expect(recovered.timeline.map((e) => e.type)).toContain('recovered');

    // The dead process's lock was taken over and released.
    expect((await readdir(join(f.home, 'locks'))).filter((n) => n.endsWith('.lock'))).toEqual([]);
    // Nothing left to recover.
    expect(jsonOf<RecoveryReport[]>(await f.run(['recover', '--json']))).toEqual([]);
  });
});

/** How long the testapp's helper sleeps before its late write: longer than kill + recover take. */
const LATE_MS = 20_345;

let sshd: RunningSshd | undefined;
beforeAll(async () => {
  sshd = await startSshd();
}, 60_000);
afterAll(async () => {
  await sshd?.stop();
});

/** The process group of the testapp helper's sleep, or null when none runs. */
async function helperGroup(): Promise<number | null> {
  const { stdout } = await execFileP('ps', ['-A', '-o', 'pgid=', '-o', 'args=']).catch(() => ({ stdout: '' }));
  const line = stdout.split('\n').find((l) => l.trim().endsWith(`sleep ${LATE_MS / 1000}`));
  return line ? Number(line.trim().split(/\s+/)[0]) : null;
}

type Event = { type: string; actionId?: string; data?: Record<string, unknown> };

describe.each(['local', 'ssh'] as const)('recovery stops the killed heal\'s commands (%s)', (where) => {
  it('kill -9 while an action command runs, then `healer recover`: its group is stopped first and its late write never lands', async () => {
    const f = await makeFixture({ pluginConfig: { lateChildWriteMs: LATE_MS } });
    fixtures.push(f);
    const flags = where === 'ssh' ? ['--host', `ssh://${sshd!.user}@127.0.0.1:${sshd!.port}`, '--identity', sshd!.identityFile, '--known-hosts', sshd!.knownHostsFile] : [];
    const before = await hashFolder(f.app);

    const child = f.spawn([...flags, 'heal', f.app, '--mode', 'auto', '--json']);
    const ended = collect(child, 60_000);
    let executionId: string | undefined;
    let pgid: number | undefined;
    const deadline = Date.now() + 30_000;
    // Wait until the helper runs (its sleep is in a process group) and the journal holds that group.
    while (!executionId) {
      if (Date.now() > deadline) throw new Error('the helper command never started');
      const helper = await helperGroup();
      for (const [id, events] of (await readJournals(f.home)) as Map<string, Event[]>) {
        if (helper !== null && events.some((e) => e.type === 'process.started' && e.data?.pgid === helper)) {
          executionId = id;
          pgid = helper;
        }
      }
      if (!executionId) await sleep(50);
    }
    child.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await ended).signal).toBe('SIGKILL');

    if (where === 'ssh') {
      // Recover run without --host cannot reach the helper's host: it restores nothing and says why.
      const interrupted = await hashFolder(f.app);
      const blind = await f.run(['recover', '--json']);
      expect(jsonOf<RecoveryReport[]>(blind)).toEqual([expect.objectContaining({ executionId, state: 'SKIPPED', message: expect.stringContaining('No executor for host ssh://') })]);
      expect(await hashFolder(f.app)).toBe(interrupted);
      expect(existsSync(join(f.app, 'partial.tmp'))).toBe(true);
    }
    const res = await f.run([...flags, 'recover', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(jsonOf<RecoveryReport[]>(res)).toEqual([expect.objectContaining({ executionId, state: 'ROLLED_BACK' })]);
    // The restore came before the helper would have written: this test can see a late write.
    expect(Date.now() - killedAt).toBeLessThan(LATE_MS);
    const recovered = jsonOf<Execution>(await f.run(['show', executionId, '--json']));
    const types = recovered.timeline.map((e) => e.type);
    expect(types.indexOf('processes.stopped'), JSON.stringify(recovered.timeline.slice(-6))).toBeGreaterThan(-1);
    expect(types.indexOf('processes.stopped')).toBeLessThan(types.lastIndexOf('rollback.started'));
    expect(recovered.timeline.find((e) => e.type === 'processes.stopped')?.data).toMatchObject({ pgids: [pgid] });

    // Past the helper's wake-up time: the app is still byte-identical to before the heal.
    await sleep(Math.max(0, killedAt + LATE_MS + 2_000 - Date.now()));
    expect(await readFile(join(f.app, 'testapp.json'), 'utf8')).not.toContain('late-write');
    expect(await hashFolder(f.app)).toBe(before);
    expect(await helperGroup()).toBeNull();
  }, 90_000);
});
