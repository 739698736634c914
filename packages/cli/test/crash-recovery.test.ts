/**
 * Must-show 6: a real `healer heal` killed with SIGKILL in the middle of an
 * apply; `healer recover` leaves the app byte-identical and records it.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashFolder } from '@healer/test-utils';
import type { Execution, RecoveryReport } from '@healer/core';
import { collect, jsonOf, makeFixture, readJournals, type Fixture } from './helpers.js';

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
