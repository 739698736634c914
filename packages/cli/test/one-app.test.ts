/**
 * Issue 9: one application is one application, however its folder is
 * spelled. Three heals at once through its path, a symlink and `/./`: one
 * acts, the others are BLOCKED by the same lock; history shows the real path.
 * A backup root inside the app is refused before anything is done.
 */
import { readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashFolder } from '@healer/test-utils';
import type { Execution } from '@healer/core';
import { healThroughThreeSpellings, httpStatus, jsonOf, makeFixture, type Fixture } from './helpers.js';

const fixtures: Fixture[] = [];
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
});

describe('one app through three spellings of its folder', () => {
  it('three concurrent heals: exactly one acts, the others are BLOCKED; one app id, the canonical path in history', async () => {
    const f = await makeFixture({ pluginConfig: { slowApplyMs: 4000 } });
    fixtures.push(f);
    const results = await healThroughThreeSpellings(f);
    const states = results.map((r) => jsonOf<Execution>(r).state).sort();
    expect(states, results.map((r) => r.stdout + r.stderr).join('\n')).toEqual(['BLOCKED', 'BLOCKED', 'FIXED']);
    expect(results.map((r) => r.code).sort()).toEqual([0, 4, 4]);
    expect(await httpStatus(f.server.url)).toBe(200);

    const history = jsonOf<Execution[]>(await f.run(['history', '--json']));
    expect(history).toHaveLength(3);
    expect(new Set(history.map((e) => e.appId)).size).toBe(1);
    expect(history.map((e) => e.target.path)).toEqual([f.app, f.app, f.app]);
    expect(history.filter((e) => e.state === 'BLOCKED').map((e) => e.error?.code)).toEqual(['LOCKED', 'LOCKED']);
  });

  it.each([
    ['inside the app', (f: Fixture) => join(f.app, 'bk')],
    ['inside the app through a symlink', (f: Fixture) => join(f.root, 'app-link', 'bk')],
  ])('refuses a backup root %s with CONFIG_INVALID and changes nothing', async (_label, backupRootOf) => {
    const f = await makeFixture();
    fixtures.push(f);
    await symlink(f.app, join(f.root, 'app-link'));
    const config = JSON.parse(await readFile(f.configFile, 'utf8')) as Record<string, unknown>;
    const file = join(f.root, 'inside.json');
    await writeFile(file, JSON.stringify({ ...config, backupRoot: backupRootOf(f) }));
    const before = await hashFolder(f.app);
    // f.run puts the fixture's --config first; the later --config wins.
    const refused = await f.run(['--config', file, 'heal', f.app, '--mode', 'auto', '--json']);
    expect(refused.code, refused.stdout + refused.stderr).toBe(3);
    const execution = jsonOf<Execution>(refused);
    expect(execution.state).toBe('FAILED');
    expect(execution.error?.code).toBe('CONFIG_INVALID');
    expect(execution.timeline.map((e) => e.type)).not.toContain('action.started');
    expect(await hashFolder(f.app)).toBe(before);
    expect(await readdir(f.app)).not.toContain('bk');
  });
});
