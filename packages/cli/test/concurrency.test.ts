/**
 * Must-show 7: two `healer heal` processes on one app at once: one heals,
 * the other is BLOCKED by the app's lock; nothing is corrupted.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Execution } from '@healer/core';
import { collect, httpStatus, jsonOf, makeFixture, readJournals, type Fixture } from './helpers.js';

const fixtures: Fixture[] = [];
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
});

async function listFilesDeep(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFilesDeep(full)));
    else out.push(full);
  }
  return out;
}

describe('two heals of one app at once', () => {
  it('one runs and fixes it, the other exits 4 BLOCKED saying the app is locked', async () => {
    const f = await makeFixture({ pluginConfig: { slowApplyMs: 5000 } });
    fixtures.push(f);

    // Start the second while the first is surely inside its heal (holding the lock), however
    // slowly this machine starts processes: wait for the first one's journal to show apply.started.
    const first = collect(f.spawn(['heal', f.app, '--mode', 'auto']));
    const deadline = Date.now() + 30_000;
    while (![...(await readJournals(f.home)).values()].some((events) => events.some((e) => e.type === 'apply.started'))) {
      if (Date.now() > deadline) throw new Error('the first heal never reached apply.started');
      await new Promise((r) => setTimeout(r, 25));
    }
    const [a, b] = await Promise.all([first, collect(f.spawn(['heal', f.app, '--mode', 'auto']))]);
    const results = [a, b].sort((x, y) => (x.code ?? 99) - (y.code ?? 99));
    expect(results.map((r) => r.code)).toEqual([0, 4]);
    const [winner, blocked] = results as [typeof a, typeof b];
    expect(winner.stdout).toContain('FIXED');
    expect(blocked.stdout).toContain('BLOCKED');
    expect(blocked.stdout).toMatch(/Another run is healing this application \(held by pid \d+/);
    expect(blocked.stdout).toContain('(locked)');
    expect(blocked.stderr).toBe('');

    expect(await httpStatus(f.server.url)).toBe(200);
    const history = jsonOf<Execution[]>(await f.run(['history', '--json']));
    expect(history.map((e) => e.state).sort()).toEqual(['BLOCKED', 'FIXED']);
    expect(history.find((e) => e.state === 'BLOCKED')?.error?.code).toBe('LOCKED');
    // Released on the way out: no lock file is left behind.
    expect((await listFilesDeep(join(f.home, 'locks'))).filter((p) => p.endsWith('.lock'))).toEqual([]);
  });
});
