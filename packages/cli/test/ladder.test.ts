/**
 * Must-show 5, end to end through the CLI: the escalation ladder against a
 * real app folder and a real HTTP server; a failed ladder leaves every file
 * byte-identical, and `healer rollback` of a fix restores the broken state.
 */
import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { hashFolder } from '@healer/test-utils';
import type { healJson } from '../src/output/format-execution.js';
import { httpStatus, jsonOf, makeFixture, type Fixture } from './helpers.js';

type HealJson = ReturnType<typeof healJson>;

const fixtures: Fixture[] = [];
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
});

describe('the healing ladder through the CLI', () => {
  it('when no rung verifies: exit 2 ROLLED_BACK and the app folder byte-identical to before', async () => {
    const f = await makeFixture({ pluginConfig: { resetWorks: false } });
    fixtures.push(f);
    const before = await hashFolder(f.app);

    const res = await f.run(['heal', f.app, '--mode', 'auto', '--json']);
    expect(res.code).toBe(2);
    const heal = jsonOf<HealJson>(res);
    expect(heal.state).toBe('ROLLED_BACK');
    expect(heal.attempts.map((a) => [a.actionId, a.verified, a.rolledBack])).toEqual([
      ['testapp/touch-cache', false, true],
      ['testapp/reset-status', false, true],
    ]);
    expect(heal.attempts.every((a) => a.backupId !== null)).toBe(true);

    expect(await hashFolder(f.app)).toBe(before);
    // The backups live beside the app, not inside it.
    expect(await readdir(f.root)).toContain('.healer-backups');
    expect(await httpStatus(f.server.url)).toBe(500);

    const human = await f.run(['show', heal.executionId]);
    expect(human.stdout).toContain('rollback.finished');
  });

  it('rollback of a FIXED heal restores the broken state byte-identical, as a new execution', async () => {
    const f = await makeFixture();
    fixtures.push(f);
    const broken = await hashFolder(f.app);

    const heal = jsonOf<HealJson>(await f.run(['heal', f.app, '--mode', 'auto', '--json']));
    expect(heal.state).toBe('FIXED');
    expect(await httpStatus(f.server.url)).toBe(200);
    expect(await hashFolder(f.app)).not.toBe(broken);

    const res = await f.run(['rollback', heal.executionId, '--json']);
    expect(res.code).toBe(0);
    const rollback = jsonOf<HealJson>(res);
    expect(rollback).toMatchObject({ kind: 'rollback', state: 'ROLLED_BACK', rollbackOf: heal.executionId });
    expect(rollback.attempts.map((a) => [a.actionId, a.rolledBack])).toEqual([['testapp/reset-status', true]]);
    expect(await hashFolder(f.app)).toBe(broken);
    expect(await httpStatus(f.server.url)).toBe(500);

    // Nothing left to undo: a second rollback is refused.
    const again = await f.run(['rollback', heal.executionId]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('left no applied change to roll back');
  });
});
