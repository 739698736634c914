/**
 * Rolling back a FIXED heal through the SDK on a real app folder: what the
 * action left is recorded at verify time; a rollback refuses (and changes
 * nothing) when it drifted since or when the backup no longer matches its
 * manifest, and `force` rolls back anyway.
 */
import { execFileSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHealer, FolderStateStore, type Healer } from '@healer/core';
import { hashFolder, startBrokenTestapp, testappPlugin, type RunningTestapp, type TestDir } from '@healer/test-utils';

let dir: TestDir;
let app: string;
let server: RunningTestapp;
let healer: Healer;

beforeEach(async () => {
  ({ dir, app, server } = await startBrokenTestapp());
  healer = createHealer({
    plugins: [{ plugin: testappPlugin, config: {} }],
    state: new FolderStateStore({ home: join(dir.path, 'home') }),
    sharedChecks: false,
    apps: { [app]: { url: server.url } },
  });
});

afterEach(async () => {
  await healer.close();
  await server.stop();
  await dir.cleanup();
});

async function healed(): Promise<{ id: string; fixedConfig: string }> {
  const { execution } = await healer.heal(app, { mode: 'auto' });
  expect(execution.state, execution.message).toBe('FIXED');
  return { id: execution.executionId, fixedConfig: await readFile(join(app, 'testapp.json'), 'utf8') };
}

describe('rollback drift', () => {
  it('records what the verified action left, in the backup manifest', async () => {
    await healed();
    const backups = await healer.backups.list();
    const kept = backups.find((b) => b.actionId === 'testapp/reset-status')!;
    expect(kept.left?.files.find((e) => e.path === join(app, 'testapp.json'))?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(kept.left?.files.find((e) => e.path === join(app, 'partial.tmp'))?.type).toBe('absent');
    // The rolled-back rung was never verified: nothing recorded.
    expect(backups.find((b) => b.actionId === 'testapp/touch-cache')?.left).toBeUndefined();
  });

  it('refuses with ROLLBACK_DRIFT when a file the action left was edited since, changing nothing; force rolls back', async () => {
    const before = await readFile(join(app, 'testapp.json'), 'utf8');
    const { id, fixedConfig } = await healed();
    const edited = fixedConfig.replace('"ok"', '"ok", "owner": "edited after the heal"');
    expect(edited).not.toBe(fixedConfig);
    await writeFile(join(app, 'testapp.json'), edited);
    const tree = await hashFolder(app);

    const refused = await healer.rollback(id);
    expect(refused.state).toBe('FAILED');
    expect(refused.error?.code).toBe('ROLLBACK_DRIFT');
    expect(refused.message).toContain('nothing was changed');
    expect(refused.message).toContain(join(app, 'testapp.json'));
    expect(await hashFolder(app)).toBe(tree);
    // Still undoable: the heal's attempt is not marked rolled back.
    expect((await healer.execution(id))?.attempts.find((a) => a.verified)?.rolledBack).toBe(false);

    const forced = await healer.rollback(id, { force: true });
    expect(forced.state, forced.message).toBe('ROLLED_BACK');
    expect(await readFile(join(app, 'testapp.json'), 'utf8')).toBe(before);
  });

  it('rolls back without force when nothing drifted', async () => {
    const before = await hashFolder(app);
    const { id } = await healed();
    const undone = await healer.rollback(id);
    expect(undone.state, undone.message).toBe('ROLLED_BACK');
    expect(await hashFolder(app)).toBe(before);
  });

  it('refuses with BACKUP_TAMPERED when files.tar was edited (still a valid tar), and writes nothing', async () => {
    const { id, fixedConfig } = await healed();
    const kept = (await healer.backups.list()).find((b) => b.actionId === 'testapp/reset-status')!;
    const tar = join(kept.dir, 'files.tar');
    // Same length: the archive stays a valid tar, only the content hash can tell.
    execFileSync('sed', ['-i', 's/broken/BROKEN/', tar]);
    execFileSync('tar', ['-tf', tar]);

    const refused = await healer.rollback(id);
    expect(refused.state).toBe('FAILED');
    expect(refused.error?.code).toBe('BACKUP_TAMPERED');
    expect(refused.message).toContain('nothing was changed');
    expect(await readFile(join(app, 'testapp.json'), 'utf8')).toBe(fixedConfig);
    // No staging folder left behind.
    expect((await readdir(kept.dir)).sort()).toEqual(['files.tar', 'manifest.json']);
    // force overrides drift, never a tampered backup.
    expect((await healer.rollback(id, { force: true })).error?.code).toBe('BACKUP_TAMPERED');
    expect(await readFile(join(app, 'testapp.json'), 'utf8')).toBe(fixedConfig);
  });
});
