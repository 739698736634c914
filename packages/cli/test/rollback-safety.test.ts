/**
 * `healer rollback` checks before it writes, through the real CLI: a file
 * edited after the heal is drift (exit 3, listed, nothing changed, the
 * `--force` hint), `--force` rolls back anyway, and a tampered archive is
 * refused whatever the flags.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashFolder } from '@healer/test-utils';
import type { healJson } from '../src/output/format-execution.js';
import { jsonOf, makeFixture, type Fixture } from './helpers.js';

type HealJson = ReturnType<typeof healJson>;

const fixtures: Fixture[] = [];
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
});

async function healedFixture(): Promise<{ f: Fixture; heal: HealJson; broken: string }> {
  const f = await makeFixture();
  fixtures.push(f);
  const broken = await readFile(join(f.app, 'testapp.json'), 'utf8');
  const heal = jsonOf<HealJson>(await f.run(['heal', f.app, '--mode', 'auto', '--json']));
  expect(heal.state).toBe('FIXED');
  return { f, heal, broken };
}

describe('healer rollback safety', () => {
  it('refuses with exit 3 listing the drift when the healed file was edited since; --force rolls back', async () => {
    const { f, heal, broken } = await healedFixture();
    const config = join(f.app, 'testapp.json');
    await writeFile(config, `${(await readFile(config, 'utf8')).trimEnd()}\n`.replace('"ok"', '"ok", "note": "edited by a person"'));
    const edited = await hashFolder(f.app);

    const refused = await f.run(['rollback', heal.executionId]);
    expect(refused.code, refused.stdout + refused.stderr).toBe(3);
    expect(refused.stdout).toContain('nothing was changed');
    expect(refused.stdout).toContain(config);
    expect(refused.stdout).toContain(`healer rollback ${heal.executionId} --force`);
    expect(await hashFolder(f.app)).toBe(edited);

    const json = jsonOf<HealJson & { error?: { code: string } }>(await f.run(['rollback', heal.executionId, '--json']));
    expect(json.state).toBe('FAILED');
    expect(json.error?.code).toBe('ROLLBACK_DRIFT');

    const forced = await f.run(['rollback', heal.executionId, '--force']);
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect(await readFile(config, 'utf8')).toBe(broken);
  });

  it('refuses a files.tar edited after the heal (still a valid tar), with or without --force, and changes nothing', async () => {
    const { f, heal } = await healedFixture();
    const healed = await hashFolder(f.app);
    const backupId = heal.attempts.find((a) => a.verified)!.backupId!;
    const tar = join(f.root, '.healer-backups', heal.executionId, backupId, 'files.tar');
    execFileSync('sed', ['-i', 's/broken/BROKEN/', tar]);
    execFileSync('tar', ['-tf', tar]);

    for (const flags of [[], ['--force']]) {
      const res = await f.run(['rollback', heal.executionId, ...flags]);
      expect(res.code, res.stdout + res.stderr).toBe(3);
      expect(res.stdout).toContain('nothing was changed');
      expect(res.stdout).toContain('content differs');
      expect(await hashFolder(f.app)).toBe(healed);
    }
  });
});
