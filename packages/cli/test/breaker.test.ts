/**
 * The circuit breaker through the CLI: each heal is a new process, so its
 * state can only come from the state folder.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BreakerStatus } from '@healer/core';
import type { healJson } from '../src/output/format-execution.js';
import { jsonOf, makeFixture, type Fixture } from './helpers.js';

type HealJson = ReturnType<typeof healJson>;

const fixtures: Fixture[] = [];
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
});

describe('the circuit breaker across processes', () => {
  it('after 3 failed heals the 4th is BLOCKED with the next allowed time; a reset allows it again', async () => {
    const f = await makeFixture({ pluginConfig: { resetWorks: false }, config: { breaker: { maxAttempts: 3, cooldownMinutes: 0 } } });
    fixtures.push(f);

    for (let i = 1; i <= 3; i++) {
      const res = await f.run(['heal', f.app, '--mode', 'auto', '--json']);
      expect(res.code, `heal ${i}: ${res.stdout}${res.stderr}`).toBe(2);
      expect(jsonOf<HealJson>(res).state).toBe('ROLLED_BACK');
      // Each allowed heal really tries its ladder (the app's own attempt must not block its rungs);
      // after 2 failures in a row the mode is demoted to supervised, so the 3rd heal tries only the low rung.
      const tried = jsonOf<HealJson>(res).attempts.map((a) => a.actionId);
      expect(tried).toEqual(i < 3 ? ['testapp/touch-cache', 'testapp/reset-status'] : ['testapp/touch-cache']);
    }

    const blocked = await f.run(['heal', f.app, '--mode', 'auto']);
    expect(blocked.code).toBe(4);
    expect(blocked.stdout).toContain('BLOCKED');
    const next = /Next attempt allowed at (\S+) \(in (\d+) h/.exec(blocked.stdout);
    expect(next, blocked.stdout).not.toBeNull();
    const at = Date.parse(next![1]!);
    // The oldest of the 3 attempts leaves the 24 h window in just under 24 h.
    expect(at - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect(at - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
    expect(blocked.stdout).toContain(`healer breaker reset ${f.app} --config ${f.configFile}`);

    const json = jsonOf<HealJson>(await f.run(['heal', f.app, '--mode', 'auto', '--json']));
    expect(json).toMatchObject({ state: 'BLOCKED', nextAttemptAt: expect.any(String), error: { code: 'CIRCUIT_OPEN' } });
    expect(json.attempts).toEqual([]);

    const status = jsonOf<BreakerStatus>(await f.run(['breaker', 'status', f.app, '--json']));
    expect(status.decision.allowed).toBe(false);
    expect(status.app?.attempts).toHaveLength(3);
    // Two failures in a row lowered the mode one step.
    expect(status.app?.demotedTo).toBe('supervised');
    expect((await f.run(['breaker', 'status', f.app])).stdout).toContain('blocked');

    const reset = await f.run(['breaker', 'reset', f.app]);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('reset');
    expect(jsonOf<BreakerStatus>(await f.run(['breaker', 'status', f.app, '--json'])).decision.allowed).toBe(true);

    const again = await f.run(['heal', f.app, '--mode', 'auto', '--json']);
    expect(again.code).toBe(2);
    const heal = jsonOf<HealJson>(again);
    expect(heal.state).toBe('ROLLED_BACK');
    // The mode is restored by the reset: both rungs ran again.
    expect(heal.attempts.map((a) => a.actionId)).toEqual(['testapp/touch-cache', 'testapp/reset-status']);
    // A dozen CLI processes: more than the default 30 s on a loaded machine.
  }, 120_000);
});
